// Asking about files: the stat family (stat, fstat, lstat, newfstatat, statx), statfs,
// access/faccessat/faccessat2 and readlink.
#include "../vfs/ops.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Attr;
using vfs::Ref;

// struct stat, x86_64.
struct KernelStat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atimeNs, mtime, mtimeNs, ctime, ctimeNs;
    int64_t reserved[3];
};
static_assert(sizeof(KernelStat) == 144);

long putStat(const Attr& a, void* user) {
    KernelStat st{};
    st.dev = a.dev;
    st.ino = a.ino;
    st.nlink = a.nlink;
    st.mode = a.mode;
    st.uid = a.uid;
    st.gid = a.gid;
    st.rdev = a.rdev;
    st.size = static_cast<int64_t>(a.size);
    st.blksize = a.blksize;
    st.blocks = static_cast<int64_t>(a.blocks);
    st.atime = a.atime.sec;
    st.atimeNs = a.atime.nsec;
    st.mtime = a.mtime.sec;
    st.mtimeNs = a.mtime.nsec;
    st.ctime = a.ctime.sec;
    st.ctimeNs = a.ctime.nsec;
    return copyOut(user, &st, sizeof st);
}

long statPath(int dirfd, CStr path, void* buf, uint32_t flags) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    if (!userWritable(buf, sizeof(KernelStat))) {
        return -EFAULT;
    }
    Attr a;
    if (long r = vfs::statAt(fsContext(), dirfd, p.get(), flags, &a); r < 0) {
        return r;
    }
    return putStat(a, buf);
}

long sysStat(CStr path, void* buf) {
    return statPath(vfs::kAtFdCwd, path, buf, 0);
}
long sysLstat(CStr path, void* buf) {
    return statPath(vfs::kAtFdCwd, path, buf, vfs::kAtSymlinkNofollow);
}
long sysNewfstatat(Fd dirfd, CStr path, void* buf, Flags flags) {
    return statPath(dirfd.value, path, buf, static_cast<uint32_t>(flags.value));
}

long sysFstat(Fd fd, void* buf) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f) {
        return -EBADF;
    }
    Attr a;
    f->node()->getattr(&a);
    return putStat(a, buf);
}

struct StatxTime {
    int64_t sec;
    uint32_t nsec;
    int32_t reserved;
};
struct Statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributesMask;
    StatxTime atime, btime, ctime, mtime;
    uint32_t rdevMajor, rdevMinor, devMajor, devMinor;
    uint64_t mntId;
    uint32_t dioMemAlign, dioOffsetAlign;
    uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);

constexpr uint32_t kStatxBasicStats = 0x7ff, kStatxBtime = 0x800, kStatxMntId = 0x1000,
                   kStatxReserved = 0x80000000u;

StatxTime statxTime(const vfs::Timespec& t) {
    return StatxTime{t.sec, static_cast<uint32_t>(t.nsec), 0};
}

// The mount a node's file system is mounted at, numbered from 1 in mount order.
uint64_t mountIdOf(const vfs::Node* n) {
    uint64_t id = 1;
    for (const vfs::Mount* m = vfs::system().mounts(); m != nullptr; m = m->next, ++id) {
        if (m->root->fs() == n->fs()) {
            return id;
        }
    }
    return 0;
}

long sysStatx(Fd dirfd, CStr path, Flags flags, unsigned mask, void* buf) {
    if (mask & kStatxReserved) {
        return -EINVAL;
    }
    if ((flags.value & vfs::kAtStatxSyncType) == vfs::kAtStatxSyncType) {
        return -EINVAL;
    }
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    if (!userWritable(buf, sizeof(Statx))) {
        return -EFAULT;
    }
    Ref<vfs::Node> node;
    uint32_t f = static_cast<uint32_t>(flags.value);
    if (f & ~(vfs::kAtSymlinkNofollow | vfs::kAtEmptyPath | vfs::kAtNoAutomount |
              vfs::kAtStatxSyncType)) {
        return -EINVAL;
    }
    if (long r = vfs::lookupAt(fsContext(), dirfd.value, p.get(), f, &node); r < 0) {
        return r;
    }
    Attr a;
    node->getattr(&a);
    Statx sx{};
    sx.mask = kStatxBasicStats | kStatxBtime | kStatxMntId;
    sx.blksize = a.blksize;
    sx.nlink = a.nlink;
    sx.uid = a.uid;
    sx.gid = a.gid;
    sx.mode = static_cast<uint16_t>(a.mode);
    sx.ino = a.ino;
    sx.size = a.size;
    sx.blocks = a.blocks;
    sx.atime = statxTime(a.atime);
    sx.btime = statxTime(a.btime);
    sx.ctime = statxTime(a.ctime);
    sx.mtime = statxTime(a.mtime);
    sx.rdevMajor = vfs::devMajor(a.rdev);
    sx.rdevMinor = vfs::devMinor(a.rdev);
    sx.devMajor = vfs::devMajor(a.dev);
    sx.devMinor = vfs::devMinor(a.dev);
    sx.mntId = mountIdOf(node.get());
    return copyOut(buf, &sx, sizeof sx);
}

// struct statfs, x86_64.
struct KernelStatfs {
    int64_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen, frsize, flags;
    int64_t spare[4];
};
static_assert(sizeof(KernelStatfs) == 120);

constexpr int64_t kStValid = 0x20, kStRelatime = 0x400;

bool hasOption(const char* options, const char* word) {
    size_t n = __builtin_strlen(word);
    for (const char* p = options; *p != 0;) {
        const char* e = p;
        while (*e != 0 && *e != ',') {
            ++e;
        }
        if (static_cast<size_t>(e - p) == n && __builtin_memcmp(p, word, n) == 0) {
            return true;
        }
        p = *e == ',' ? e + 1 : e;
    }
    return false;
}

long putStatfs(const vfs::Node* node, void* user) {
    vfs::FsStats s;
    node->fs()->stats(&s);
    KernelStatfs st{};
    st.type = static_cast<int64_t>(s.type);
    st.bsize = static_cast<int64_t>(s.blockSize);
    st.blocks = s.blocks;
    st.bfree = s.freeBlocks;
    st.bavail = s.freeBlocks;
    st.files = s.files;
    st.ffree = s.freeFiles;
    uint64_t dev = node->fs()->dev();
    st.fsid[0] = static_cast<int32_t>(dev);
    st.fsid[1] = static_cast<int32_t>(dev >> 32);
    st.namelen = static_cast<int64_t>(s.nameMax);
    st.frsize = st.bsize;
    st.flags = kStValid | kStRelatime;
    for (const vfs::Mount* m = vfs::system().mounts(); m != nullptr; m = m->next) {
        if (m->root->fs() == node->fs()) {
            st.flags |= (hasOption(m->options, "ro") ? vfs::kStRdonly : 0) |
                        (hasOption(m->options, "nosuid") ? vfs::kStNosuid : 0) |
                        (hasOption(m->options, "nodev") ? vfs::kStNodev : 0) |
                        (hasOption(m->options, "noexec") ? vfs::kStNoexec : 0);
        }
    }
    return copyOut(user, &st, sizeof st);
}

long sysStatfs(CStr path, void* buf) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    Ref<vfs::Node> node;
    if (long r = vfs::lookupAt(fsContext(), vfs::kAtFdCwd, p.get(), 0, &node); r < 0) {
        return r;
    }
    return putStatfs(node.get(), buf);
}

long sysFstatfs(Fd fd, void* buf) {
    Ref<vfs::File> f = fileOf(fd);
    if (!f) {
        return -EBADF;
    }
    return putStatfs(f->node(), buf);
}

long accessPath(int dirfd, CStr path, int mode, uint32_t flags) {
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    return vfs::accessAt(fsContext(), dirfd, p.get(), mode, flags);
}

long sysAccess(CStr path, int mode) {
    return accessPath(vfs::kAtFdCwd, path, mode, 0);
}
long sysFaccessat(Fd dirfd, CStr path, int mode) {
    return accessPath(dirfd.value, path, mode, 0);
}
long sysFaccessat2(Fd dirfd, CStr path, int mode, Flags flags) {
    return accessPath(dirfd.value, path, mode, static_cast<uint32_t>(flags.value));
}

long readlinkPath(int dirfd, CStr path, OutBuf<2> buf, int size) {
    if (size <= 0) {
        return -EINVAL;
    }
    UserPath p;
    if (long r = p.copy(path); r < 0) {
        return r;
    }
    vfs::Text target;
    if (long r = vfs::readlinkAt(fsContext(), dirfd, p.get(), &target); r < 0) {
        return r;
    }
    size_t n =
        target.size() < static_cast<size_t>(size) ? target.size() : static_cast<size_t>(size);
    if (long r = copyOut(buf.ptr, target.data(), n); r < 0) {
        return r;
    }
    return static_cast<long>(n);
}

long sysReadlink(CStr path, OutBuf<2> buf, int size) {
    return readlinkPath(vfs::kAtFdCwd, path, buf, size);
}
long sysReadlinkat(Fd dirfd, CStr path, OutBuf<3> buf, int size) {
    return readlinkPath(dirfd.value, path, OutBuf<2>{buf.ptr}, size);
}

} // namespace

UK_SYSCALL(stat, sysStat, Implemented, "");
UK_SYSCALL(fstat, sysFstat, Implemented, "");
UK_SYSCALL(lstat, sysLstat, Implemented, "");
UK_SYSCALL(newfstatat, sysNewfstatat, Implemented, "");
UK_SYSCALL(statx, sysStatx, Implemented,
           "reports basic stats, btime and the mount id; no attributes or direct-I/O alignment");
UK_SYSCALL(statfs, sysStatfs, Implemented, "in-memory file systems report free memory");
UK_SYSCALL(fstatfs, sysFstatfs, Implemented, "in-memory file systems report free memory");
UK_SYSCALL(access, sysAccess, Implemented, "");
UK_SYSCALL(faccessat, sysFaccessat, Implemented, "");
UK_SYSCALL(faccessat2, sysFaccessat2, Implemented, "");
UK_SYSCALL_BEFORE_START(readlink, sysReadlink, Implemented, "");
UK_SYSCALL_BEFORE_START(readlinkat, sysReadlinkat, Implemented, "");

} // namespace uk::sys
