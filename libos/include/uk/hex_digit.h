// One hexadecimal digit's value: for the guest's parsers of what the host hands it (the
// command line's seed and MAC, cpio headers) and the host's of what the guest prints.
#pragma once

namespace uk {

// 0-15, or -1 when `c` is no hex digit (either case).
constexpr int hexDigitValue(unsigned char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace uk
