// libFuzzer: the boot-time DEFLATE decoder (platforms/x86_64/include/uk/arch/inflate.h) on
// arbitrary streams: it must stay inside its output and input whatever the bytes say. The
// first two bytes choose the output size.
#include <uk/arch/inflate.h>

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    size_t outSize = (static_cast<size_t>(data[0]) << 8 | data[1]) * 4;
    std::vector<uint8_t> out(outSize);
    std::vector<uint8_t> in(data + 2, data + size); // exact bounds for ASan
    static uk::arch::inflate::Inflater st;
    uk::arch::inflate::inflate(st, out.data(), out.size(), in.data(), in.size());
    return 0;
}
