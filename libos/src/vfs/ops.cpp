#include "ops.h"

#include "env.h"
#include "ramfs.h"

namespace uk::vfs {

namespace {

bool writableAccess(uint32_t flags) {
    return (flags & kOAccmode) != kORdonly;
}
bool readableAccess(uint32_t flags) {
    return (flags & kOAccmode) != kOWronly;
}

// May `cred` remove or rename `victim` out of `dir`? (Write and search on the directory,
// and the sticky bit's owner rule.)
long mayDelete(Context& ctx, Node* dir, Node* victim) {
    if (long r = permission(dir, kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    if ((dir->mode() & kSticky) && ctx.cred.uid != 0 && ctx.cred.uid != victim->uid() &&
        ctx.cred.uid != dir->uid()) {
        return -EPERM;
    }
    return 0;
}

// Resolves the parent of what will be created at `path`.
long createTarget(Context& ctx, int dirfd, const char* path, WalkResult* w) {
    Ref<Node> start;
    if (long r = startAt(ctx, dirfd, path, false, &start); r < 0) {
        return r;
    }
    return walk(ctx, start.get(), path, kWalkParent, w);
}

void setFilePath(Context& ctx, File* f, const WalkResult& w, const char* given) {
    Text t;
    if (pathOf(ctx, w, &t) < 0 || t.failed()) {
        t.clear();
        t.append(given);
    }
    f->setPath(t.release());
}

} // namespace

long startAt(Context& ctx, int dirfd, const char* path, bool emptyOk, Ref<Node>* out) {
    if (path[0] == 0 && !emptyOk) {
        return -ENOENT;
    }
    if (path[0] == '/') {
        *out = ctx.root;
        return 0;
    }
    if (dirfd == kAtFdCwd) {
        *out = ctx.cwd;
        return 0;
    }
    File* f = ctx.fds.peek(dirfd);
    if (f == nullptr || f->node() == nullptr) {
        return -EBADF;
    }
    if (!f->node()->isDir() && !(emptyOk && path[0] == 0)) {
        return -ENOTDIR;
    }
    *out = f->nodeRef();
    return 0;
}

long lookupAt(Context& ctx, int dirfd, const char* path, uint32_t atFlags, Ref<Node>* out) {
    bool emptyOk = atFlags & kAtEmptyPath;
    Ref<Node> start;
    if (long r = startAt(ctx, dirfd, path, emptyOk, &start); r < 0) {
        return r;
    }
    WalkResult w;
    uint32_t wf = (atFlags & kAtSymlinkNofollow ? 0 : kWalkFollow) | (emptyOk ? kWalkEmptyOk : 0);
    if (long r = walk(ctx, start.get(), path, wf, &w); r < 0) {
        return r;
    }
    *out = w.node;
    return 0;
}

long openAt(Context& ctx, int dirfd, const char* path, uint32_t flags, uint32_t mode,
            Ref<File>* out) {
    if (flags & kOPath) {
        flags &= kOPath | kOCloexec | kODirectory | kONofollow;
    }
    // O_TMPFILE is its own bit plus O_DIRECTORY.
    bool tmpfile = (flags & kOTmpfile) && !(flags & kOPath);
    if (tmpfile && (!(flags & kODirectory) || !writableAccess(flags) || (flags & kOCreat))) {
        return -EINVAL;
    }
    Ref<Node> start;
    if (long r = startAt(ctx, dirfd, path, false, &start); r < 0) {
        return r;
    }
    bool create = (flags & kOCreat) && !tmpfile && !(flags & kOPath);
    bool follow = !(flags & kONofollow) && !(create && (flags & kOExcl));
    WalkResult w;
    uint32_t wf = (follow ? kWalkFollow : 0) | (create ? kWalkParent : 0) |
                  ((flags & kODirectory) || tmpfile ? kWalkDirectory : 0);
    if (long r = walk(ctx, start.get(), path, wf, &w); r < 0) {
        return r;
    }
    Ref<Node> node = w.node;
    bool created = false;
    if (tmpfile) {
        if (long r = permission(node.get(), kWOk | kXOk, ctx.cred); r < 0) {
            return r;
        }
        if (node->fs()->magic() != kRamfsMagic && node->fs()->magic() != kTmpfsMagic) {
            return -ENOTSUP;
        }
        node = makeUnlinkedRamFile(node->fs(), mode & ~ctx.umask, ctx.cred, !(flags & kOExcl));
        if (!node) {
            return -ENOSPC;
        }
        Ref<File> f;
        if (long r = node->open(flags & ~kOTmpfile, &f); r < 0) {
            return r;
        }
        Text t;
        pathOf(ctx, w.node.get(), &t);
        t.append("/#tmpfile");
        f->setPath(t.release());
        *out = f;
        return 0;
    }
    if (create) {
        if (!w.parent && node) {
            return -EISDIR; // "/"
        }
        if (w.last().isDot() || w.last().isDotDot()) {
            return -EISDIR;
        }
        if (node) {
            if (flags & kOExcl) {
                return -EEXIST;
            }
            if (node->isDir()) {
                return -EISDIR;
            }
            if (w.trailingSlash) {
                return node->isSymlink() ? -ENOTDIR : -EISDIR;
            }
        } else {
            if (w.trailingSlash) {
                return -EISDIR;
            }
            if (long r = permission(w.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
                return r;
            }
            long r = w.parent->create(w.last(), kIfReg | (mode & ~ctx.umask & kPermMask), 0,
                                      ctx.cred, &node);
            if (r < 0) {
                return r;
            }
            w.node = node;
            created = true;
        }
    }
    if (node->isSymlink() && !(flags & kOPath)) {
        return -ELOOP; // O_NOFOLLOW on a symlink
    }
    if ((flags & kODirectory) && !node->isDir()) {
        return -ENOTDIR;
    }
    if (!(flags & kOPath)) {
        if (node->isDir() && (writableAccess(flags) || (flags & (kOCreat | kOTrunc)))) {
            return -EISDIR;
        }
        if (!created) {
            int need = (readableAccess(flags) ? kROk : 0) |
                       (writableAccess(flags) || (flags & kOTrunc) ? kWOk : 0);
            if (long r = permission(node.get(), need, ctx.cred); r < 0) {
                return r;
            }
        }
    }
    Ref<File> f;
    if (flags & kOPath) {
        f = make<PathFile>(node, flags);
        if (!f) {
            return -ENOMEM;
        }
    } else {
        if (long r = node->open(flags, &f); r < 0) {
            return r;
        }
        if ((flags & kOTrunc) && !created && node->isReg() && writableAccess(flags) &&
            node->size() != 0) {
            if (long r = node->truncate(0); r < 0) {
                return r;
            }
        }
    }
    setFilePath(ctx, f.get(), w, path);
    *out = f;
    return 0;
}

long openFd(Context& ctx, int dirfd, const char* path, uint32_t flags, uint32_t mode) {
    Ref<File> f;
    if (long r = openAt(ctx, dirfd, path, flags, mode, &f); r < 0) {
        return r;
    }
    return ctx.fds.install(static_cast<Ref<File>&&>(f), flags & kOCloexec);
}

long mkdirAt(Context& ctx, int dirfd, const char* path, uint32_t mode) {
    WalkResult w;
    if (long r = createTarget(ctx, dirfd, path, &w); r < 0) {
        return r;
    }
    if (w.node) {
        return -EEXIST;
    }
    if (long r = permission(w.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    return w.parent->create(w.last(), kIfDir | (mode & ~ctx.umask & (0777 | kSticky)), 0, ctx.cred,
                            nullptr);
}

long mknodAt(Context& ctx, int dirfd, const char* path, uint32_t mode, uint64_t dev,
             Ref<Node>* out) {
    uint32_t type = mode & kIfMt;
    switch (type) {
    case 0:
        type = kIfReg;
        break;
    case kIfReg:
    case kIfChr:
    case kIfBlk:
    case kIfIfo:
    case kIfSock:
        break;
    case kIfDir:
        return -EPERM;
    default:
        return -EINVAL;
    }
    WalkResult w;
    if (long r = createTarget(ctx, dirfd, path, &w); r < 0) {
        return r;
    }
    if (w.node) {
        return -EEXIST;
    }
    if (w.trailingSlash) {
        return -ENOENT;
    }
    if (long r = permission(w.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    return w.parent->create(w.last(), type | (mode & ~ctx.umask & kPermMask), dev, ctx.cred, out);
}

long unlinkAt(Context& ctx, int dirfd, const char* path, uint32_t flags) {
    if (flags & ~kAtRemovedir) {
        return -EINVAL;
    }
    bool rmdir = flags & kAtRemovedir;
    WalkResult w;
    if (long r = createTarget(ctx, dirfd, path, &w); r < 0) {
        return r;
    }
    if (!w.parent) {
        return rmdir ? -EBUSY : -EISDIR; // "/"
    }
    if (rmdir) {
        if (w.last().isDot()) {
            return -EINVAL;
        }
        if (w.last().isDotDot()) {
            return -ENOTEMPTY;
        }
    } else if (w.last().isDot() || w.last().isDotDot()) {
        return -EISDIR;
    }
    if (!w.node) {
        return -ENOENT;
    }
    if (rmdir) {
        if (!w.node->isDir()) {
            return -ENOTDIR;
        }
        if (ctx.vfs->isBusy(w.node.get()) || w.node == ctx.root) {
            return -EBUSY;
        }
    } else {
        if (w.trailingSlash && !w.node->isDir()) {
            return -ENOTDIR;
        }
        if (w.node->isDir()) {
            return -EISDIR;
        }
    }
    if (long r = mayDelete(ctx, w.parent.get(), w.node.get()); r < 0) {
        return r;
    }
    return w.parent->unlink(w.last(), rmdir);
}

long renameAt(Context& ctx, int oldDirfd, const char* oldPath, int newDirfd, const char* newPath,
              uint32_t flags) {
    if (flags & ~(kRenameNoreplace | kRenameExchange | kRenameWhiteout)) {
        return -EINVAL;
    }
    if ((flags & kRenameNoreplace) && (flags & kRenameExchange)) {
        return -EINVAL;
    }
    if (flags & kRenameWhiteout) {
        return -EINVAL; // whiteouts are for overlay file systems, which we do not have
    }
    WalkResult from, to;
    if (long r = createTarget(ctx, oldDirfd, oldPath, &from); r < 0) {
        return r;
    }
    if (long r = createTarget(ctx, newDirfd, newPath, &to); r < 0) {
        return r;
    }
    if (!from.parent || !to.parent || from.last().isDot() || from.last().isDotDot() ||
        to.last().isDot() || to.last().isDotDot()) {
        return -EBUSY;
    }
    if (!from.node) {
        return -ENOENT;
    }
    if ((flags & kRenameExchange) && !to.node) {
        return -ENOENT;
    }
    if (from.trailingSlash && !from.node->isDir()) {
        return -ENOTDIR;
    }
    if (to.trailingSlash && !from.node->isDir()) {
        return -ENOTDIR;
    }
    if (from.parent->fs() != to.parent->fs()) {
        return -EXDEV;
    }
    if (ctx.vfs->isBusy(from.node.get()) || (to.node && ctx.vfs->isBusy(to.node.get()))) {
        return -EBUSY;
    }
    if (long r = mayDelete(ctx, from.parent.get(), from.node.get()); r < 0) {
        return r;
    }
    if (to.node) {
        if (long r = mayDelete(ctx, to.parent.get(), to.node.get()); r < 0) {
            return r;
        }
    } else if (long r = permission(to.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    return from.parent->rename(from.last(), to.parent.get(), to.last(), flags);
}

long linkAt(Context& ctx, int oldDirfd, const char* oldPath, int newDirfd, const char* newPath,
            uint32_t flags) {
    if (flags & ~(kAtSymlinkFollow | kAtEmptyPath)) {
        return -EINVAL;
    }
    Ref<Node> target;
    uint32_t lf = (flags & kAtSymlinkFollow ? 0 : kAtSymlinkNofollow) | (flags & kAtEmptyPath);
    if (long r = lookupAt(ctx, oldDirfd, oldPath, lf, &target); r < 0) {
        return r;
    }
    if (target->isDir()) {
        return -EPERM;
    }
    WalkResult w;
    if (long r = createTarget(ctx, newDirfd, newPath, &w); r < 0) {
        return r;
    }
    if (w.node || !w.parent) {
        return -EEXIST;
    }
    if (w.trailingSlash) {
        return -ENOENT;
    }
    if (w.parent->fs() != target->fs()) {
        return -EXDEV;
    }
    if (long r = permission(w.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    return w.parent->link(w.last(), target.get());
}

long symlinkAt(Context& ctx, const char* target, int dirfd, const char* path) {
    size_t len = __builtin_strlen(target);
    if (len == 0) {
        return -ENOENT;
    }
    if (len >= kPathMax) {
        return -ENAMETOOLONG;
    }
    WalkResult w;
    if (long r = createTarget(ctx, dirfd, path, &w); r < 0) {
        return r;
    }
    if (w.node || !w.parent) {
        return -EEXIST;
    }
    if (w.trailingSlash) {
        return -ENOENT;
    }
    if (long r = permission(w.parent.get(), kWOk | kXOk, ctx.cred); r < 0) {
        return r;
    }
    return w.parent->symlink(w.last(), Name{target, len}, ctx.cred, nullptr);
}

long readlinkAt(Context& ctx, int dirfd, const char* path, Text* out) {
    Ref<Node> node;
    if (long r = lookupAt(ctx, dirfd, path, kAtSymlinkNofollow | kAtEmptyPath, &node); r < 0) {
        return r;
    }
    if (!node->isSymlink()) {
        return path[0] == 0 ? -ENOENT : -EINVAL;
    }
    long r = node->readlink(out);
    if (r == 0) {
        node->touchAtime();
    }
    return r < 0 ? r : (out->failed() ? -ENOMEM : 0);
}

long statAt(Context& ctx, int dirfd, const char* path, uint32_t flags, Attr* out) {
    if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath | kAtNoAutomount | kAtStatxSyncType)) {
        return -EINVAL;
    }
    Ref<Node> node;
    if (long r = lookupAt(ctx, dirfd, path, flags, &node); r < 0) {
        return r;
    }
    node->getattr(out);
    return 0;
}

long accessAt(Context& ctx, int dirfd, const char* path, int mode, uint32_t flags) {
    if (mode & ~(kROk | kWOk | kXOk)) {
        return -EINVAL;
    }
    if (flags & ~(kAtSymlinkNofollow | kAtEaccess | kAtEmptyPath)) {
        return -EINVAL;
    }
    Ref<Node> node;
    if (long r = lookupAt(ctx, dirfd, path, flags & (kAtSymlinkNofollow | kAtEmptyPath), &node);
        r < 0) {
        return r;
    }
    if (mode == kFOk) {
        return 0;
    }
    // access(2) asks about the real ids, AT_EACCESS about the effective (file-system) ones.
    Cred who = ctx.cred;
    if (!(flags & kAtEaccess)) {
        who.uid = who.ruid;
        who.gid = who.rgid;
    }
    return permission(node.get(), mode, who);
}

long chmodNode(Context& ctx, Node* node, uint32_t mode) {
    if (ctx.cred.uid != 0 && ctx.cred.uid != node->uid()) {
        return -EPERM;
    }
    if (node->isSymlink()) {
        return -ENOTSUP; // fchmodat(AT_SYMLINK_NOFOLLOW) on a link, as Linux
    }
    node->setMode(mode);
    return 0;
}

long chownNode(Context& ctx, Node* node, uint32_t uid, uint32_t gid) {
    if (ctx.cred.uid != 0) {
        if (uid != ~0u && uid != node->uid()) {
            return -EPERM;
        }
        if (gid != ~0u && (node->uid() != ctx.cred.uid || !inGroup(ctx.cred, gid))) {
            return -EPERM;
        }
    }
    node->setOwner(uid, gid);
    // Changing the owner of an executable clears set-user/group-ID, as on Linux.
    if (!node->isDir() && (uid != ~0u || gid != ~0u) && (node->mode() & (kSetUid | kSetGid))) {
        uint32_t perm = node->mode() & kPermMask & ~kSetUid;
        if (node->mode() & 010) {
            perm &= ~kSetGid;
        }
        node->setMode(perm);
    }
    return 0;
}

long utimesNode(Context& ctx, Node* node, const Timespec* times) {
    Timespec t = now();
    if (times == nullptr) {
        if (ctx.cred.uid != 0 && ctx.cred.uid != node->uid() &&
            permission(node, kWOk, ctx.cred) < 0) {
            return -EACCES;
        }
        node->setTimes(&t, &t);
        return 0;
    }
    for (int i = 0; i < 2; ++i) {
        if (times[i].nsec != kUtimeNow && times[i].nsec != kUtimeOmit &&
            (times[i].nsec < 0 || times[i].nsec >= 1'000'000'000)) {
            return -EINVAL;
        }
    }
    bool onlyNow = (times[0].nsec == kUtimeNow || times[0].nsec == kUtimeOmit) &&
                   (times[1].nsec == kUtimeNow || times[1].nsec == kUtimeOmit);
    if (ctx.cred.uid != 0 && ctx.cred.uid != node->uid()) {
        if (!onlyNow || permission(node, kWOk, ctx.cred) < 0) {
            return onlyNow ? -EACCES : -EPERM;
        }
    }
    Timespec a = times[0].nsec == kUtimeNow ? t : times[0];
    Timespec m = times[1].nsec == kUtimeNow ? t : times[1];
    if (times[0].nsec == kUtimeOmit && times[1].nsec == kUtimeOmit) {
        return 0;
    }
    node->setTimes(times[0].nsec == kUtimeOmit ? nullptr : &a,
                   times[1].nsec == kUtimeOmit ? nullptr : &m);
    return 0;
}

long truncateNode(Context& ctx, Node* node, int64_t length) {
    if (length < 0) {
        return -EINVAL;
    }
    if (node->isDir()) {
        return -EISDIR;
    }
    if (!node->isReg()) {
        return -EINVAL;
    }
    if (long r = permission(node, kWOk, ctx.cred); r < 0) {
        return r;
    }
    return node->truncate(static_cast<uint64_t>(length));
}

long chdirPath(Context& ctx, const char* path) {
    Ref<Node> start;
    if (long r = startAt(ctx, kAtFdCwd, path, false, &start); r < 0) {
        return r;
    }
    WalkResult w;
    if (long r = walk(ctx, start.get(), path, kWalkFollow | kWalkDirectory, &w); r < 0) {
        return r;
    }
    if (long r = permission(w.node.get(), kXOk, ctx.cred); r < 0) {
        return r;
    }
    ctx.cwd = w.node;
    return 0;
}

long fchdir(Context& ctx, int fd) {
    File* f = ctx.fds.peek(fd);
    if (f == nullptr || f->node() == nullptr) {
        return -EBADF;
    }
    if (!f->node()->isDir()) {
        return -ENOTDIR;
    }
    if (long r = permission(f->node(), kXOk, ctx.cred); r < 0) {
        return r;
    }
    ctx.cwd = f->nodeRef();
    return 0;
}

long getcwd(Context& ctx, Text* out) {
    return pathOf(ctx, ctx.cwd.get(), out);
}

long dupFd(Context& ctx, int fd, int minFd, bool cloexec) {
    Ref<File> f = ctx.fds.get(fd);
    if (!f) {
        return -EBADF;
    }
    if (minFd < 0 || minFd >= FdTable::kLimit) {
        return -EINVAL;
    }
    return ctx.fds.install(static_cast<Ref<File>&&>(f), cloexec, minFd);
}

long dup3Fd(Context& ctx, int oldFd, int newFd, uint32_t flags, bool isDup2) {
    if (flags & ~kOCloexec) {
        return -EINVAL;
    }
    Ref<File> f = ctx.fds.get(oldFd);
    if (!f) {
        return -EBADF;
    }
    if (oldFd == newFd) {
        return isDup2 ? newFd : -EINVAL;
    }
    if (newFd < 0 || newFd >= FdTable::kLimit) {
        return -EBADF;
    }
    return ctx.fds.installAt(newFd, static_cast<Ref<File>&&>(f), flags & kOCloexec);
}

} // namespace uk::vfs
