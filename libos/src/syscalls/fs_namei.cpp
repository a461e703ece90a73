// The name space: creating, removing, renaming and linking names (mkdir, rmdir, unlink,
// rename*, link*, symlink*, mknod*), reading directories (getdents, getdents64) and the
// working directory (getcwd, chdir, fchdir).
#include "../vfs/ops.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;

long sysMkdirat(Fd dirfd, CStr path, unsigned mode) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::mkdirAt(fsContext(), dirfd.value, p.get(), mode);
}
long sysMkdir(CStr path, unsigned mode) {
    return sysMkdirat(Fd{vfs::kAtFdCwd}, path, mode);
}

long sysMknodat(Fd dirfd, CStr path, unsigned mode, unsigned dev) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::mknodAt(fsContext(), dirfd.value, p.get(), mode, dev);
}
long sysMknod(CStr path, unsigned mode, unsigned dev) {
    return sysMknodat(Fd{vfs::kAtFdCwd}, path, mode, dev);
}

long sysUnlinkat(Fd dirfd, CStr path, Flags flags) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::unlinkAt(fsContext(), dirfd.value, p.get(), static_cast<uint32_t>(flags.value));
}
long sysUnlink(CStr path) {
    return sysUnlinkat(Fd{vfs::kAtFdCwd}, path, Flags{0});
}
long sysRmdir(CStr path) {
    return sysUnlinkat(Fd{vfs::kAtFdCwd}, path, Flags{vfs::kAtRemovedir});
}

long sysRenameat2(Fd oldDirfd, CStr oldPath, Fd newDirfd, CStr newPath, Flags flags) {
    UserPath a, b;
    if (long r = a.copy(oldPath); r < 0) {
        return r;
    }
    if (long r = b.copy(newPath); r < 0) {
        return r;
    }
    return vfs::renameAt(fsContext(), oldDirfd.value, a.get(), newDirfd.value, b.get(),
                         static_cast<uint32_t>(flags.value));
}
long sysRenameat(Fd oldDirfd, CStr oldPath, Fd newDirfd, CStr newPath) {
    return sysRenameat2(oldDirfd, oldPath, newDirfd, newPath, Flags{0});
}
long sysRename(CStr oldPath, CStr newPath) {
    return sysRenameat2(Fd{vfs::kAtFdCwd}, oldPath, Fd{vfs::kAtFdCwd}, newPath, Flags{0});
}

long sysLinkat(Fd oldDirfd, CStr oldPath, Fd newDirfd, CStr newPath, Flags flags) {
    UserPath a, b;
    if (long r = a.copy(oldPath); r < 0) {
        return r;
    }
    if (long r = b.copy(newPath); r < 0) {
        return r;
    }
    return vfs::linkAt(fsContext(), oldDirfd.value, a.get(), newDirfd.value, b.get(),
                       static_cast<uint32_t>(flags.value));
}
long sysLink(CStr oldPath, CStr newPath) {
    return sysLinkat(Fd{vfs::kAtFdCwd}, oldPath, Fd{vfs::kAtFdCwd}, newPath, Flags{0});
}

long sysSymlinkat(CStr target, Fd dirfd, CStr path) {
    UserPath t, p;
    if (long r = t.copy(target); r < 0) {
        return r;
    }
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::symlinkAt(fsContext(), t.get(), dirfd.value, p.get());
}
long sysSymlink(CStr target, CStr path) {
    return sysSymlinkat(target, Fd{vfs::kAtFdCwd}, path);
}

// Writes directory entries as linux_dirent64 (or the old linux_dirent) records.
class DirentWriter : public vfs::DirSink {
public:
    DirentWriter(char* buf, size_t cap, bool legacy) : buf_(buf), cap_(cap), legacy_(legacy) {}

    bool emit(uint64_t ino, uint64_t next, uint8_t type, vfs::Name name) override {
        // dirent64: ino(8) off(8) reclen(2) type(1) name NUL; old: ino(8) off(8) reclen(2)
        // name NUL pad type (the type in the record's last byte).
        size_t len = legacy_ ? 18 + name.len + 2 : 19 + name.len + 1;
        len = (len + 7) & ~size_t{7};
        if (used_ + len > cap_) {
            full_ = true;
            return false;
        }
        char* r = buf_ + used_;
        __builtin_memset(r, 0, len);
        __builtin_memcpy(r, &ino, 8);
        __builtin_memcpy(r + 8, &next, 8);
        auto reclen = static_cast<uint16_t>(len);
        __builtin_memcpy(r + 16, &reclen, 2);
        if (legacy_) {
            __builtin_memcpy(r + 18, name.ptr, name.len);
            r[len - 1] = static_cast<char>(type);
        } else {
            r[18] = static_cast<char>(type);
            __builtin_memcpy(r + 19, name.ptr, name.len);
        }
        used_ += len;
        return true;
    }
    size_t used() const { return used_; }
    bool full() const { return full_; }

private:
    char* buf_;
    size_t cap_;
    bool legacy_;
    size_t used_ = 0;
    bool full_ = false;
};

long getdents(Fd fd, void* buf, unsigned count, bool legacy) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    if (!userWritable(buf, count)) {
        return -EFAULT;
    }
    DirentWriter w(static_cast<char*>(buf), count, legacy);
    long r = f->readdir(w);
    if (r < 0) {
        return r;
    }
    if (w.used() == 0 && w.full()) {
        return -EINVAL; // not even one entry fits
    }
    return static_cast<long>(w.used());
}

long sysGetdents64(Fd fd, void* buf, unsigned count) {
    return getdents(fd, buf, count, false);
}
long sysGetdents(Fd fd, void* buf, unsigned count) {
    return getdents(fd, buf, count, true);
}

long sysGetcwd(OutBuf<1> buf, size_t size) {
    vfs::Text path;
    if (long r = vfs::getcwd(fsContext(), &path); r < 0) {
        return r;
    }
    if (path.size() + 1 > size) {
        return -ERANGE;
    }
    if (long r = copyOut(buf.ptr, path.c_str(), path.size() + 1); r < 0) {
        return r;
    }
    return static_cast<long>(path.size() + 1);
}

long sysChdir(CStr path) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::chdirPath(fsContext(), p.get());
}

long sysFchdir(Fd fd) {
    return vfs::fchdir(fsContext(), fd.value);
}

} // namespace

UK_SYSCALL(mkdir, sysMkdir, Implemented, "");
UK_SYSCALL(mkdirat, sysMkdirat, Implemented, "");
UK_SYSCALL(mknod, sysMknod, Implemented, "device nodes open the driver registered for the number");
UK_SYSCALL(mknodat, sysMknodat, Implemented,
           "device nodes open the driver registered for the number");
UK_SYSCALL(rmdir, sysRmdir, Implemented, "");
UK_SYSCALL(unlink, sysUnlink, Implemented, "");
UK_SYSCALL(unlinkat, sysUnlinkat, Implemented, "");
UK_SYSCALL(rename, sysRename, Implemented, "");
UK_SYSCALL(renameat, sysRenameat, Implemented, "");
UK_SYSCALL(renameat2, sysRenameat2, Partial,
           "RENAME_NOREPLACE and RENAME_EXCHANGE; no RENAME_WHITEOUT");
UK_SYSCALL(link, sysLink, Implemented, "");
UK_SYSCALL(linkat, sysLinkat, Implemented, "");
UK_SYSCALL(symlink, sysSymlink, Implemented, "");
UK_SYSCALL(symlinkat, sysSymlinkat, Implemented, "");
UK_SYSCALL(getdents, sysGetdents, Implemented, "");
UK_SYSCALL(getdents64, sysGetdents64, Implemented, "");
UK_SYSCALL_BEFORE_START(getcwd, sysGetcwd, Implemented, "");
UK_SYSCALL(chdir, sysChdir, Implemented, "");
UK_SYSCALL(fchdir, sysFchdir, Implemented, "");

} // namespace uk::sys
