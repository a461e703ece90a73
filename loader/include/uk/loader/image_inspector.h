// What a uk image holds, read without booting it (`uk inspect`): its size, whether it is
// compressed, whether an application is linked into it, its configuration (.uk.config) and a
// summary (or listing) of its root file system (.uk.initrd, a cpio "newc" archive). Every
// byte of the image is outside data: each length is bounds-checked, and a corrupt image gives
// an error naming the image and what is wrong, never a wild read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uk/support/error.h>

namespace uk::loader {

// One entry of a cpio newc archive, as stored (trailers excluded).
struct CpioEntry {
    std::string name; // as in the archive: ".", "bin/sh" (or "./bin/sh", "/bin/sh")
    uint32_t ino = 0;
    uint32_t mode = 0; // the whole st_mode: type and permission bits
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 0;
    uint32_t mtime = 0; // seconds since the epoch
    uint32_t size = 0;  // bytes of data in the archive (0 for the earlier names of a hard link)
    uint32_t rdevMajor = 0;
    uint32_t rdevMinor = 0;
    std::string target; // symbolic links: the target (the entry's data)
};

struct RootfsSummary {
    uint64_t entries = 0;     // every entry, the root directory "." included
    uint64_t files = 0;       // regular-file names (each name of a hard-linked file counts)
    uint64_t directories = 0; // "." included
    uint64_t symlinks = 0;
    uint64_t hardLinks = 0;    // names beyond the first of a hard-linked file, FIFO or device
    uint64_t special = 0;      // character and block devices, FIFOs, sockets
    uint64_t dataBytes = 0;    // regular files' contents (a hard-linked file's once)
    uint64_t archiveBytes = 0; // up to the end of the last trailer
};

// A cpio archive that is not well formed: `offset` is where, from the archive's start.
class CpioFormatError : public Error {
public:
    CpioFormatError(uint64_t offset, const std::string& what);
    uint64_t offset() const { return offset_; }
    const std::string& reason() const { return reason_; }

private:
    uint64_t offset_;
    std::string reason_;
};

// Reads a newc archive ("070701", or "070702" with checksums) to its TRAILER!!! entry, as
// the kernel does: lower- or upper-case hex, several archives one after another with NUL
// padding between them (and after the last). Appends every entry to `entries` if given.
// Throws CpioFormatError for a bad magic or hex field, a name that is empty, longer than
// 4095 bytes or not NUL-terminated, data past the end, or an archive without its trailer.
// An empty (or all-NUL) archive has no entries.
RootfsSummary summarizeCpio(std::string_view archive, std::vector<CpioEntry>* entries = nullptr);

// The records of a .uk.config blob (uk/image_format.h), decoded.
struct ImageConfig {
    struct UnknownRecord {
        uint32_t tag;
        uint32_t length;
    };
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env;
    std::optional<std::string> workingDir;
    std::optional<std::string> user; // "UID:GID"
    std::vector<std::string> groups; // supplementary group ids, decimal
    std::vector<std::string> exposedPorts;
    std::vector<std::string> volumes;
    std::vector<std::pair<std::string, std::string>> labels; // KEY, VALUE in record order
    std::vector<UnknownRecord> unknown;                      // tags this uk does not know
};

// Decodes a configuration blob; throws uk::Error saying what is wrong with a corrupt one.
ImageConfig parseImageConfig(std::string_view blob);

struct ImageReport {
    std::string image;       // the name the caller gave
    uint64_t size = 0;       // bytes of the file
    bool compressed = false; // `uk build --strip`: segments in a DEFLATE payload
    // Segments at 0x400000; otherwise the program comes from the root file system (`uk pack`,
    // `uk convert`).
    bool applicationLinked = false;
    // Its library OS honours uk run --start-gate (image::kAbiStartGateMarker is in it).
    bool startGate = false;
    std::optional<ImageConfig> config;   // none: the image has no .uk.config
    std::optional<RootfsSummary> rootfs; // none: the image embeds no root file system
    std::vector<CpioEntry> entries;      // with listEntries: the archive's entries, in order
};

// Inspects the image file `path`: checks that it is a uk image (ImageProbe), then reads it.
// Throws uk::Error ("PATH: what is wrong") for a missing or unreadable file, one that is not
// a uk image, a compressed payload that does not decode, a corrupt configuration or archive.
ImageReport inspectImage(const std::filesystem::path& path, bool listEntries = false);

// The same on an image already in memory; `name` names it in errors. It does not look for
// the PVH note (inspectImage does), only at the ELF structure.
ImageReport inspectImageBytes(std::string_view bytes, const std::string& name,
                              bool listEntries = false);

// Human-readable report, one "key: value" line each, ending with a newline.
std::string formatReport(const ImageReport& report);
// The archive's entries, one line each (`ls -l` style), ending with a newline:
//   drwxr-xr-x 0/0        0 2024-01-01 12:00 bin
//   lrwxrwxrwx 0/0        7 2024-01-01 12:00 bin/sh -> busybox
std::string formatEntries(const std::vector<CpioEntry>& entries);
// "drwxr-xr-x" for a st_mode.
std::string modeString(uint32_t mode);
// One JSON object (pretty-printed, with a final newline); "entries" only with listEntries.
std::string formatReportJson(const ImageReport& report, bool listEntries);

} // namespace uk::loader
