// ramfs: the writable in-memory file system that holds the root file system (and /dev,
// /dev/shm, memfd files). Regular files keep their data in whole 4 KiB pages from the
// machine's page allocator (vfs/env.h), sparse, so that MAP_SHARED can map a file's own
// pages. Directories, symlinks, hard links, device nodes and FIFOs are all supported;
// modes, owners, times and link counts are recorded as Linux's tmpfs does.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "page_tree.h"

namespace uk::vfs {

class RamFs : public FileSystem {
public:
    RamFs(const char* type, uint64_t magic) : FileSystem(type, magic) {}
    void stats(FsStats* out) const override;
};

// A new ramfs (type "ramfs", "tmpfs" or "devtmpfs") and its root directory.
Ref<Node> makeRamfs(const char* type, uint64_t magic, uint32_t rootMode, const Cred& owner);

// A regular file in `dirFs` (a ramfs) that is in no directory: memfd_create, O_TMPFILE.
// `linkable`: linkat(AT_EMPTY_PATH) may give it a name later.
Ref<Node> makeUnlinkedRamFile(FileSystem* dirFs, uint32_t mode, const Cred& owner, bool linkable);

// Largest file size (EFBIG beyond).
inline constexpr uint64_t kMaxFileSize = uint64_t{1} << 46;

class RamDir;

class RamFile : public Node {
public:
    RamFile(FileSystem* fs, uint32_t mode, const Cred& owner) : Node(fs, mode, owner) {}

    uint64_t size() const override { return size_; }
    uint64_t blocks() const override { return pages_.count() * (kPageSize / 512); }
    long readAt(void* buf, size_t size, uint64_t offset) override;
    long writeAt(const void* buf, size_t size, uint64_t offset) override;
    long truncate(uint64_t size) override;
    long allocate(uint64_t offset, uint64_t length) override;
    long mapping(bool shared, const char* path, mm::VmaBacking** out) override;
    long setPermanentData(const void* data, uint64_t size) override;

    // For mappings: page `index` (allocated and zeroed if absent; nullptr when memory is
    // exhausted), and a copy of it.
    void* pageForSharing(uint64_t index);
    void copyPage(uint64_t index, void* dst) const;
    void mapShared() { ++sharedMaps_; }
    void unmapShared();

    bool linkable() const { return linkable_; }
    void setLinkable(bool on) { linkable_ = on; }
    // Only for RamDir: link count changes.
    void adjustLinks(int delta) {
        nlink_ = static_cast<uint32_t>(static_cast<int>(nlink_) + delta);
    }

protected:
    ~RamFile() override;

private:
    // Zeroes [from, to) where pages exist (bytes past the end of file must read as zeros
    // once the file grows over them). False when a borrowed page could not be copied.
    bool zeroRange(uint64_t from, uint64_t to);
    // The file's own copy of `page` (at `index`) if it is borrowed, else `page`; nullptr
    // when memory is exhausted.
    void* ownPage(uint64_t index, void* page);
    // Frees pages wholly at or after `size` unless a shared mapping may still use them.
    void trimPages();

    PageTree pages_;
    uint64_t size_ = 0;
    uint32_t sharedMaps_ = 0;
    bool linkable_ = false;
};

} // namespace uk::vfs
