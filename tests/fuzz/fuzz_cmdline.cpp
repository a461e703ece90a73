// libFuzzer: the guest's kernel command-line parser and uk run's input framing decoder on
// arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernel/cmdline.h"
#include "tty/stdin_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    text = text.c_str();  // the monitor hands over a NUL-terminated string
    auto cl = std::make_unique<uk::CommandLine>();
    cl->parse(text.c_str());
    size_t n = 0;
    for (size_t i = 0; i < cl->optionCount(); ++i) {
        n += std::string(cl->option(i)).size();
    }
    for (size_t i = 0; i < cl->argCount(); ++i) {
        n += std::string(cl->arg(i)).size();
    }
    if (cl->value("uk.verbose") != nullptr) {
        ++n;
    }
    uk::tty::StdinDecoder decoder(true);
    for (size_t i = 0; i < size; ++i) {
        uint8_t out;
        if (decoder.feed(data[i], &out) == uk::tty::StdinDecoder::Result::EndOfFile) {
            ++n;
        }
    }
    return n == 0xdeadbeef ? 1 : 0;
}
