// libFuzzer: uk inspect's reader (loader/src/image_inspector.cpp) on arbitrary files: the ELF
// and section headers, a compressed image's payload, the configuration and the cpio archive,
// and the reports made from them. It must either describe the input or throw uk::Error,
// never crash or read out of bounds. The input is also read as a bare cpio archive.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <uk/loader/image_inspector.h>
#include <uk/support/error.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        auto report = uk::loader::inspectImageBytes(bytes, "fuzz.img", true);
        uk::loader::formatReport(report);
        uk::loader::formatEntries(report.entries);
        uk::loader::formatReportJson(report, true);
    } catch (const uk::Error&) {
        // rejected with a message: fine
    }
    try {
        std::vector<uk::loader::CpioEntry> entries;
        uk::loader::summarizeCpio(bytes, &entries);
        uk::loader::formatEntries(entries);
    } catch (const uk::loader::CpioFormatError&) {
    }
    return 0;
}
