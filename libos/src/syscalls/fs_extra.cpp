// File system calls added after the first set: chroot and fchmodat2.
#include "../vfs/ops.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;

// The process's root becomes the directory `path` names (the working directory stays, as
// on Linux; root holds CAP_SYS_CHROOT).
long sysChroot(CStr path) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    vfs::Context& ctx = fsContext();
    Ref<vfs::Node> n;
    if (long r = vfs::lookupAt(ctx, vfs::kAtFdCwd, p.get(), 0, &n); r < 0) {
        return r;
    }
    if (!n->isDir()) {
        return -ENOTDIR;
    }
    if (long r = vfs::permission(n.get(), vfs::kXOk, ctx.cred); r < 0) {
        return r;
    }
    ctx.root = n;
    return 0;
}

// fchmodat with flags (Linux 6.6): AT_SYMLINK_NOFOLLOW changes the link itself, which
// Linux refuses with EOPNOTSUPP (links have no mode of their own), and AT_EMPTY_PATH.
long sysFchmodat2(Fd dirfd, CStr path, unsigned mode, Flags flags) {
    if (flags.value & ~uint64_t{vfs::kAtSymlinkNofollow | vfs::kAtEmptyPath}) {
        return -EINVAL;
    }
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    Ref<vfs::Node> n;
    if (long r = vfs::lookupAt(fsContext(), dirfd.value, p.get(),
                               static_cast<uint32_t>(flags.value), &n);
        r < 0) {
        return r;
    }
    if (n->isSymlink()) {
        return -EOPNOTSUPP;
    }
    return vfs::chmodNode(fsContext(), n.get(), mode);
}

} // namespace

UK_SYSCALL(chroot, sysChroot, Implemented, "");
UK_SYSCALL(fchmodat2, sysFchmodat2, Implemented, "");

} // namespace uk::sys
