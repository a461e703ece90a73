// The guest's TCP/IP stack: lwIP over the first network device, started by the first
// Internet socket (syscalls/socket.cpp), so programs that never use the network pay nothing
// for it at boot. Configured from the command line (net/config.h): a static address, or
// DHCP, which the first socket waits for (up to a few seconds) so that a program's first
// connect finds the network ready, as it would after a Linux boot.
#pragma once

namespace uk::net {

// Starts the stack once (lwIP, the loopback interface, the NIC if there is one). Later
// calls return at once.
void startStack();

} // namespace uk::net
