// System calls that unmodified Linux programs make on their way to something else, answered
// the way a Linux kernel configured like this library OS would answer them.
//
// socket: glibc's name service (getpwuid for `ls -l`, for one) first tries nscd's AF_UNIX
// socket and falls back to /etc/passwd when socket() fails. No address family exists yet
// (networking comes with lwIP), so every well-formed request fails with EAFNOSUPPORT, which
// is what Linux returns for a family it was built without.
#include "syscall.h"

namespace uk::sys {

namespace {

constexpr long kEafnosupport = 97;     // not in errno.h yet: only socket returns it
constexpr int kAfMax = 46;             // AF_MAX in Linux 6.x
constexpr int kSockMax = 11;           // SOCK_PACKET + 1
constexpr int kSockTypeMask = 0xf;     // SOCK_TYPE_MASK
constexpr int kSockNonblock = 04000;   // O_NONBLOCK
constexpr int kSockCloexec = 02000000; // O_CLOEXEC

// Linux's __sys_socket and __sock_create, in their order of checks.
long sysSocket(int domain, int type, int protocol) {
    (void)protocol; // checked by the family, and there is none
    if ((type & ~kSockTypeMask) & ~(kSockNonblock | kSockCloexec)) {
        return -EINVAL;
    }
    if (domain < 0 || domain >= kAfMax) {
        return -kEafnosupport;
    }
    if ((type & kSockTypeMask) >= kSockMax) {
        return -EINVAL;
    }
    return -kEafnosupport;
}

} // namespace

UK_SYSCALL(socket, sysSocket, Partial,
           "no address family yet (networking comes with lwIP): fails with EAFNOSUPPORT, as on "
           "a Linux built without the family");

} // namespace uk::sys
