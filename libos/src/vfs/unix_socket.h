// AF_UNIX sockets with Linux's semantics (man 7 unix): SOCK_STREAM, SOCK_DGRAM and
// SOCK_SEQPACKET; names in the file system (an S_IFSOCK node made by bind, found again by
// connect and sendto through the node), abstract names (a leading NUL, a name space of their
// own per socket type) and autobind ("\0" and five hex digits); listen backlogs, accept,
// shutdown, SCM_RIGHTS and SCM_CREDENTIALS, SO_PEERCRED, and Linux's flow control: a sender
// may have SO_SNDBUF bytes in flight, a datagram receiver queues at most
// net.unix.max_dgram_qlen (10) + 1 messages from senders it is not connected to.
//
// Each socket is an endpoint object that outlives its open file description while peers or
// queued messages refer to it, as Linux's struct sock does: closing the description releases
// the endpoint (the peer sees EOF, POLLHUP, EPIPE), which breaks every reference cycle
// except one Linux needs a garbage collector for (a socket in flight inside its own queue),
// which is left to leak.
#pragma once

#include "socket.h"

namespace uk::vfs {

inline constexpr size_t kSunPathOffset = 2;    // offsetof(struct sockaddr_un, sun_path)
inline constexpr size_t kSockAddrUnSize = 110; // sizeof(struct sockaddr_un)

// socket(AF_UNIX, type, 0): kSockStream, kSockDgram or kSockSeqpacket; `flags` may hold
// O_NONBLOCK. `owner` owns its sockfs node. -ENOMEM when memory is exhausted.
long makeUnixSocket(int type, uint32_t flags, const Cred& owner, Ref<File>* out);
// socketpair(AF_UNIX, type, 0): two sockets connected to each other, each with `self` as
// its peer's credentials.
long makeUnixSocketPair(int type, uint32_t flags, const Cred& owner, const Ucred& self,
                        Ref<File>* a, Ref<File>* b);

} // namespace uk::vfs
