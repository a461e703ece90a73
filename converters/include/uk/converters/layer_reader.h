// Reads one image layer (a tar archive, uncompressed, gzip or zstd) as it streams past:
// decompresses it, takes the SHA-256 of the bytes as stored (the manifest's digest) and as
// uncompressed (the config's diff_id), and turns its entries into a LayerRecord whose file
// contents go to a ContentSpool. Names are checked here: an absolute name or one with a ".."
// component is an error naming the entry, as is a hard link pointing at such a name.
// Whiteouts (".wh.NAME") and opaque markers (".wh..wh..opq") become entries of their own,
// for the LayerFlattener to apply.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <uk/converters/content_spool.h>

namespace uk::converters {

enum class EntryKind : uint8_t {
    File,
    Directory,
    Symlink,
    HardLink, // another name for `target`, an earlier entry of the same layer or below
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    Whiteout, // `path` is what it removes from the layers below
    Opaque,   // `path` is the directory whose lower contents it hides
};

const char* entryKindName(EntryKind kind);

struct LayerEntry {
    std::string path; // normalized: no leading "/" or "./", no "." or ".." parts; "" = root
    EntryKind kind = EntryKind::File;
    uint32_t mode = 0; // permission, set-id and sticky bits (07777)
    uint32_t uid = 0;
    uint32_t gid = 0;
    int64_t mtime = 0;
    uint64_t size = 0;        // regular files: bytes in the spool
    uint64_t spoolOffset = 0; // regular files: where they are
    std::string target;       // symlinks: verbatim target; hard links: normalized path
    uint32_t rdevMajor = 0;
    uint32_t rdevMinor = 0;
};

struct LayerRecord {
    std::string digest;      // sha256 of the bytes as stored
    std::string diffId;      // sha256 of the uncompressed tar
    std::string compression; // "gzip", "zstd" or "none"
    uint64_t storedBytes = 0;
    uint64_t tarBytes = 0;
    std::vector<LayerEntry> entries;
};

enum class LayerCompression { Detect, None, Gzip, Zstd };

// Fills `buffer` with up to `capacity` bytes of the stored layer; returns 0 at its end.
// Throws uk::Error on a read error.
using ByteReader = std::function<size_t(char* buffer, size_t capacity)>;

// Reads the whole layer from `read`. `what` names the layer in errors ("layer 2 (sha256:...)")
// — a corrupt or truncated stream, a bad tar header, a bad name. `expected` compression, if
// not Detect, must match what the bytes are. `progress`, if set, is called with the stored
// bytes read so far.
LayerRecord readLayer(const ByteReader& read, const std::string& what, ContentSpool& spool,
                      LayerCompression expected = LayerCompression::Detect,
                      const std::function<void(uint64_t)>& progress = {});

// Normalizes a name from a layer: strips "./" and "/"-runs, rejects absolute names and ".."
// parts (throws uk::Error naming `what` and the name).
std::string normalizeLayerPath(const std::string& name, const std::string& what);

} // namespace uk::converters
