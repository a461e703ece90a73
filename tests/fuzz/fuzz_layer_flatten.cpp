// Layer reading and flattening on arbitrary bytes: the input is one layer (tar, gzip or
// zstd, detected), applied twice on top of itself (so replacements, whiteouts of earlier
// entries and hard links across layers happen), then written as a cpio archive whose size
// must be the one planned. Bad input must end in uk::Error, never a crash.
#include <uk/converters/content_spool.h>
#include <uk/converters/layer_flattener.h>
#include <uk/converters/layer_reader.h>
#include <uk/support/error.h>
#include <uk/toolchain/byte_sink.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace uk::converters;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const char* dir = [] {
        const char* t = std::getenv("TMPDIR");
        return t != nullptr ? t : "/tmp";
    }();
    try {
        ContentSpool spool(dir);
        auto readOnce = [&] {
            size_t pos = 0;
            ByteReader reader = [&](char* buf, size_t cap) {
                size_t n = std::min(cap, size - pos);
                std::memcpy(buf, data + pos, n);
                pos += n;
                return n;
            };
            return readLayer(reader, "fuzz layer", spool);
        };
        LayerRecord record = readOnce();
        LayerFlattener flattener(spool);
        flattener.apply(record, "layer 1");
        flattener.apply(record, "layer 2");
        flattener.ensureDirectory("/w/x");
        (void)flattener.readFile("/etc/passwd");
        uk::toolchain::StringSink sink;
        const uint64_t planned = flattener.archiveSize();
        flattener.write(sink);
        if (sink.written() != planned) {
            std::abort();
        }
        (void)flattener.stats();
    } catch (const uk::Error&) {
    }
    return 0;
}
