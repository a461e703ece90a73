// Extended attributes. No file system here stores any (ramfs, /proc, /sys, /dev), so each
// call checks its arguments and the file as Linux does and then answers as a file system
// without attributes on that file would: nothing to get (ENODATA), an empty list, nothing to
// remove (ENODATA), and no place to set one (EOPNOTSUPP). Programs that copy or list
// attributes (ls -l, cp -a, tar) treat these answers as "none".
#include "../vfs/ops.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;

constexpr size_t kXattrNameMax = 255;
constexpr size_t kXattrSizeMax = 65536;
constexpr int kXattrCreate = 1, kXattrReplace = 2;

// The name: copied and checked (ERANGE if empty or too long, EOPNOTSUPP outside the four
// name spaces Linux knows).
long checkName(CStr name) {
    char buf[kXattrNameMax + 1];
    long n = copyUserString(name.ptr, buf, sizeof buf, -ERANGE);
    if (n < 0) {
        return n;
    }
    if (n == 0) {
        return -ERANGE;
    }
    static const char* const kSpaces[] = {"user.", "trusted.", "security.", "system."};
    for (const char* space : kSpaces) {
        size_t len = __builtin_strlen(space);
        if (static_cast<size_t>(n) >= len && __builtin_memcmp(buf, space, len) == 0) {
            return 0;
        }
    }
    return -EOPNOTSUPP;
}

long nodeOfPath(CStr path, bool follow) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    Ref<vfs::Node> n;
    return vfs::lookupAt(fsContext(), vfs::kAtFdCwd, p.get(), follow ? 0 : vfs::kAtSymlinkNofollow,
                         &n);
}

long nodeOfFd(Fd fd) {
    Ref<vfs::File> f = fileOf(fd);
    return f && !f->isPath() ? 0 : -EBADF;
}

long getAttr(long found, CStr name) {
    if (found < 0) {
        return found;
    }
    long e = checkName(name);
    return e < 0 ? e : -ENODATA;
}

long setAttr(long found, CStr name, size_t size, int flags) {
    if (flags & ~(kXattrCreate | kXattrReplace)) {
        return -EINVAL;
    }
    if (long e = checkName(name); e < 0) {
        return e;
    }
    if (size > kXattrSizeMax) {
        return -E2BIG;
    }
    return found < 0 ? found : -EOPNOTSUPP;
}

long sysGetxattr(CStr path, CStr name, void*, size_t) {
    return getAttr(nodeOfPath(path, true), name);
}
long sysLgetxattr(CStr path, CStr name, void*, size_t) {
    return getAttr(nodeOfPath(path, false), name);
}
long sysFgetxattr(Fd fd, CStr name, void*, size_t) {
    return getAttr(nodeOfFd(fd), name);
}

// The list of names is empty: size 0, whatever the buffer.
long sysListxattr(CStr path, void*, size_t) {
    return nodeOfPath(path, true);
}
long sysLlistxattr(CStr path, void*, size_t) {
    return nodeOfPath(path, false);
}
long sysFlistxattr(Fd fd, void*, size_t) {
    return nodeOfFd(fd);
}

long sysSetxattr(CStr path, CStr name, const void*, size_t size, int flags) {
    return setAttr(nodeOfPath(path, true), name, size, flags);
}
long sysLsetxattr(CStr path, CStr name, const void*, size_t size, int flags) {
    return setAttr(nodeOfPath(path, false), name, size, flags);
}
long sysFsetxattr(Fd fd, CStr name, const void*, size_t size, int flags) {
    return setAttr(nodeOfFd(fd), name, size, flags);
}

long sysRemovexattr(CStr path, CStr name) {
    return getAttr(nodeOfPath(path, true), name);
}
long sysLremovexattr(CStr path, CStr name) {
    return getAttr(nodeOfPath(path, false), name);
}
long sysFremovexattr(Fd fd, CStr name) {
    return getAttr(nodeOfFd(fd), name);
}

} // namespace

UK_SYSCALL(getxattr, sysGetxattr, Partial,
           "no file system here stores extended attributes: none is ever found (ENODATA)");
UK_SYSCALL(lgetxattr, sysLgetxattr, Partial,
           "no file system here stores extended attributes: none is ever found (ENODATA)");
UK_SYSCALL(fgetxattr, sysFgetxattr, Partial,
           "no file system here stores extended attributes: none is ever found (ENODATA)");
UK_SYSCALL(listxattr, sysListxattr, Partial,
           "no file system here stores extended attributes: the list is always empty");
UK_SYSCALL(llistxattr, sysLlistxattr, Partial,
           "no file system here stores extended attributes: the list is always empty");
UK_SYSCALL(flistxattr, sysFlistxattr, Partial,
           "no file system here stores extended attributes: the list is always empty");
UK_SYSCALL(setxattr, sysSetxattr, Partial,
           "no file system here stores extended attributes: setting one fails with EOPNOTSUPP");
UK_SYSCALL(lsetxattr, sysLsetxattr, Partial,
           "no file system here stores extended attributes: setting one fails with EOPNOTSUPP");
UK_SYSCALL(fsetxattr, sysFsetxattr, Partial,
           "no file system here stores extended attributes: setting one fails with EOPNOTSUPP");
UK_SYSCALL(removexattr, sysRemovexattr, Partial,
           "no file system here stores extended attributes: none to remove (ENODATA)");
UK_SYSCALL(lremovexattr, sysLremovexattr, Partial,
           "no file system here stores extended attributes: none to remove (ENODATA)");
UK_SYSCALL(fremovexattr, sysFremovexattr, Partial,
           "no file system here stores extended attributes: none to remove (ENODATA)");

} // namespace uk::sys
