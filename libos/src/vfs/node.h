// Nodes (inodes) and the file systems they belong to.
//
// A Node is a file of any type with its metadata; directory, symlink and data operations
// are virtual and fail with the errno Linux gives for the wrong type by default, so each
// file system implements only what its nodes support. Nodes are reference counted: a
// directory holds its children, open files and mappings hold what they use, and an
// unlinked file lives on until the last of those goes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ref.h"
#include "text.h"
#include "types.h"

namespace uk::mm {
class VmaBacking;
}

namespace uk::vfs {

class File;
class Node;
class Pipe;

// statfs(2) figures.
struct FsStats {
    uint64_t type = 0; // f_type magic
    uint64_t blockSize = kPageSize;
    uint64_t blocks = 0;
    uint64_t freeBlocks = 0;
    uint64_t files = 0;
    uint64_t freeFiles = 0;
    uint64_t nameMax = kNameMax;
    uint64_t flags = 0; // ST_RDONLY etc.
};

inline constexpr uint64_t kRamfsMagic = 0x858458f6, kTmpfsMagic = 0x01021994, kProcMagic = 0x9fa0,
                          kSysfsMagic = 0x62656572, kPipefsMagic = 0x50495045,
                          kDevptsMagic = 0x1cd1;
inline constexpr uint64_t kStRdonly = 1, kStNosuid = 2, kStNodev = 4, kStNoexec = 8;

class FileSystem : public RefCounted {
public:
    FileSystem(const char* type, uint64_t magic);

    const char* type() const { return type_; }
    uint64_t magic() const { return magic_; }
    uint64_t dev() const { return dev_; }
    uint64_t allocIno() { return nextIno_++; }
    // statfs: defaults to an empty file system of this type.
    virtual void stats(FsStats* out) const;

private:
    const char* type_;
    uint64_t magic_;
    uint64_t dev_;
    uint64_t nextIno_ = 1;
};

// Receives directory entries (getdents, unit tests). `next` is the cookie that resumes
// after this entry. Returns false when full; the entry is then not consumed.
class DirSink {
public:
    virtual ~DirSink() = default;
    virtual bool emit(uint64_t ino, uint64_t next, uint8_t type, Name name) = 0;
};

class Node : public RefCounted {
public:
    Node(FileSystem* fs, uint32_t mode, const Cred& owner);

    FileSystem* fs() const { return fs_.get(); }
    uint64_t ino() const { return ino_; }
    uint32_t mode() const { return mode_; }
    uint32_t type() const { return mode_ & kIfMt; }
    bool isDir() const { return vfs::isDir(mode_); }
    bool isReg() const { return vfs::isReg(mode_); }
    bool isSymlink() const { return vfs::isLnk(mode_); }
    uint32_t uid() const { return uid_; }
    uint32_t gid() const { return gid_; }
    uint32_t nlink() const { return nlink_; }
    uint64_t rdev() const { return rdev_; }

    // Metadata, as stat reports it. size()/blocks() come from the subclass.
    void getattr(Attr* out) const;
    virtual uint64_t size() const { return 0; }
    virtual uint64_t blocks() const { return 0; }

    // Recorded metadata changes (chmod, chown, utimensat). Update ctime.
    void setMode(uint32_t perm);
    void setOwner(uint32_t uid, uint32_t gid);
    void setTimes(const Timespec* atime, const Timespec* mtime);
    // Marks an access / a modification / a metadata change now.
    void touchAtime();
    void touchMtime(); // mtime and ctime
    void touchCtime();

    // ---- directories (default: ENOTDIR) ----
    virtual long lookup(Name name, Ref<Node>* out);
    // A new node of any type but symlink (mode has the type bits; S_IFDIR is mkdir).
    virtual long create(Name name, uint32_t mode, uint64_t rdev, const Cred& cred, Ref<Node>* out);
    virtual long symlink(Name name, Name target, const Cred& cred, Ref<Node>* out);
    virtual long link(Name name, Node* target);
    // unlink (directory false) or rmdir (directory true) of one entry.
    virtual long unlink(Name name, bool directory);
    // Moves entry `from` to `to` in newDir (a directory of the same file system) with
    // renameat2 flags. The caller has checked types of names ("." / "..") and mounts.
    virtual long rename(Name from, Node* newDir, Name to, uint32_t flags);
    // Emits entries from *cookie on (0 = the start, "." and ".." first), advancing it.
    virtual long readdir(uint64_t* cookie, DirSink& sink);
    // A directory's parent (nullptr at a file system's root or once removed) and its own
    // name there, for ".." and getcwd.
    virtual Node* parentDir() const { return nullptr; }
    virtual const char* dirName() const { return nullptr; }
    // True for a directory without entries besides "." and "..".
    virtual bool isEmptyDir() const { return false; }

    // ---- symbolic links ----
    virtual long readlink(Text* out) const;
    // /proc/self/fd/N and kin: following the link leads straight to this node (or null
    // for an ordinary, textual symlink).
    virtual Ref<Node> magicTarget() { return nullptr; }

    // ---- regular file data (default: EINVAL, or EISDIR for directories) ----
    virtual long readAt(void* buf, size_t size, uint64_t offset);
    virtual long writeAt(const void* buf, size_t size, uint64_t offset);
    virtual long truncate(uint64_t size);
    virtual long allocate(uint64_t offset, uint64_t length);
    // Makes `data` (`size` bytes) the file's whole contents. `data` stays valid and unchanged
    // for as long as the system runs (the image's initrd), so a file system may use its
    // page-aligned pages in place until they are written. Default: truncate and writeAt.
    virtual long setPermanentData(const void* data, uint64_t size);
    // What an mmap of this node maps, with no reference held yet (the address space holds
    // it); `path` is what /proc/self/maps shows. -ENODEV if it cannot be mapped, -ENOMEM.
    virtual long mapping(bool shared, const char* path, mm::VmaBacking** out) { return -ENODEV; }

    // A FIFO's pipe (created on first open), or nullptr for other types.
    virtual Pipe* fifo() { return nullptr; }

    // A new open file description. By default by type: regular files and directories get
    // the generic ones, devices go to the device registry, FIFOs to their pipe.
    virtual long open(uint32_t flags, Ref<File>* out);

protected:
    ~Node() override = default;

    Ref<FileSystem> fs_;
    uint64_t ino_;
    uint32_t mode_;
    uint32_t uid_, gid_;
    uint32_t nlink_;
    uint64_t rdev_ = 0;
    Timespec atime_, mtime_, ctime_, btime_;
};

// May `cred` access `node` for `mask` (kROk | kWOk | kXOk)? 0 or -EACCES. Root may read
// and write anything, and execute what has any execute bit (or is a directory).
long permission(const Node* node, int mask, const Cred& cred);

// Supplementary group ids: one list for every process (new processes inherit it, and only
// a process whose effective uid is 0 may change it, see setgroups(2)). Kept sorted.
int groupCount();
const uint32_t* groupList();
// Replaces the list with `ids` (from new[], owned from now on; nullptr when count is 0),
// sorting it as Linux does, and frees the previous one.
void setGroups(uint32_t* ids, int count);
// Is `gid` the file-system group of `cred` or a supplementary group?
bool inGroup(const Cred& cred, uint32_t gid);

} // namespace uk::vfs
