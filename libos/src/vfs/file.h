// Open file descriptions: what open(2), pipe(2) and friends create and descriptors point
// to. Descriptors made by dup share one description, so its offset and status flags
// (O_APPEND, O_NONBLOCK, ...) are shared too; close-on-exec belongs to the descriptor.
//
// Buffers passed to read/write are in the caller's address space and were checked by the
// system call layer; the File only copies.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "ref.h"
#include "types.h"

namespace uk::sched {
class WaitQueue;
}

namespace uk::vfs {

class SocketFile;

// One buffer of a vectored transfer (struct iovec), in memory the system call layer checked.
struct IoVec {
    uint64_t base;
    uint64_t len;
};

// Something that refers to an open file description without holding a reference (an
// epoll interest): told when the description goes away, so it can let go, as Linux drops a
// file's epoll interests at its last close. `gone` runs from ~File, after the subclass is
// destroyed: it must not call the File.
struct FileObserver {
    void (*gone)(FileObserver* self) = nullptr;
    FileObserver* next = nullptr;
    FileObserver* prev = nullptr;
};

class File : public RefCounted {
public:
    // `node` may be null for objects that have none. `flags` are the open flags; only the
    // status flags are kept.
    File(Ref<Node> node, uint32_t flags);

    Node* node() const { return node_.get(); }
    Ref<Node> nodeRef() const { return node_; }
    uint32_t flags() const { return flags_; }
    void setFlags(uint32_t flags) { flags_ = flags & kOStatusFlags; }
    bool nonBlocking() const { return flags_ & kONonblock; }
    bool isPath() const { return flags_ & kOPath; }
    bool readable() const { return !isPath() && (flags_ & kOAccmode) != kOWronly; }
    bool writable() const { return !isPath() && (flags_ & kOAccmode) != kORdonly; }
    uint64_t offset() const { return offset_; }

    // The path it was opened by (what /proc/self/fd shows); empty if unknown.
    const char* path() const { return path_ != nullptr ? path_ : ""; }
    void setPath(char* heapString); // takes ownership
    // What /proc/self/fd/N reads as: the path, "pipe:[ino]", ... with " (deleted)" once
    // an opened file was unlinked.
    virtual void describe(Text* out) const;

    // read/write at the description's offset (advancing it) or as a stream. Return the
    // count or -errno. Blocking ones honour nonBlocking().
    virtual long read(void* buf, size_t size);
    virtual long write(const void* buf, size_t size);
    // pread/pwrite: ESPIPE unless seekable.
    virtual long pread(void* buf, size_t size, uint64_t offset);
    virtual long pwrite(const void* buf, size_t size, uint64_t offset);
    virtual long seek(int64_t offset, int whence, uint64_t* result);
    virtual long readdir(DirSink& sink);
    // Requests beyond the generic ones (FIOCLEX, FIONBIO, FIONREAD are handled by the caller
    // through available()). ENOTTY by default.
    virtual long ioctl(unsigned long request, uint64_t arg);
    // Bytes a read would return now (FIONREAD), or -ENOTTY.
    virtual long available() const;
    virtual bool isTerminal() const { return false; }
    // The socket this description is (socket(2), accept(2)), or nullptr.
    virtual SocketFile* socket() { return nullptr; }

    // Readiness for poll/select/epoll: kPollIn/kPollOut/kPollHup/kPollErr bits now, and
    // the queue woken whenever they may have changed (nullptr: they never change).
    virtual uint32_t poll() const { return kPollIn | kPollOut | kPollRdNorm | kPollWrNorm; }
    virtual sched::WaitQueue* pollQueue() { return nullptr; }

    // Observers, told (and removed) when this description is destroyed.
    void observe(FileObserver* o);
    void unobserve(FileObserver* o);

protected:
    ~File() override;

    Ref<Node> node_;
    uint32_t flags_;
    uint64_t offset_ = 0;
    char* path_ = nullptr;

private:
    FileObserver* observers_ = nullptr;
};

// A regular file through its node's readAt/writeAt: seekable, O_APPEND.
class NodeFile : public File {
public:
    using File::File;
    long read(void* buf, size_t size) override;
    long write(const void* buf, size_t size) override;
    long pread(void* buf, size_t size, uint64_t offset) override;
    long pwrite(const void* buf, size_t size, uint64_t offset) override;
    long seek(int64_t offset, int whence, uint64_t* result) override;
    long available() const override;
};

// A directory: getdents reads entries from the offset, which is the directory's cookie.
class DirFile : public File {
public:
    using File::File;
    long read(void* buf, size_t size) override { return -EISDIR; }
    long write(const void* buf, size_t size) override { return -EISDIR; }
    long pread(void* buf, size_t size, uint64_t offset) override { return -EISDIR; }
    long pwrite(const void* buf, size_t size, uint64_t offset) override { return -EISDIR; }
    long seek(int64_t offset, int whence, uint64_t* result) override;
    long readdir(DirSink& sink) override;
};

// A file opened with O_PATH: a place in the tree, usable as a dirfd and for fstat.
class PathFile : public File {
public:
    using File::File;
    long read(void*, size_t) override { return -EBADF; }
    long write(const void*, size_t) override { return -EBADF; }
    long pread(void*, size_t, uint64_t) override { return -EBADF; }
    long pwrite(const void*, size_t, uint64_t) override { return -EBADF; }
    long seek(int64_t, int, uint64_t*) override { return -EBADF; }
    long readdir(DirSink&) override { return -EBADF; }
};

// Linux caps one transfer at this many bytes (MAX_RW_COUNT).
inline constexpr size_t kMaxIo = 0x7ffff000;

} // namespace uk::vfs
