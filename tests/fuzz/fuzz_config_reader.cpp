// libFuzzer: the guest's reader of the .uk.config blob (uk/image_format.h) on arbitrary
// bytes. It must never read outside the buffer, whatever the header claims.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <uk/image_format.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A copy of exactly `size` bytes, so ASan catches any read past the end.
    std::vector<char> blob(data, data + size);
    uk::image::ConfigReader reader(blob.data(), blob.size());
    size_t total = 0;
    reader.forEach([&](const uk::image::ConfigReader::Record& r) {
        for (uint32_t i = 0; i < r.length; ++i) {
            total += static_cast<unsigned char>(r.data[i]);
        }
    });
    return total == 0xdeadbeef ? 1 : 0;
}
