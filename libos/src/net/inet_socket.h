// Internet sockets (AF_INET, AF_INET6; SOCK_STREAM over TCP, SOCK_DGRAM over UDP) on lwIP's
// raw API, with Linux's semantics where programs notice them (man 7 ip, tcp, udp, ipv6):
// blocking and non-blocking calls, listen backlogs, SO_ERROR after a non-blocking connect,
// FIONREAD, shutdown, SIGPIPE, dual-stack AF_INET6 sockets unless IPV6_V6ONLY (addresses of
// IPv4 peers then appear as ::ffff:a.b.c.d), and readiness for poll/select/epoll.
//
// lwIP has no locks of its own (NO_SYS): every call into it happens with interrupts off on
// one CPU, from a system call, the NIC's interrupt or the stack's timer, which is what makes
// its callbacks and these sockets' state safe to share. After any call into lwIP the caller
// runs stackWorkDone(): loopback traffic is delivered then and the timer re-armed.
//
// Machine-independent: the host build (tests/unit/net_socket_test.cpp) runs it over lwIP's
// loopback interface under the sanitizers.
#pragma once

#include "../vfs/socket.h"

namespace uk::net {

inline constexpr int kAfInet = 2, kAfInet6 = 10;
inline constexpr int kIpprotoIp = 0, kIpprotoTcp = 6, kIpprotoUdp = 17, kIpprotoIpv6 = 41;

// socket(family, type, protocol) for AF_INET / AF_INET6: `type` without flags, `flags`
// O_NONBLOCK or 0. -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOBUFS/-ENOMEM as Linux.
long makeInetSocket(int family, int type, int protocol, uint32_t flags, const vfs::Cred& owner,
                    vfs::Ref<vfs::File>* out);

// After every entry into lwIP: runs the loopback queue and lets the stack re-arm its timer
// (the hook the guest sets; none on the host).
void stackWorkDone();
void setStackTimerHook(void (*rearm)());

} // namespace uk::net
