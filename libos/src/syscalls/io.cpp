// Console I/O on file descriptors 0, 1 and 2. The VFS and its file descriptor table come
// with the Linux ABI work; until then these three descriptors are the console.
#include "../mm/address_space.h"
#include "../tty/console.h"
#include "syscall.h"

namespace uk::sys {

namespace {

constexpr int kConsoleFds = 3;
constexpr uint64_t kONonblock = 04000;
constexpr uint64_t kORdwr = 02;
constexpr int kFdCloexec = 1;

struct ConsoleFd {
    bool open = true;
    bool nonBlocking = false;
    bool closeOnExec = false;
};
ConsoleFd g_fds[kConsoleFds];

ConsoleFd* fdState(int fd) {
    if (fd < 0 || fd >= kConsoleFds || !g_fds[fd].open) {
        return nullptr;
    }
    return &g_fds[fd];
}

struct IoVec {
    uint64_t base;
    uint64_t len;
};

constexpr long kMaxIo = 0x7ffff000; // Linux caps a single transfer at this

long consoleWrite(const void* buf, size_t count) {
    if (count > static_cast<size_t>(kMaxIo)) {
        count = kMaxIo;
    }
    if (!mm::addressSpace().canRead(reinterpret_cast<uint64_t>(buf), count)) {
        return -EFAULT;
    }
    tty::write(static_cast<const char*>(buf), count);
    return static_cast<long>(count);
}

long sysRead(Fd fd, OutBuf<2> buf, size_t count) {
    ConsoleFd* f = fdState(fd.value);
    if (f == nullptr) {
        return -EBADF;
    }
    if (count > static_cast<size_t>(kMaxIo)) {
        count = kMaxIo;
    }
    if (!mm::addressSpace().canWrite(reinterpret_cast<uint64_t>(buf.ptr), count)) {
        return -EFAULT;
    }
    return tty::read(static_cast<char*>(buf.ptr), count, f->nonBlocking);
}

long sysWrite(Fd fd, InBuf<2> buf, size_t count) {
    if (fdState(fd.value) == nullptr) {
        return -EBADF;
    }
    return consoleWrite(buf.ptr, count);
}

// Reads the iovec array after checking it is readable.
const IoVec* iovecs(uint64_t iov, int count, long* error) {
    if (count < 0 || count > 1024) {
        *error = -EINVAL;
        return nullptr;
    }
    if (!mm::addressSpace().canRead(iov, sizeof(IoVec) * static_cast<uint64_t>(count))) {
        *error = -EFAULT;
        return nullptr;
    }
    return reinterpret_cast<const IoVec*>(iov);
}

long sysWritev(Fd fd, const void* iov, int count) {
    if (fdState(fd.value) == nullptr) {
        return -EBADF;
    }
    long err = 0;
    const IoVec* v = iovecs(reinterpret_cast<uint64_t>(iov), count, &err);
    if (v == nullptr) {
        return err;
    }
    long total = 0;
    for (int i = 0; i < count; ++i) {
        long n = consoleWrite(reinterpret_cast<const void*>(v[i].base), v[i].len);
        if (n < 0) {
            return total > 0 ? total : n;
        }
        total += n;
    }
    return total;
}

long sysReadv(Fd fd, const void* iov, int count) {
    ConsoleFd* f = fdState(fd.value);
    if (f == nullptr) {
        return -EBADF;
    }
    long err = 0;
    const IoVec* v = iovecs(reinterpret_cast<uint64_t>(iov), count, &err);
    if (v == nullptr) {
        return err;
    }
    // Like a terminal: one read returns what is available, filling buffers in order.
    long total = 0;
    for (int i = 0; i < count; ++i) {
        if (v[i].len == 0) {
            continue;
        }
        if (!mm::addressSpace().canWrite(v[i].base, v[i].len)) {
            return total > 0 ? total : -EFAULT;
        }
        long n =
            tty::read(reinterpret_cast<char*>(v[i].base), v[i].len, f->nonBlocking || total > 0);
        if (n == -EAGAIN && total > 0) {
            break;
        }
        if (n < 0) {
            return total > 0 ? total : n;
        }
        total += n;
        if (static_cast<uint64_t>(n) < v[i].len) {
            break;
        }
    }
    return total;
}

long sysPread(Fd fd, void*, size_t, long) {
    return fdState(fd.value) ? -ESPIPE : -EBADF;
}
long sysLseek(Fd fd, long, int) {
    return fdState(fd.value) ? -ESPIPE : -EBADF;
}

long sysClose(Fd fd) {
    ConsoleFd* f = fdState(fd.value);
    if (f == nullptr) {
        return -EBADF;
    }
    f->open = false;
    return 0;
}

// ---- terminal ioctls -------------------------------------------------------------------------

constexpr unsigned long kTcgets = 0x5401, kTcsets = 0x5402, kTcsetsw = 0x5403, kTcsetsf = 0x5404,
                        kTiocgpgrp = 0x540f, kTiocspgrp = 0x5410, kTiocgwinsz = 0x5413,
                        kTiocswinsz = 0x5414, kFionbio = 0x5421;

struct KernelTermios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
struct Winsize {
    uint16_t rows, cols, xpixel, ypixel;
};

long sysIoctl(Fd fd, Flags request, Flags arg) {
    ConsoleFd* f = fdState(fd.value);
    if (f == nullptr) {
        return -EBADF;
    }
    auto& as = mm::addressSpace();
    switch (request.value) {
    case kTcgets: {
        if (!as.canWrite(arg.value, sizeof(KernelTermios))) {
            return -EFAULT;
        }
        // A raw serial line: no echo, no line editing (the host terminal does that), output
        // passed through unchanged.
        KernelTermios t{};
        t.cflag = 0x8bd; // B115200 | CS8 | CREAD | CLOCAL
        t.cc[4] = 1;     // VMIN
        *reinterpret_cast<KernelTermios*>(arg.value) = t;
        return 0;
    }
    case kTcsets:
    case kTcsetsw:
    case kTcsetsf:
        // Accepted: the console has no line discipline to configure.
        return as.canRead(arg.value, sizeof(KernelTermios)) ? 0 : -EFAULT;
    case kTiocgwinsz: {
        if (!as.canWrite(arg.value, sizeof(Winsize))) {
            return -EFAULT;
        }
        *reinterpret_cast<Winsize*>(arg.value) = Winsize{24, 80, 0, 0};
        return 0;
    }
    case kTiocswinsz:
        return as.canRead(arg.value, sizeof(Winsize)) ? 0 : -EFAULT;
    case kTiocgpgrp:
        if (!as.canWrite(arg.value, sizeof(int))) {
            return -EFAULT;
        }
        *reinterpret_cast<int*>(arg.value) = 1;
        return 0;
    case kTiocspgrp:
        return 0;
    case kFionbio:
        if (!as.canRead(arg.value, sizeof(int))) {
            return -EFAULT;
        }
        f->nonBlocking = *reinterpret_cast<const int*>(arg.value) != 0;
        return 0;
    default:
        return -ENOTTY;
    }
}

constexpr int kFDupfd = 0, kFGetfd = 1, kFSetfd = 2, kFGetfl = 3, kFSetfl = 4;

long sysFcntl(Fd fd, int cmd, Flags arg) {
    ConsoleFd* f = fdState(fd.value);
    if (f == nullptr) {
        return -EBADF;
    }
    switch (cmd) {
    case kFGetfd:
        return f->closeOnExec ? kFdCloexec : 0;
    case kFSetfd:
        f->closeOnExec = arg.value & kFdCloexec;
        return 0;
    case kFGetfl:
        return static_cast<long>(kORdwr | (f->nonBlocking ? kONonblock : 0));
    case kFSetfl:
        f->nonBlocking = arg.value & kONonblock;
        return 0;
    case kFDupfd:
    default:
        return -EINVAL;
    }
}

// struct stat for x86_64.
struct KernelStat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    uint64_t atime, atimeNs, mtime, mtimeNs, ctime, ctimeNs;
    int64_t reserved[3];
};
static_assert(sizeof(KernelStat) == 144);

long sysFstat(Fd fd, void* out) {
    if (fdState(fd.value) == nullptr) {
        return -EBADF;
    }
    if (!mm::addressSpace().canWrite(reinterpret_cast<uint64_t>(out), sizeof(KernelStat))) {
        return -EFAULT;
    }
    KernelStat st{};
    st.dev = 5; // devtmpfs-like
    st.ino = 3 + fd.value;
    st.nlink = 1;
    st.mode = 0020000 | 0620; // character device, rw--w----
    st.rdev = (4u << 8) | 64; // ttyS0
    st.blksize = 1024;
    *static_cast<KernelStat*>(out) = st;
    return 0;
}

} // namespace

UK_SYSCALL(read, sysRead, Partial, "console descriptors 0-2 only until the VFS arrives");
UK_SYSCALL(write, sysWrite, Partial, "console descriptors 0-2 only until the VFS arrives");
UK_SYSCALL(readv, sysReadv, Partial, "console descriptors 0-2 only until the VFS arrives");
UK_SYSCALL(writev, sysWritev, Partial, "console descriptors 0-2 only until the VFS arrives");
UK_SYSCALL(pread64, sysPread, Partial, "console descriptors only: ESPIPE");
UK_SYSCALL(lseek, sysLseek, Partial, "console descriptors only: ESPIPE");
UK_SYSCALL(close, sysClose, Partial, "console descriptors 0-2 only until the VFS arrives");
UK_SYSCALL(ioctl, sysIoctl, Partial,
           "terminal requests on the console: TCGETS/TCSETS*, TIOCGWINSZ/TIOCSWINSZ, "
           "TIOCGPGRP/TIOCSPGRP, FIONBIO");
UK_SYSCALL(fcntl, sysFcntl, Partial,
           "F_GETFD/F_SETFD/F_GETFL/F_SETFL on the console; no F_DUPFD yet");
UK_SYSCALL(fstat, sysFstat, Partial, "console descriptors 0-2 (a character device)");

} // namespace uk::sys
