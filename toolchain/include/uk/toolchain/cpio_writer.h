// Writes cpio archives in the "newc" format (magic 070701), the format of Linux initramfs
// images and of the root file system uk images embed (libos/src/vfs/cpio.h reads it).
//
// Each entry is a 110-byte header ("070701" and 13 fields of 8 upper-case hex digits: ino,
// mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
// namesize, check), the NUL-terminated name, zero padding to a multiple of 4 bytes (counted
// from the start of the archive), the data, and zero padding to 4 bytes again. An entry
// named TRAILER!!! ends the archive; nothing follows it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <uk/toolchain/byte_sink.h>

namespace uk::toolchain {

struct CpioHeader {
    std::string name; // relative, e.g. "." or "bin/sh"; no NUL inside
    uint32_t ino = 0;
    uint32_t mode = 0; // file type and permission bits, as in st_mode
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 1;
    uint32_t mtime = 0;    // seconds since the epoch
    uint32_t fileSize = 0; // bytes of data that follow the header
    uint32_t devMajor = 0;
    uint32_t devMinor = 0;
    uint32_t rdevMajor = 0; // device nodes: the device they stand for
    uint32_t rdevMinor = 0;
};

class CpioWriter {
public:
    static constexpr size_t kHeaderSize = 110;
    // The longest name, NUL included: PATH_MAX, which the Linux kernel and uk's reader accept.
    static constexpr size_t kMaxNameSize = 4096;
    static constexpr char kTrailerName[] = "TRAILER!!!";

    // Regular files of at least this many bytes have their data start on a multiple of it
    // (counted from the archive's start), so that a reader with the archive page-aligned in
    // memory can use the file's pages in place (uk's initrd does). The name is padded with
    // NUL bytes to get there (namesize counts them; readers take the name up to its first
    // NUL, as Linux and GNU cpio do); a name too long to pad within kMaxNameSize stays
    // unaligned.
    static constexpr uint64_t kDataAlignment = 4096;

    explicit CpioWriter(ByteSink& sink) : sink_(sink) {}

    // Writes the header and the name; exactly header.fileSize bytes of data must follow
    // (writeData, copyData) before the next entry or finish(). Throws uk::Error for an empty
    // name, a name with a NUL in it or one longer than kMaxNameSize - 1 bytes.
    void beginEntry(const CpioHeader& header);
    void writeData(std::string_view bytes);
    // Copies `size` bytes from `fd` (see ByteSink::copyFrom; `what` names it in errors).
    void copyData(int fd, uint64_t size, const std::string& what);
    // beginEntry() followed by writeData(data); header.fileSize must be data.size().
    void addEntry(const CpioHeader& header, std::string_view data = {});
    // Writes the trailer. The archive is then complete: size() bytes, a multiple of 4.
    void finish();

    // Bytes written so far.
    uint64_t size() const { return offset_; }

    // What one entry written at archive offset `offset` takes, padding included (names
    // without their NUL), so an archive's size can be known before it is written.
    static uint64_t entrySize(uint64_t offset, size_t nameLength, uint32_t mode, uint64_t dataSize);
    static uint64_t trailerSize() { return entrySize(0, sizeof kTrailerName - 1, 0, 0); }
    // The namesize field of such an entry: the name, its NUL, and any alignment padding.
    static uint32_t nameSizeAt(uint64_t offset, size_t nameLength, uint32_t mode,
                               uint64_t dataSize);

private:
    void write(std::string_view bytes);
    void pad();
    void dataWritten(uint64_t size);

    ByteSink& sink_;
    uint64_t offset_ = 0;
    uint64_t dataLeft_ = 0; // of the current entry
    bool finished_ = false;
};

} // namespace uk::toolchain
