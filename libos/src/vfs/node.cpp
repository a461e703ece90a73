#include "node.h"

#include "devices.h"
#include "env.h"
#include "file.h"
#include "pipe.h"

namespace uk::vfs {

namespace {
constinit uint64_t g_nextDev = 1;
}

FileSystem::FileSystem(const char* type, uint64_t magic)
    : type_(type), magic_(magic), dev_(makeDev(0, static_cast<uint32_t>(g_nextDev++))) {}

void FileSystem::stats(FsStats* out) const {
    *out = FsStats{};
    out->type = magic_;
}

Node::Node(FileSystem* fs, uint32_t mode, const Cred& owner)
    : fs_(fs), ino_(fs->allocIno()), mode_(mode), uid_(owner.uid), gid_(owner.gid),
      nlink_(vfs::isDir(mode) ? 2 : 1) {
    Timespec t = now();
    atime_ = mtime_ = ctime_ = btime_ = t;
}

void Node::getattr(Attr* a) const {
    a->dev = fs_->dev();
    a->ino = ino_;
    a->mode = mode_;
    a->nlink = nlink_;
    a->uid = uid_;
    a->gid = gid_;
    a->rdev = rdev_;
    a->size = size();
    a->blocks = blocks();
    a->blksize = kPageSize;
    a->atime = atime_;
    a->mtime = mtime_;
    a->ctime = ctime_;
    a->btime = btime_;
}

void Node::setMode(uint32_t perm) {
    mode_ = (mode_ & kIfMt) | (perm & kPermMask);
    touchCtime();
}

void Node::setOwner(uint32_t uid, uint32_t gid) {
    if (uid != ~0u) {
        uid_ = uid;
    }
    if (gid != ~0u) {
        gid_ = gid;
    }
    touchCtime();
}

void Node::setTimes(const Timespec* atime, const Timespec* mtime) {
    if (atime != nullptr) {
        atime_ = *atime;
    }
    if (mtime != nullptr) {
        mtime_ = *mtime;
    }
    touchCtime();
}

void Node::touchAtime() {
    // relatime, Linux's default: only when the file changed since the last access, or a day
    // passed, so that reads do not keep rewriting metadata.
    Timespec t = now();
    if (atime_.sec < mtime_.sec || (atime_.sec == mtime_.sec && atime_.nsec <= mtime_.nsec) ||
        atime_.sec < ctime_.sec || t.sec - atime_.sec >= 24 * 3600) {
        atime_ = t;
    }
}

void Node::touchMtime() {
    mtime_ = ctime_ = now();
}

void Node::touchCtime() {
    ctime_ = now();
}

long Node::lookup(Name, Ref<Node>*) {
    return -ENOTDIR;
}
long Node::create(Name, uint32_t, uint64_t, const Cred&, Ref<Node>*) {
    return -ENOTDIR;
}
long Node::symlink(Name, Name, const Cred&, Ref<Node>*) {
    return -ENOTDIR;
}
long Node::link(Name, Node*) {
    return -ENOTDIR;
}
long Node::unlink(Name, bool) {
    return -ENOTDIR;
}
long Node::rename(Name, Node*, Name, uint32_t) {
    return -ENOTDIR;
}
long Node::readdir(uint64_t*, DirSink&) {
    return -ENOTDIR;
}

long Node::readlink(Text*) const {
    return -EINVAL;
}

long Node::readAt(void*, size_t, uint64_t) {
    return isDir() ? -EISDIR : -EINVAL;
}
long Node::writeAt(const void*, size_t, uint64_t) {
    return isDir() ? -EISDIR : -EINVAL;
}
long Node::truncate(uint64_t) {
    return isDir() ? -EISDIR : -EINVAL;
}
long Node::allocate(uint64_t, uint64_t) {
    return isDir() ? -EISDIR : -ENODEV;
}

long Node::open(uint32_t flags, Ref<File>* out) {
    Ref<File> f;
    switch (type()) {
    case kIfReg:
        f = make<NodeFile>(Ref<Node>(this), flags);
        break;
    case kIfDir:
        f = make<DirFile>(Ref<Node>(this), flags);
        break;
    case kIfChr:
    case kIfBlk:
        return openDevice(this, flags, out);
    case kIfIfo: {
        Pipe* p = fifo();
        return p != nullptr ? p->openFifo(this, flags, out) : -ENXIO;
    }
    case kIfLnk:
        return -ELOOP;
    default:
        return -ENXIO; // sockets are opened with socket(2), never by path
    }
    if (!f) {
        return -ENOMEM;
    }
    *out = static_cast<Ref<File>&&>(f);
    return 0;
}

long permission(const Node* node, int mask, const Cred& cred) {
    uint32_t mode = node->mode();
    if (cred.uid == 0) {
        if ((mask & kXOk) && !node->isDir() && (mode & 0111) == 0) {
            return -EACCES;
        }
        return 0;
    }
    uint32_t bits;
    if (cred.uid == node->uid()) {
        bits = (mode >> 6) & 7;
    } else if (inGroup(cred, node->gid())) {
        bits = (mode >> 3) & 7;
    } else {
        bits = mode & 7;
    }
    return (bits & static_cast<uint32_t>(mask)) == static_cast<uint32_t>(mask) ? 0 : -EACCES;
}

namespace {
constinit uint32_t* g_groups = nullptr;
constinit int g_groupCount = 0;
} // namespace

int groupCount() {
    return g_groupCount;
}

const uint32_t* groupList() {
    return g_groups;
}

void setGroups(uint32_t* ids, int count) {
    for (int i = 1; i < count; ++i) {
        uint32_t g = ids[i];
        int j = i - 1;
        for (; j >= 0 && ids[j] > g; --j) {
            ids[j + 1] = ids[j];
        }
        ids[j + 1] = g;
    }
    delete[] g_groups;
    g_groups = ids;
    g_groupCount = count;
}

bool inGroup(const Cred& cred, uint32_t gid) {
    if (cred.gid == gid) {
        return true;
    }
    for (int i = 0; i < g_groupCount; ++i) {
        if (g_groups[i] == gid) {
            return true;
        }
    }
    return false;
}

long Node::setPermanentData(const void* data, uint64_t size) {
    if (long r = truncate(0); r < 0) {
        return r;
    }
    if (size == 0) {
        return 0;
    }
    long r = writeAt(data, size, 0);
    return r < 0 ? r : static_cast<uint64_t>(r) == size ? 0 : -ENOSPC;
}

} // namespace uk::vfs
