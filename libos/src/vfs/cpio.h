// cpio "newc" archives (the initramfs format, `cpio -o -H newc`): a strict reader and the
// unpacker that builds the root file system from one.
//
// Each entry is a 110-byte ASCII header ("070701", or "070702" with a checksum, then 13
// fields of 8 hex digits), the NUL-terminated name padded to a multiple of 4 bytes, and the
// data padded likewise. "TRAILER!!!" ends an archive; archives may be concatenated, with
// NUL padding between them, as the Linux kernel accepts.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs.h"

namespace uk::vfs {

struct CpioEntry {
    size_t index = 0; // 0-based, across concatenated archives
    const char* name = nullptr;
    size_t nameLen = 0; // without the NUL
    uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0;
    uint64_t mtime = 0;
    uint32_t devMajor = 0, devMinor = 0, rdevMajor = 0, rdevMinor = 0;
    const uint8_t* data = nullptr;
    uint64_t size = 0;
};

class CpioReader {
public:
    CpioReader(const void* data, size_t size)
        : data_(static_cast<const uint8_t*>(data)), size_(size) {}

    enum class Result { Entry, End, Error };
    // The next entry (never the trailer). After Error, error() says what and where.
    Result next(CpioEntry* out);
    const char* error() const { return error_; }

private:
    Result fail(const CpioEntry* e, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    size_t index_ = 0;
    bool sawTrailer_ = false;
    char error_[200] = {};
};

struct UnpackStats {
    size_t entries = 0;
    size_t files = 0;
    size_t directories = 0;
    size_t symlinks = 0;
    size_t hardLinks = 0;
    size_t special = 0;
    uint64_t bytes = 0;
};

// Unpacks the archive into ctx's root, following Linux's initramfs rules: later entries
// replace earlier ones, missing parent directories are created, hard links (entries with
// the same inode and nlink > 1) share one file whichever entry carries the data, and
// directory times are applied last. File data is copied once, straight from the archive
// into the file's pages; with `permanentData` (an archive that stays in memory, unchanged,
// for good: the image's own initrd) files use its page-aligned pages in place instead
// (Node::setPermanentData) until they are written. On error returns -errno and puts the
// reason, naming the entry, in `error`.
long unpackCpio(Context& ctx, const void* data, size_t size, UnpackStats* stats, Text* error,
                bool permanentData = false);

} // namespace uk::vfs
