// Changing files: modes, owners and times (recorded as tmpfs records them), sizes
// (truncate, ftruncate, fallocate), the umask, and the calls that would write data back
// to a disk (there is none: everything lives in memory).
#include "../vfs/ops.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;

// Resolves `path` from dirfd (AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH in atFlags).
long nodeAt(int dirfd, CStr path, uint32_t atFlags, Ref<vfs::Node>* out) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::lookupAt(fsContext(), dirfd, p.get(), atFlags, out);
}

long nodeOfFd(Fd fd, Ref<vfs::Node>* out) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f) {
        return -EBADF;
    }
    *out = f->nodeRef();
    return 0;
}

long sysChmod(CStr path, unsigned mode) {
    Ref<vfs::Node> n;
    if (long r = nodeAt(vfs::kAtFdCwd, path, 0, &n); r < 0) {
        return r;
    }
    return vfs::chmodNode(fsContext(), n.get(), mode);
}
long sysFchmodat(Fd dirfd, CStr path, unsigned mode) {
    Ref<vfs::Node> n;
    if (long r = nodeAt(dirfd.value, path, 0, &n); r < 0) {
        return r;
    }
    return vfs::chmodNode(fsContext(), n.get(), mode);
}
long sysFchmod(Fd fd, unsigned mode) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    return vfs::chmodNode(fsContext(), f->node(), mode);
}

long chownAt(int dirfd, CStr path, unsigned uid, unsigned gid, uint32_t flags) {
    if (flags & ~(vfs::kAtSymlinkNofollow | vfs::kAtEmptyPath)) {
        return -EINVAL;
    }
    Ref<vfs::Node> n;
    if (long r = nodeAt(dirfd, path, flags, &n); r < 0) {
        return r;
    }
    return vfs::chownNode(fsContext(), n.get(), uid, gid);
}
long sysChown(CStr path, unsigned uid, unsigned gid) {
    return chownAt(vfs::kAtFdCwd, path, uid, gid, 0);
}
long sysLchown(CStr path, unsigned uid, unsigned gid) {
    return chownAt(vfs::kAtFdCwd, path, uid, gid, vfs::kAtSymlinkNofollow);
}
long sysFchownat(Fd dirfd, CStr path, unsigned uid, unsigned gid, Flags flags) {
    return chownAt(dirfd.value, path, uid, gid, static_cast<uint32_t>(flags.value));
}
long sysFchown(Fd fd, unsigned uid, unsigned gid) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    return vfs::chownNode(fsContext(), f->node(), uid, gid);
}

long sysUtimensat(Fd dirfd, CStr path, const void* times, Flags flags) {
    if (flags.value & ~uint64_t{vfs::kAtSymlinkNofollow | vfs::kAtEmptyPath}) {
        return -EINVAL;
    }
    vfs::Timespec t[2];
    if (times != nullptr) {
        if (long r = copyIn(t, times, sizeof t); r < 0) {
            return r;
        }
    }
    Ref<vfs::Node> n;
    if (path.ptr == nullptr) {
        // utimensat(fd, NULL, ...): futimens, on the descriptor itself.
        if (dirfd.value == vfs::kAtFdCwd) {
            return -EFAULT;
        }
        if (long r = nodeOfFd(dirfd, &n); r < 0) {
            return r;
        }
    } else if (long r = nodeAt(dirfd.value, path, static_cast<uint32_t>(flags.value), &n); r < 0) {
        return r;
    }
    return vfs::utimesNode(fsContext(), n.get(), times != nullptr ? t : nullptr);
}

// utimes/futimesat: struct timeval[2], microseconds.
long utimesAt(int dirfd, CStr path, const void* tv) {
    vfs::Timespec t[2];
    if (tv != nullptr) {
        int64_t raw[4];
        if (long r = copyIn(raw, tv, sizeof raw); r < 0) {
            return r;
        }
        for (int i = 0; i < 2; ++i) {
            if (raw[i * 2 + 1] < 0 || raw[i * 2 + 1] >= 1'000'000) {
                return -EINVAL;
            }
            t[i] = vfs::Timespec{raw[i * 2], raw[i * 2 + 1] * 1000};
        }
    }
    Ref<vfs::Node> n;
    if (long r = nodeAt(dirfd, path, 0, &n); r < 0) {
        return r;
    }
    return vfs::utimesNode(fsContext(), n.get(), tv != nullptr ? t : nullptr);
}
long sysUtimes(CStr path, const void* tv) {
    return utimesAt(vfs::kAtFdCwd, path, tv);
}
long sysFutimesat(Fd dirfd, CStr path, const void* tv) {
    return utimesAt(dirfd.value, path, tv);
}
// utime: struct utimbuf { time_t actime, modtime; }.
long sysUtime(CStr path, const void* buf) {
    vfs::Timespec t[2];
    if (buf != nullptr) {
        int64_t raw[2];
        if (long r = copyIn(raw, buf, sizeof raw); r < 0) {
            return r;
        }
        t[0] = vfs::Timespec{raw[0], 0};
        t[1] = vfs::Timespec{raw[1], 0};
    }
    Ref<vfs::Node> n;
    if (long r = nodeAt(vfs::kAtFdCwd, path, 0, &n); r < 0) {
        return r;
    }
    return vfs::utimesNode(fsContext(), n.get(), buf != nullptr ? t : nullptr);
}

long sysTruncate(CStr path, long length) {
    Ref<vfs::Node> n;
    if (long r = nodeAt(vfs::kAtFdCwd, path, 0, &n); r < 0) {
        return r;
    }
    return vfs::truncateNode(fsContext(), n.get(), length);
}

long sysFtruncate(Fd fd, long length) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    if (length < 0) {
        return -EINVAL;
    }
    if (!f->writable() || !f->node()->isReg()) {
        return -EINVAL;
    }
    return f->node()->truncate(static_cast<uint64_t>(length));
}

long sysFallocate(Fd fd, int mode, long offset, long length) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || !f->writable()) {
        return -EBADF;
    }
    if (offset < 0 || length <= 0) {
        return -EINVAL;
    }
    if (mode != 0) {
        return -ENOTSUP; // KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE, ... are not implemented
    }
    vfs::Node* n = f->node();
    if (n->isDir()) {
        return -EISDIR;
    }
    if (!n->isReg()) {
        return n->fifo() != nullptr ? -ESPIPE : -ENODEV;
    }
    return n->allocate(static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
}

long sysUmask(unsigned mask) {
    auto& ctx = fsContext();
    unsigned old = ctx.umask;
    ctx.umask = mask & 0777;
    return old;
}

// fsync and friends: nothing to write back, but the descriptor must be one that could be.
long syncable(Fd fd) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    vfs::Node* n = f->node();
    return n->isReg() || n->isDir() ? 0 : -EINVAL;
}
long sysFsync(Fd fd) {
    return syncable(fd);
}
long sysFdatasync(Fd fd) {
    return syncable(fd);
}
long sysSyncFileRange(Fd fd, long offset, long nbytes, unsigned flags) {
    if (offset < 0 || nbytes < 0 || (flags & ~7u)) {
        return -EINVAL;
    }
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    return f->node()->isReg() || f->node()->isDir() || f->node()->isSymlink() ? 0 : -ESPIPE;
}
long sysSync() {
    return 0;
}
long sysSyncfs(Fd fd) {
    return fileOf(fd) ? 0 : -EBADF;
}

long sysFadvise64(Fd fd, long offset, long length, int advice) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    if (f->node()->fifo() != nullptr) {
        return -ESPIPE;
    }
    if (advice < 0 || advice > 5 || length < 0) {
        return -EINVAL;
    }
    return 0;
}

long sysReadahead(Fd fd, long offset, size_t count) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || !f->readable()) {
        return -EBADF;
    }
    return f->node()->isReg() && offset >= 0 ? 0 : -EINVAL;
}

} // namespace

UK_SYSCALL(chmod, sysChmod, Implemented, "");
UK_SYSCALL(fchmod, sysFchmod, Implemented, "");
UK_SYSCALL(fchmodat, sysFchmodat, Implemented, "");
UK_SYSCALL(chown, sysChown, Implemented, "");
UK_SYSCALL(fchown, sysFchown, Implemented, "");
UK_SYSCALL(lchown, sysLchown, Implemented, "");
UK_SYSCALL(fchownat, sysFchownat, Implemented, "");
UK_SYSCALL(utimensat, sysUtimensat, Implemented, "");
UK_SYSCALL(utimes, sysUtimes, Implemented, "");
UK_SYSCALL(futimesat, sysFutimesat, Implemented, "");
UK_SYSCALL(utime, sysUtime, Implemented, "");
UK_SYSCALL(truncate, sysTruncate, Implemented, "");
UK_SYSCALL(ftruncate, sysFtruncate, Implemented, "");
UK_SYSCALL(fallocate, sysFallocate, Partial, "mode 0 only (allocate and extend)");
UK_SYSCALL_BEFORE_START(umask, sysUmask, Implemented, "");
UK_SYSCALL(fsync, sysFsync, NoOp, "files live in memory: nothing to write back");
UK_SYSCALL(fdatasync, sysFdatasync, NoOp, "files live in memory: nothing to write back");
UK_SYSCALL(sync_file_range, sysSyncFileRange, NoOp, "files live in memory: nothing to write back");
UK_SYSCALL(sync, sysSync, NoOp, "files live in memory: nothing to write back");
UK_SYSCALL(syncfs, sysSyncfs, NoOp, "files live in memory: nothing to write back");
UK_SYSCALL(fadvise64, sysFadvise64, NoOp, "advice about caching memory-resident files");
UK_SYSCALL(readahead, sysReadahead, NoOp, "files are always in memory");

} // namespace uk::sys
