// libFuzzer: the ELF header checks the guest's loader runs on every program it executes
// (files from a root file system the library OS does not control).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "elf/loader.h"

namespace {
struct Buffer {
    const uint8_t* data;
    size_t size;
};
long readBuffer(void* ctx, uint64_t offset, void* dst, size_t n) {
    auto* b = static_cast<Buffer*>(ctx);
    if (offset >= b->size) {
        return 0;
    }
    size_t k = n < b->size - offset ? n : b->size - offset;
    std::memcpy(dst, b->data + offset, k);
    return static_cast<long>(k);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> copy(data, data + size);
    Buffer b{copy.data(), copy.size()};
    uk::elf::ElfFile elf;
    if (elf.open({readBuffer, &b, copy.size()})) {
        return elf.spanEnd() < elf.spanStart() ? 1 : 0;
    }
    return 0;
}
