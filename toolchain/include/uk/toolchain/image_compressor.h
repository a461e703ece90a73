// Compressed images: every loadable segment but the boot one moves into a DEFLATE payload
// that the image's boot code unpacks before the library OS starts (the format is in
// uk/image_format.h, BootPayload*). `uk build --strip` uses it: stripped images are the
// small ones, and they have no symbols a compressed layout would hide from `uk run`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uk::toolchain {

struct CompressedImage {
    std::string bytes;        // the new ELF file
    uint64_t payloadPhys = 0; // where its payload loads
};

// Builds the compressed form of `image` (a linked uk image, as a whole file). Throws
// uk::Error naming the problem if it is not a uk image the boot code can unpack (no
// .uk.boot.payload link, more segments than the boot code takes, ...).
CompressedImage compressImage(std::string_view image);

// Raw DEFLATE (no zlib or gzip wrapper), the stream the boot code decodes; `level` is
// zlib's 0-9. Throws uk::Error if zlib fails.
std::string deflateRaw(std::string_view data, int level);

} // namespace uk::toolchain
