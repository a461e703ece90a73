// Opening and closing: open/openat/creat, close/close_range, the descriptor calls (dup*,
// fcntl, flock), pipes and memfd_create.
#include "../vfs/ops.h"
#include "../vfs/pipe.h"
#include "../vfs/ramfs.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::File;
using vfs::Ref;

// Flags open(2) knows; the rest are ignored, as Linux ignores unknown open flags.
constexpr uint32_t kOpenFlags = vfs::kOAccmode | vfs::kOCreat | vfs::kOExcl | vfs::kONoctty |
                                vfs::kOTrunc | vfs::kOAppend | vfs::kONonblock | vfs::kOSync |
                                vfs::kOAsync | vfs::kODirect | vfs::kOLargefile | vfs::kODirectory |
                                vfs::kONofollow | vfs::kONoatime | vfs::kOCloexec | vfs::kOPath |
                                vfs::kOTmpfile;

long openPath(int dirfd, CStr path, Flags flags, unsigned mode) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    // 64-bit Linux opens everything large-file capable.
    uint32_t f = (static_cast<uint32_t>(flags.value) & kOpenFlags) | vfs::kOLargefile;
    return vfs::openFd(fsContext(), dirfd, p.get(), f, mode);
}

long sysOpen(CStr path, Flags flags, unsigned mode) {
    return openPath(vfs::kAtFdCwd, path, flags, mode);
}
long sysOpenat(Fd dirfd, CStr path, Flags flags, unsigned mode) {
    return openPath(dirfd.value, path, flags, mode);
}
long sysCreat(CStr path, unsigned mode) {
    return openPath(vfs::kAtFdCwd, path, Flags{vfs::kOCreat | vfs::kOWronly | vfs::kOTrunc}, mode);
}

long sysClose(Fd fd) {
    return fsContext().fds.close(fd.value);
}

constexpr unsigned kCloseRangeUnshare = 2, kCloseRangeCloexec = 4;

long sysCloseRange(unsigned first, unsigned last, unsigned flags) {
    if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec) || first > last) {
        return -EINVAL;
    }
    // One process: there is no descriptor table to unshare.
    if (first >= static_cast<unsigned>(vfs::FdTable::kLimit)) {
        return 0;
    }
    int hi = last >= static_cast<unsigned>(vfs::FdTable::kLimit) ? vfs::FdTable::kLimit - 1
                                                                 : static_cast<int>(last);
    fsContext().fds.closeRange(static_cast<int>(first), hi, flags & kCloseRangeCloexec);
    return 0;
}

long sysDup(Fd fd) {
    return vfs::dupFd(fsContext(), fd.value, 0, false);
}
long sysDup2(Fd oldFd, Fd newFd) {
    return vfs::dup3Fd(fsContext(), oldFd.value, newFd.value, 0, true);
}
long sysDup3(Fd oldFd, Fd newFd, Flags flags) {
    return vfs::dup3Fd(fsContext(), oldFd.value, newFd.value, static_cast<uint32_t>(flags.value),
                       false);
}

constexpr int kFDupfd = 0, kFGetfd = 1, kFSetfd = 2, kFGetfl = 3, kFSetfl = 4, kFGetlk = 5,
              kFSetlk = 6, kFSetlkw = 7, kFSetown = 8, kFGetown = 9, kFSetsig = 10, kFGetsig = 11,
              kFSetownEx = 15, kFGetownEx = 16, kFOfdGetlk = 36, kFOfdSetlk = 37, kFOfdSetlkw = 38,
              kFDupfdCloexec = 1030, kFSetpipeSz = 1031, kFGetpipeSz = 1032;
constexpr int kFdCloexec = 1;
constexpr int16_t kFRdlck = 0, kFWrlck = 1, kFUnlck = 2;

struct Flock {
    int16_t type;
    int16_t whence;
    int64_t start;
    int64_t len;
    int32_t pid;
};

// Record locks: one process holds them all, so nothing ever conflicts; requests are checked
// and granted, and F_GETLK always finds the range free.
long recordLock(File* f, int cmd, void* user) {
    Flock l;
    if (long r = copyIn(&l, user, sizeof l); r < 0) {
        return r;
    }
    if (l.type != kFRdlck && l.type != kFWrlck && l.type != kFUnlck) {
        return -EINVAL;
    }
    if (l.whence < vfs::kSeekSet || l.whence > vfs::kSeekEnd) {
        return -EINVAL;
    }
    bool ofd = cmd == kFOfdGetlk || cmd == kFOfdSetlk || cmd == kFOfdSetlkw;
    if (ofd && l.pid != 0) {
        return -EINVAL;
    }
    if (cmd == kFGetlk || cmd == kFOfdGetlk) {
        l.type = kFUnlck;
        return copyOut(user, &l, sizeof l);
    }
    if ((l.type == kFRdlck && !f->readable()) || (l.type == kFWrlck && !f->writable())) {
        return -EBADF;
    }
    return 0;
}

long sysFcntl(Fd fd, int cmd, Flags arg) {
    auto& ctx = fsContext();
    Ref<File> f = fileOf(fd);
    if (!f) {
        return -EBADF;
    }
    switch (cmd) {
    case kFDupfd:
    case kFDupfdCloexec:
        if (arg.value >= static_cast<uint64_t>(vfs::FdTable::kLimit)) {
            return -EINVAL;
        }
        return vfs::dupFd(ctx, fd.value, static_cast<int>(arg.value), cmd == kFDupfdCloexec);
    case kFGetfd:
        return ctx.fds.cloexec(fd.value) ? kFdCloexec : 0;
    case kFSetfd:
        return ctx.fds.setCloexec(fd.value, arg.value & kFdCloexec);
    case kFGetfl:
        return f->flags();
    case kFSetfl: {
        if (f->isPath()) {
            return -EBADF;
        }
        uint32_t keep = f->flags() & ~vfs::kOSettable;
        f->setFlags(keep | (static_cast<uint32_t>(arg.value) & vfs::kOSettable));
        return 0;
    }
    case kFGetlk:
    case kFSetlk:
    case kFSetlkw:
    case kFOfdGetlk:
    case kFOfdSetlk:
    case kFOfdSetlkw:
        if (f->isPath()) {
            return -EBADF;
        }
        return recordLock(f.get(), cmd, reinterpret_cast<void*>(arg.value));
    case kFGetown:
    case kFGetsig:
        return 0;
    case kFSetown:
    case kFSetsig:
        return 0; // recorded nowhere: no SIGIO is ever raised
    case kFGetownEx:
    case kFSetownEx: {
        int32_t owner[2] = {0, 0}; // struct f_owner_ex
        if (cmd == kFGetownEx) {
            return copyOut(reinterpret_cast<void*>(arg.value), owner, sizeof owner);
        }
        return copyIn(owner, reinterpret_cast<void*>(arg.value), sizeof owner);
    }
    case kFGetpipeSz:
    case kFSetpipeSz: {
        vfs::Pipe* p = f->node() != nullptr && !f->isPath() ? f->node()->fifo() : nullptr;
        if (p == nullptr) {
            return -EBADF;
        }
        if (cmd == kFGetpipeSz) {
            return static_cast<long>(p->capacity());
        }
        return p->setCapacity(arg.value);
    }
    default:
        return -EINVAL;
    }
}

constexpr int kLockSh = 1, kLockEx = 2, kLockNb = 4, kLockUn = 8;

long sysFlock(Fd fd, int op) {
    Ref<File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    int kind = op & ~kLockNb;
    if (kind != kLockSh && kind != kLockEx && kind != kLockUn) {
        return -EINVAL;
    }
    return 0; // one process: every lock is granted at once
}

long sysPipe2(int* fds, Flags flags) {
    if (flags.value & ~uint64_t{vfs::kOCloexec | vfs::kONonblock | vfs::kODirect}) {
        return -EINVAL;
    }
    if (!userWritable(fds, 2 * sizeof(int))) {
        return -EFAULT;
    }
    Ref<File> r, w;
    if (long e = vfs::Pipe::makePair(static_cast<uint32_t>(flags.value), &r, &w); e < 0) {
        return e;
    }
    auto& table = fsContext().fds;
    bool cloexec = flags.value & vfs::kOCloexec;
    long a = table.install(r, cloexec);
    if (a < 0) {
        return a;
    }
    long b = table.install(w, cloexec);
    if (b < 0) {
        table.close(static_cast<int>(a));
        return b;
    }
    fds[0] = static_cast<int>(a);
    fds[1] = static_cast<int>(b);
    return 0;
}

long sysPipe(int* fds) {
    return sysPipe2(fds, Flags{0});
}

constexpr unsigned kMfdCloexec = 1, kMfdAllowSealing = 2, kMfdHugetlb = 4, kMfdNoexecSeal = 8,
                   kMfdExec = 0x10;

vfs::FileSystem* memfdFs() {
    // An unmounted tmpfs for memfd files, made on first use and kept for the whole run.
    static vfs::Node* root = nullptr;
    if (root == nullptr) {
        root = vfs::makeRamfs("tmpfs", vfs::kTmpfsMagic, 01777, vfs::Cred{}).leak();
    }
    return root != nullptr ? root->fs() : nullptr;
}

long sysMemfdCreate(CStr name, unsigned flags) {
    if (flags & ~(kMfdCloexec | kMfdAllowSealing | kMfdHugetlb | kMfdNoexecSeal | kMfdExec)) {
        return -EINVAL;
    }
    char buf[250];
    long n = copyUserString(name.ptr, buf, sizeof buf, -EINVAL); // 249 bytes at most
    if (n < 0) {
        return n;
    }
    vfs::FileSystem* fs = memfdFs();
    if (fs == nullptr) {
        return -ENOMEM;
    }
    auto& ctx = fsContext();
    Ref<vfs::Node> node = vfs::makeUnlinkedRamFile(fs, 0777, ctx.cred, false);
    Ref<File> f;
    if (!node || node->open(vfs::kORdwr | vfs::kOLargefile, &f) < 0) {
        return -ENOMEM;
    }
    vfs::Text path;
    path.appendf("/memfd:%s", buf);
    f->setPath(path.release());
    return ctx.fds.install(f, flags & kMfdCloexec);
}

} // namespace

UK_SYSCALL(open, sysOpen, Implemented, "");
UK_SYSCALL(openat, sysOpenat, Implemented, "");
UK_SYSCALL(creat, sysCreat, Implemented, "");
UK_SYSCALL(close, sysClose, Implemented, "");
UK_SYSCALL(close_range, sysCloseRange, Implemented, "");
UK_SYSCALL(dup, sysDup, Implemented, "");
UK_SYSCALL(dup2, sysDup2, Implemented, "");
UK_SYSCALL(dup3, sysDup3, Implemented, "");
UK_SYSCALL(fcntl, sysFcntl, Partial,
           "record locks always granted (one process); no leases, F_NOTIFY or seals; "
           "F_SETOWN/F_SETSIG accepted without SIGIO");
UK_SYSCALL(flock, sysFlock, NoOp, "one process: every lock is granted at once");
UK_SYSCALL(pipe, sysPipe, Implemented, "");
UK_SYSCALL(pipe2, sysPipe2, Partial,
           "O_DIRECT (packet mode) is accepted but the pipe stays a byte stream");
UK_SYSCALL(memfd_create, sysMemfdCreate, Partial, "no file seals; MFD_HUGETLB gives 4 KiB pages");

} // namespace uk::sys
