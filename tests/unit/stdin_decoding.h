// The guest's decoding of uk run's console framing, rendered as text for the tests of both
// sides (libos's decoder, loader's encoder): data bytes as they are, signals as "<sigN>", a
// start as its words followed by "<start>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tty/stdin_decoder.h"

namespace uk::test {

// Feeds `in` to `decoder` and returns what it decoded; `eof` says whether end of file was
// seen. With `stopAtEof`, what follows end of file is not fed (a reader stops there).
inline std::string decodeStdin(tty::StdinDecoder& decoder, std::string_view in, bool* eof,
                               bool stopAtEof = false) {
    std::string out;
    *eof = false;
    for (char c : in) {
        uint8_t b;
        switch (decoder.feed(static_cast<uint8_t>(c), &b)) {
        case tty::StdinDecoder::Result::Byte:
        case tty::StdinDecoder::Result::StartText:
            out += static_cast<char>(b);
            break;
        case tty::StdinDecoder::Result::EndOfFile:
            *eof = true;
            if (stopAtEof) {
                return out;
            }
            break;
        case tty::StdinDecoder::Result::Signal:
            out += "<sig" + std::to_string(b) + ">";
            break;
        case tty::StdinDecoder::Result::Start:
            out += "<start>";
            break;
        case tty::StdinDecoder::Result::Nothing:
            break;
        }
    }
    return out;
}

} // namespace uk::test
