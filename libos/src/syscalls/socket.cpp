// The socket system calls. What a socket does is its family's business (vfs/socket.h; AF_UNIX
// in vfs/unix_socket.h, AF_INET and AF_INET6 over lwIP in net/inet_socket.h); these calls
// find the socket behind a descriptor and copy addresses, messages and control data
// (SCM_RIGHTS, SCM_CREDENTIALS) in and out as Linux's net/socket.c and net/core/scm.c do.
//
// Other families fail with EAFNOSUPPORT, as on a Linux built without them. The first
// Internet socket starts the TCP/IP stack (net/stack.h): this file is the only way into it,
// so an image whose program never calls socket(2) links none of it.
#include "../net/inet_socket.h"
#include "../net/stack.h"
#include "../proc/process.h"
#include "../time/clock.h"
#include "../vfs/unix_socket.h"
#include "fs_user.h"
#include "wait_util.h"

namespace uk::sys {

namespace {

using vfs::File;
using vfs::Ref;
using vfs::SocketFile;
using vfs::SocketMessage;

// struct msghdr, struct cmsghdr and struct mmsghdr on x86_64.
struct Msghdr {
    void* name;
    uint32_t namelen;
    uint32_t pad0;
    const void* iov;
    uint64_t iovlen;
    void* control;
    uint64_t controllen;
    int32_t flags;
    uint32_t pad1;
};
static_assert(sizeof(Msghdr) == 56);
struct Cmsghdr {
    uint64_t len;
    int32_t level;
    int32_t type;
};
struct Mmsghdr {
    Msghdr hdr;
    uint32_t len;
    uint32_t pad;
};
static_assert(sizeof(Mmsghdr) == 64);

constexpr uint64_t kIovMax = 1024;           // UIO_MAXIOV
constexpr uint64_t kControlMax = 128 * 1024; // net.core.optmem_max
constexpr unsigned kMmsgMax = 1024;          // UIO_MAXIOV, the most sendmmsg/recvmmsg take

constexpr size_t cmsgAlign(size_t n) {
    return (n + 7) & ~size_t{7};
}

// The caller as SO_PEERCRED and SCM_CREDENTIALS report it: pid, effective uid and gid.
vfs::Ucred self() {
    const vfs::Cred& c = fsContext().cred;
    proc::Process* p = proc::current();
    return vfs::Ucred{p != nullptr ? p->pid : 0, c.euid, c.egid};
}

long socketOf(Fd fd, Ref<File>* f, SocketFile** s) {
    *f = fileOf(fd);
    if (!*f) {
        return -EBADF;
    }
    *s = (*f)->socket();
    return *s != nullptr ? 0 : -ENOTSOCK;
}

// move_addr_to_kernel.
long addressIn(const void* user, int64_t len, SocketMessage* m) {
    if (len < 0 || len > static_cast<int64_t>(vfs::kSockAddrMax)) {
        return -EINVAL;
    }
    if (len > 0 && copyIn(m->name, user, static_cast<size_t>(len)) < 0) {
        return -EFAULT;
    }
    m->nameLen = static_cast<size_t>(len);
    return 0;
}

// move_addr_to_user: as much as *userLen allows, and the full length back in *userLen.
long addressOut(void* user, void* userLen, const uint8_t* addr, size_t len) {
    int ulen;
    if (copyIn(&ulen, userLen, sizeof ulen) < 0) {
        return -EFAULT;
    }
    if (ulen < 0) {
        return -EINVAL;
    }
    size_t n = static_cast<size_t>(ulen) < len ? static_cast<size_t>(ulen) : len;
    if (n > 0 && copyOut(user, addr, n) < 0) {
        return -EFAULT;
    }
    int klen = static_cast<int>(len);
    return copyOut(userLen, &klen, sizeof klen);
}

long installNew(Ref<File> f, bool cloexec) {
    return fsContext().fds.install(static_cast<Ref<File>&&>(f), cloexec);
}

// ---- creating and connecting ------------------------------------------------------------

// __sys_socket's checks, in Linux's order; 0 and the type and flags split, or -errno.
long checkSocketArgs(int domain, int type, int protocol, int* kind, uint32_t* flags) {
    uint32_t f = static_cast<uint32_t>(type) & ~static_cast<uint32_t>(vfs::kSockTypeMask);
    if (f & ~(vfs::kSockNonblock | vfs::kSockCloexec)) {
        return -EINVAL;
    }
    int t = type & vfs::kSockTypeMask;
    if (domain < 0 || domain >= vfs::kAfMax) {
        return -EAFNOSUPPORT;
    }
    if (t >= vfs::kSockMax) {
        return -EINVAL;
    }
    if (domain == net::kAfInet || domain == net::kAfInet6) {
        *kind = t;
        *flags = f;
        return 0;
    }
    if (domain != vfs::kAfUnix) {
        return -EAFNOSUPPORT;
    }
    if (protocol != 0 && protocol != vfs::kAfUnix) {
        return -EPROTONOSUPPORT;
    }
    *kind = t == vfs::kSockRaw ? vfs::kSockDgram : t; // BSD's AF_UNIX SOCK_RAW, as Linux
    *flags = f;
    return 0;
}

long sysSocket(int domain, int type, int protocol) {
    int kind;
    uint32_t flags;
    if (long r = checkSocketArgs(domain, type, protocol, &kind, &flags); r < 0) {
        return r;
    }
    Ref<File> f;
    if (domain == net::kAfInet || domain == net::kAfInet6) {
        net::startStack();
        if (long r = net::makeInetSocket(domain, kind, protocol, flags, fsContext().cred, &f);
            r < 0) {
            return r;
        }
    } else if (long r = vfs::makeUnixSocket(kind, flags, fsContext().cred, &f); r < 0) {
        return r;
    }
    return installNew(f, flags & vfs::kSockCloexec);
}

long sysSocketpair(int domain, int type, int protocol, int* sv) {
    int kind;
    uint32_t flags;
    if (long r = checkSocketArgs(domain, type, protocol, &kind, &flags); r < 0) {
        return r;
    }
    if (domain != vfs::kAfUnix) {
        return -EOPNOTSUPP; // as Linux for AF_INET and AF_INET6
    }
    if (!userWritable(sv, 2 * sizeof(int))) {
        return -EFAULT;
    }
    Ref<File> a, b;
    if (long r = vfs::makeUnixSocketPair(kind, flags, fsContext().cred, self(), &a, &b); r < 0) {
        return r;
    }
    bool cloexec = flags & vfs::kSockCloexec;
    long fa = installNew(a, cloexec);
    if (fa < 0) {
        return fa;
    }
    long fb = installNew(b, cloexec);
    if (fb < 0) {
        fsContext().fds.close(static_cast<int>(fa));
        return fb;
    }
    int fds[2] = {static_cast<int>(fa), static_cast<int>(fb)};
    return copyOut(sv, fds, sizeof fds);
}

long sysBind(Fd fd, const void* addr, int len) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    SocketMessage m;
    if (long r = addressIn(addr, len, &m); r < 0) {
        return r;
    }
    return s->bind(fsContext(), m.name, m.nameLen);
}

long sysListen(Fd fd, int backlog) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    return s->listen(backlog, self());
}

long sysConnect(Fd fd, const void* addr, int len) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    SocketMessage m;
    if (long r = addressIn(addr, len, &m); r < 0) {
        return r;
    }
    return s->connect(fsContext(), m.name, m.nameLen, self());
}

long sysAccept4(Fd fd, void* addr, int* len, Flags flags) {
    if (flags.value & ~static_cast<uint64_t>(vfs::kSockNonblock | vfs::kSockCloexec)) {
        return -EINVAL;
    }
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    Ref<File> conn;
    uint32_t fl = static_cast<uint32_t>(flags.value);
    if (long r = s->accept(fl & vfs::kSockNonblock, fsContext().cred, &conn); r < 0) {
        return r;
    }
    if (addr != nullptr) {
        uint8_t name[vfs::kSockAddrMax];
        size_t n = 0;
        if (conn->socket()->name(true, name, &n) < 0) {
            n = 0;
        }
        if (long r = addressOut(addr, len, name, n); r < 0) {
            return r; // the connection is dropped, as on Linux
        }
    }
    return installNew(conn, fl & vfs::kSockCloexec);
}

long sysAccept(Fd fd, void* addr, int* len) {
    return sysAccept4(fd, addr, len, Flags{0});
}

long getName(Fd fd, void* addr, int* len, bool peer) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    uint8_t name[vfs::kSockAddrMax];
    size_t n = 0;
    if (long r = s->name(peer, name, &n); r < 0) {
        return r;
    }
    return addressOut(addr, len, name, n);
}

long sysGetsockname(Fd fd, void* addr, int* len) {
    return getName(fd, addr, len, false);
}

long sysGetpeername(Fd fd, void* addr, int* len) {
    return getName(fd, addr, len, true);
}

long sysShutdown(Fd fd, int how) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    return s->shutdown(how);
}

// ---- options ----------------------------------------------------------------------------

long sysSetsockopt(Fd fd, int level, int option, const void* val, int len) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    if (len < 0) {
        return -EINVAL;
    }
    uint8_t buf[64] = {};
    size_t n = static_cast<size_t>(len) < sizeof buf ? static_cast<size_t>(len) : sizeof buf;
    if (n > 0 && copyIn(buf, val, n) < 0) {
        return -EFAULT;
    }
    return s->setOption(level, option, buf, n);
}

long sysGetsockopt(Fd fd, int level, int option, void* val, int* lenp) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    int len;
    if (copyIn(&len, lenp, sizeof len) < 0) {
        return -EFAULT;
    }
    if (len < 0) {
        return -EINVAL;
    }
    uint8_t buf[64] = {};
    size_t n = static_cast<size_t>(len) < sizeof buf ? static_cast<size_t>(len) : sizeof buf;
    if (long r = s->getOption(level, option, buf, &n); r < 0) {
        return r;
    }
    if (n > 0 && copyOut(val, buf, n) < 0) {
        return -EFAULT;
    }
    int out = static_cast<int>(n);
    return copyOut(lenp, &out, sizeof out);
}

// ---- sending ----------------------------------------------------------------------------

// __scm_send: SCM_RIGHTS (descriptors to pass) and SCM_CREDENTIALS (checked, then carried
// instead of the caller's own) from a kernel copy of the control buffer.
long parseControl(const uint8_t* ctl, size_t len, SocketMessage* m) {
    const vfs::Cred& cred = fsContext().cred;
    bool privileged = cred.euid == 0;
    size_t at = 0;
    while (len - at >= sizeof(Cmsghdr)) {
        Cmsghdr c;
        __builtin_memcpy(&c, ctl + at, sizeof c);
        if (c.len < sizeof c || c.len > len - at) {
            return -EINVAL;
        }
        const uint8_t* data = ctl + at + sizeof c;
        size_t bytes = c.len - sizeof c;
        if (c.level == vfs::kSolSocket) {
            if (c.type == vfs::kScmRights) {
                int n = static_cast<int>(bytes / sizeof(int));
                if (n > 0) {
                    if (m->rights.count + n > vfs::kScmMaxFd) {
                        return -EINVAL;
                    }
                    auto* files = new (std::nothrow) Ref<File>[m->rights.count + n];
                    if (files == nullptr) {
                        return -ENOMEM;
                    }
                    for (int i = 0; i < m->rights.count; ++i) {
                        files[i] = m->rights.files[i];
                    }
                    delete[] m->rights.files;
                    m->rights.files = files;
                    for (int i = 0; i < n; ++i) {
                        int fd;
                        __builtin_memcpy(&fd, data + i * sizeof(int), sizeof fd);
                        Ref<File> file = fsContext().fds.get(fd);
                        if (!file) {
                            return -EBADF;
                        }
                        files[m->rights.count++] = file;
                    }
                }
            } else if (c.type == vfs::kScmCredentials) {
                vfs::Ucred u;
                if (bytes != sizeof u) {
                    return -EINVAL;
                }
                __builtin_memcpy(&u, data, sizeof u);
                // scm_check_creds: one's own pid and ids, unless privileged.
                bool pidOk = u.pid == m->self.pid || privileged;
                bool uidOk =
                    u.uid == cred.ruid || u.uid == cred.euid || u.uid == cred.suid || privileged;
                bool gidOk =
                    u.gid == cred.rgid || u.gid == cred.egid || u.gid == cred.sgid || privileged;
                if (!pidOk || !uidOk || !gidOk) {
                    return -EPERM;
                }
                m->self = u;
            } else {
                return -EINVAL;
            }
        }
        at += cmsgAlign(c.len);
        if (at > len) {
            break;
        }
    }
    return 0;
}

// The user's iovec array of `h` copied into `iov`, and `m` pointed at it. `receiving`: the
// buffers are written to.
long messageBuffers(const Msghdr& h, bool receiving, UserIov* iov, SocketMessage* m) {
    if (h.iovlen > kIovMax) {
        return -EMSGSIZE;
    }
    if (long r = iov->copy(h.iov, static_cast<int>(h.iovlen), receiving); r < 0) {
        return r;
    }
    m->iov = iov->get();
    m->iovCount = iov->count();
    m->total = iov->total();
    return 0;
}

long sendHeader(SocketFile* s, const Msghdr& h, int flags) {
    UserIov iov;
    SocketMessage m;
    if (long r = messageBuffers(h, false, &iov, &m); r < 0) {
        return r;
    }
    m.flags = flags;
    m.ctx = &fsContext();
    m.self = self();
    if (h.name != nullptr && h.namelen > 0) {
        size_t n = h.namelen < vfs::kSockAddrMax ? h.namelen : vfs::kSockAddrMax;
        if (long r = addressIn(h.name, static_cast<int64_t>(n), &m); r < 0) {
            return r;
        }
    }
    if (h.controllen > 0x7fffffff) {
        return -ENOBUFS;
    }
    if (h.controllen >= sizeof(Cmsghdr)) {
        if (h.controllen > kControlMax) {
            return -ENOBUFS;
        }
        auto* ctl = new (std::nothrow) uint8_t[h.controllen];
        if (ctl == nullptr) {
            return -ENOMEM;
        }
        long r = copyIn(ctl, h.control, h.controllen);
        if (r == 0) {
            r = parseControl(ctl, h.controllen, &m);
        }
        delete[] ctl;
        if (r < 0) {
            return r;
        }
    }
    return s->sendMsg(m);
}

// send/sendto and recv/recvfrom: one user buffer as a one-element message. `v` and `m`
// are the caller's (m points at v); the buffer is checked for the direction of the copy.
long oneBuffer(Fd fd, void* ptr, size_t len, bool sending, Ref<File>* f, SocketFile** s,
               vfs::IoVec* v, SocketMessage* m) {
    if (long r = socketOf(fd, f, s); r < 0) {
        return r;
    }
    if (len > vfs::kMaxIo) {
        len = vfs::kMaxIo;
    }
    if (!(sending ? userReadable(ptr, len) : userWritable(ptr, len))) {
        return -EFAULT;
    }
    *v = vfs::IoVec{reinterpret_cast<uint64_t>(ptr), len};
    m->iov = v;
    m->iovCount = 1;
    m->total = len;
    return 0;
}

long sysSendto(Fd fd, InBuf<2> buf, size_t len, Flags flags, const void* addr, int addrlen) {
    Ref<File> f;
    SocketFile* s;
    vfs::IoVec v;
    SocketMessage m;
    if (long r = oneBuffer(fd, const_cast<void*>(buf.ptr), len, true, &f, &s, &v, &m); r < 0) {
        return r;
    }
    m.flags = static_cast<int>(flags.value);
    m.ctx = &fsContext();
    m.self = self();
    if (addr != nullptr) {
        if (long r = addressIn(addr, addrlen, &m); r < 0) {
            return r;
        }
    }
    return s->sendMsg(m);
}

long sysSendmsg(Fd fd, const void* msg, Flags flags) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    Msghdr h;
    if (copyIn(&h, msg, sizeof h) < 0) {
        return -EFAULT;
    }
    return sendHeader(s, h, static_cast<int>(flags.value));
}

long sysSendmmsg(Fd fd, void* vec, unsigned vlen, Flags flags) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    if (vlen > kMmsgMax) {
        vlen = kMmsgMax;
    }
    auto* user = static_cast<Mmsghdr*>(vec);
    unsigned done = 0;
    long err = 0;
    for (; done < vlen; ++done) {
        Mmsghdr h;
        if (copyIn(&h, user + done, sizeof h) < 0) {
            err = -EFAULT;
            break;
        }
        long n = sendHeader(s, h.hdr, static_cast<int>(flags.value));
        if (n < 0) {
            err = n;
            break;
        }
        uint32_t sent = static_cast<uint32_t>(n);
        if (copyOut(&user[done].len, &sent, sizeof sent) < 0) {
            err = -EFAULT;
            break;
        }
    }
    return done > 0 ? static_cast<long>(done) : err;
}

// ---- receiving --------------------------------------------------------------------------

// Where recvmsg writes control messages (put_cmsg): the user's buffer, what is left of it,
// and MSG_CTRUNC when something did not fit.
struct ControlOut {
    uint8_t* at;
    size_t left;
    size_t used = 0;
    int flags = 0;

    long put(int level, int type, const void* data, size_t len) {
        if (at == nullptr || left < sizeof(Cmsghdr)) {
            flags |= vfs::kMsgCtrunc;
            return 0;
        }
        size_t cmlen = sizeof(Cmsghdr) + len;
        if (left < cmlen) {
            flags |= vfs::kMsgCtrunc;
            cmlen = left;
        }
        Cmsghdr c{cmlen, level, type};
        if (copyOut(at, &c, sizeof c) < 0 || copyOut(at + sizeof c, data, cmlen - sizeof c) < 0) {
            return -EFAULT;
        }
        advance(cmsgAlign(sizeof(Cmsghdr) + len));
        return 0;
    }
    void advance(size_t n) {
        if (n > left) {
            n = left;
        }
        at += n;
        left -= n;
        used += n;
    }
};

// scm_detach_fds: as many of the passed files as fit become descriptors; the rest close.
long detachFds(vfs::FileList& rights, ControlOut* out, bool cloexec) {
    int fdmax = 0;
    if (out->at != nullptr && out->left > sizeof(Cmsghdr)) {
        size_t room = (out->left - sizeof(Cmsghdr)) / sizeof(int);
        fdmax = room < static_cast<size_t>(rights.count) ? static_cast<int>(room) : rights.count;
    }
    int i = 0;
    for (; i < fdmax; ++i) {
        long fd = installNew(rights.files[i], cloexec);
        if (fd < 0) {
            break;
        }
        int v = static_cast<int>(fd);
        if (copyOut(out->at + sizeof(Cmsghdr) + static_cast<size_t>(i) * sizeof(int), &v,
                    sizeof v) < 0) {
            fsContext().fds.close(v);
            return -EFAULT;
        }
    }
    if (i > 0) {
        size_t cmlen = sizeof(Cmsghdr) + static_cast<size_t>(i) * sizeof(int);
        Cmsghdr c{cmlen, vfs::kSolSocket, vfs::kScmRights};
        if (copyOut(out->at, &c, sizeof c) < 0) {
            return -EFAULT;
        }
        out->advance(cmsgAlign(cmlen));
    }
    if (i < rights.count) {
        out->flags |= vfs::kMsgCtrunc;
    }
    return 0;
}

// One recvmsg into the header `h` (a kernel copy of the user's at `user`, whose msg_namelen,
// msg_controllen and msg_flags are written back).
long recvHeader(SocketFile* s, const Msghdr& h, Msghdr* user, int flags) {
    UserIov iov;
    SocketMessage m;
    if (long r = messageBuffers(h, true, &iov, &m); r < 0) {
        return r;
    }
    m.flags = flags & ~vfs::kMsgCmsgCloexec;
    long n = s->recvMsg(m);
    if (n < 0) {
        return n;
    }
    if (h.name != nullptr) {
        if (long r = addressOut(h.name, &user->namelen, m.name, m.nameLen); r < 0) {
            return r;
        }
    }
    ControlOut out{static_cast<uint8_t*>(h.control), h.controllen};
    if (m.hasCreds) {
        if (long r = out.put(vfs::kSolSocket, vfs::kScmCredentials, &m.creds, sizeof m.creds);
            r < 0) {
            return r;
        }
    }
    if (m.rights.count > 0) {
        if (long r = detachFds(m.rights, &out, flags & vfs::kMsgCmsgCloexec); r < 0) {
            return r;
        }
    }
    int32_t msgFlags = m.msgFlags | out.flags;
    uint64_t used = out.used;
    if (copyOut(&user->controllen, &used, sizeof used) < 0 ||
        copyOut(&user->flags, &msgFlags, sizeof msgFlags) < 0) {
        return -EFAULT;
    }
    return n;
}

long sysRecvfrom(Fd fd, OutBuf<2> buf, size_t len, Flags flags, void* addr, int* addrlen) {
    Ref<File> f;
    SocketFile* s;
    vfs::IoVec v;
    SocketMessage m;
    if (long r = oneBuffer(fd, buf.ptr, len, false, &f, &s, &v, &m); r < 0) {
        return r;
    }
    m.flags = static_cast<int>(flags.value) & ~vfs::kMsgCmsgCloexec;
    long n = s->recvMsg(m); // passed files, with nowhere to go, close
    if (n >= 0 && addr != nullptr) {
        if (long r = addressOut(addr, addrlen, m.name, m.nameLen); r < 0) {
            return r;
        }
    }
    return n;
}

long sysRecvmsg(Fd fd, void* msg, Flags flags) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    Msghdr h;
    if (copyIn(&h, msg, sizeof h) < 0) {
        return -EFAULT;
    }
    return recvHeader(s, h, static_cast<Msghdr*>(msg), static_cast<int>(flags.value));
}

long sysRecvmmsg(Fd fd, void* vec, unsigned vlen, Flags flags, void* timeout) {
    Ref<File> f;
    SocketFile* s;
    if (long r = socketOf(fd, &f, &s); r < 0) {
        return r;
    }
    uint64_t deadline = 0;
    bool once = false;
    if (timeout != nullptr) {
        if (long r = readTimeout(timeout, &deadline, &once); r < 0) {
            return r;
        }
    }
    if (vlen > kMmsgMax) {
        vlen = kMmsgMax;
    }
    auto* user = static_cast<Mmsghdr*>(vec);
    int fl = static_cast<int>(flags.value);
    unsigned done = 0;
    long err = 0;
    while (done < vlen) {
        Mmsghdr h;
        if (copyIn(&h, user + done, sizeof h) < 0) {
            err = -EFAULT;
            break;
        }
        long n = recvHeader(s, h.hdr, &user[done].hdr, fl & ~vfs::kMsgWaitforone);
        if (n < 0) {
            err = n;
            break;
        }
        uint32_t got = static_cast<uint32_t>(n);
        if (copyOut(&user[done].len, &got, sizeof got) < 0) {
            err = -EFAULT;
            break;
        }
        ++done;
        if (fl & vfs::kMsgWaitforone) {
            fl |= vfs::kMsgDontwait;
        }
        // As Linux: the timeout is looked at only after each message.
        if ((once || deadline != 0) && (once || clock::monotonicNs() >= deadline)) {
            break;
        }
    }
    writeTimeLeft(timeout, deadline, false);
    if (done > 0) {
        return static_cast<long>(done);
    }
    return err;
}

} // namespace

UK_SYSCALL(socket, sysSocket, Partial,
           "AF_UNIX (stream, datagram, seqpacket); AF_INET and AF_INET6 (dual-stack) stream "
           "(TCP) and datagram (UDP) sockets over lwIP; SOCK_RAW is EPERM; every other family "
           "fails with EAFNOSUPPORT, as on a Linux built without it");
UK_SYSCALL(socketpair, sysSocketpair, Implemented,
           "AF_UNIX is the only family with pairs (EOPNOTSUPP for AF_INET, as Linux)");
UK_SYSCALL(bind, sysBind, Implemented,
           "AF_UNIX: file system names (an S_IFSOCK node), abstract names, autobind; AF_INET/"
           "AF_INET6: this machine's addresses or the wildcard, EADDRINUSE/EADDRNOTAVAIL");
UK_SYSCALL(listen, sysListen, Implemented, "");
UK_SYSCALL(accept, sysAccept, Implemented, "");
UK_SYSCALL(accept4, sysAccept4, Implemented, "");
UK_SYSCALL(connect, sysConnect, Implemented, "");
UK_SYSCALL(getsockname, sysGetsockname, Implemented, "");
UK_SYSCALL(getpeername, sysGetpeername, Implemented, "");
UK_SYSCALL(shutdown, sysShutdown, Implemented, "");
UK_SYSCALL(setsockopt, sysSetsockopt, Partial,
           "SOL_SOCKET: SO_SNDBUF/RCVBUF, SO_PASSCRED, SO_RCVTIMEO/SNDTIMEO, SO_RCVLOWAT, "
           "SO_LINGER, SO_PRIORITY; on AF_UNIX SO_REUSEADDR/REUSEPORT/KEEPALIVE/BROADCAST/... "
           "are only stored; Internet sockets: SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST, "
           "TCP_NODELAY, TCP_CORK, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, IP_TOS, IP_TTL, IPV6_V6ONLY "
           "take effect; SO_REUSEPORT and other TCP options are accepted and stored; no "
           "SO_PEEK_OFF, SO_*BUFFORCE, SO_PASSSEC, filters, TCP_INFO");
UK_SYSCALL(getsockopt, sysGetsockopt, Partial,
           "SOL_SOCKET: SO_TYPE/DOMAIN/PROTOCOL/ERROR/ACCEPTCONN/PEERCRED and what setsockopt "
           "takes; no SO_PEERSEC, SO_PEERPIDFD, SO_PEERGROUPS");
UK_SYSCALL(sendto, sysSendto, Partial, "no MSG_OOB (EOPNOTSUPP; TCP has no urgent data here)");
UK_SYSCALL(recvfrom, sysRecvfrom, Partial,
           "no MSG_OOB, MSG_ERRQUEUE, SO_PEEK_OFF; MSG_PEEK|MSG_WAITALL returns what is there");
UK_SYSCALL(sendmsg, sysSendmsg, Partial,
           "SCM_RIGHTS and SCM_CREDENTIALS; no MSG_OOB; a socket passed inside its own queue is "
           "never collected (Linux has a garbage collector for that)");
UK_SYSCALL(recvmsg, sysRecvmsg, Partial,
           "SCM_RIGHTS (MSG_CMSG_CLOEXEC) and SCM_CREDENTIALS; no MSG_OOB, MSG_ERRQUEUE, "
           "SCM_PIDFD, SCM_SECURITY");
UK_SYSCALL(sendmmsg, sysSendmmsg, Implemented, "");
UK_SYSCALL(recvmmsg, sysRecvmmsg, Implemented,
           "the timeout is looked at only after each message, as on Linux");

} // namespace uk::sys
