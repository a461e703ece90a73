// Checks that a file is a bootable uk image before QEMU sees it, so a wrong path or a plain
// Linux binary gets a clear message instead of QEMU's "Error loading uncompressed kernel".
#pragma once

#include <cstdint>
#include <filesystem>

namespace uk::loader {

// Xen's ELF note that carries the 32-bit PVH entry point (xen/include/public/elfnote.h).
inline constexpr uint32_t kXenElfNotePhys32Entry = 18;

struct ImageInfo {
    uint64_t pvhEntry = 0; // physical address of the 32-bit entry point
    uint64_t loadEnd = 0;  // the highest physical address a PT_LOAD occupies (memsz), + 1
};

class ImageProbe {
public:
    // Reads the ELF header, program headers and notes of `path`. Throws uk::Error naming the
    // file and what is wrong: missing or unreadable, not ELF, not ELF64 little-endian x86_64,
    // or no PT_NOTE with a "Xen" note of type 18 ("not a uk image").
    static ImageInfo probe(const std::filesystem::path& path);
};

} // namespace uk::loader
