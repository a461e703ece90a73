// Unpacking a compressed image at boot (`uk build --strip` writes them, see
// toolchain/src/image_compressor.cpp). Runs in long mode on the boot page tables (the low
// 4 GiB identity-mapped), from the image's boot section, before the library OS's own code
// and data are in memory: so everything here, the decoder included, goes to the .uk.boot
// sections and calls nothing outside them (a call into the kernel's text would not even
// link: it is out of reach of a 32-bit displacement from 1 MiB).
//
// The payload: a header, a table of segments (where each goes, its size in the file and in
// memory, the size of its DEFLATE stream), then the streams one after the other. Each
// segment is its own stream, so back references never cross from one segment to another
// (they lie apart in memory).
#pragma clang section text = ".uk.boot.text" data = ".uk.boot.data" rodata =                       \
    ".uk.boot.rodata" bss = ".uk.boot.bss"

#include <uk/arch/inflate.h>
#include <uk/image_format.h>

namespace {

uk::arch::inflate::Inflater g_inflater; // in .uk.boot.bss: the boot stack is small

} // namespace

// Returns 0, or a negative number saying which check failed (boot.S prints it).
extern "C" int uk_boot_unpack(const uint8_t* payload) {
    using namespace uk::arch;
    using namespace uk::image;
    const auto* head = reinterpret_cast<const BootPayloadHeader*>(payload);
    if (head->magic != kBootPayloadMagic || head->segmentCount == 0 ||
        head->segmentCount > kBootPayloadMaxSegments) {
        return -1;
    }
    const auto* seg = reinterpret_cast<const BootPayloadSegment*>(head + 1);
    const uint8_t* stream = reinterpret_cast<const uint8_t*>(seg + head->segmentCount);
    for (uint32_t i = 0; i < head->segmentCount; ++i) {
        auto* dst = reinterpret_cast<uint8_t*>(seg[i].physAddr);
        if (inflate::inflate(g_inflater, dst, seg[i].fileSize, stream, seg[i].streamSize) !=
            inflate::Result::Ok) {
            return -2 - static_cast<int>(i);
        }
        for (uint64_t k = seg[i].fileSize; k < seg[i].memSize; ++k) {
            dst[k] = 0; // .bss: zero, as an ELF loader would
        }
        stream += seg[i].streamSize;
    }
    return 0;
}
