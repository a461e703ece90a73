// A raw DEFLATE (RFC 1951) decoder small and self-contained enough to run at boot, before the
// library OS is in memory: it unpacks compressed images (boot_unpack.cpp). No allocation, no
// library calls, no writable globals; all state lives in an Inflater the caller provides.
// Header-only so the boot code compiles it into its own section and the host unit tests
// check it against zlib.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch::inflate {

enum class Result { Ok, Corrupt, TooLong };

namespace detail {

inline constexpr int kMaxBits = 15;
inline constexpr int kFastBits = 9; // one table lookup for codes up to this long

struct Huffman {
    uint16_t count[kMaxBits + 1];  // codes of each length
    uint16_t symbol[288];          // symbols ordered by code
    uint16_t fast[1 << kFastBits]; // (length << 9 | symbol) for short codes, 0 if longer
};

struct Bits {
    const uint8_t* in;
    size_t left;
    uint64_t buf;
    int count;
    bool overrun;
};

// Tops the bit buffer up to `need` bits if the input has them (peeking is no error).
inline bool fill(Bits& b, int need) {
    while (b.count < need) {
        if (b.left == 0) {
            return false;
        }
        b.buf |= static_cast<uint64_t>(*b.in++) << b.count;
        --b.left;
        b.count += 8;
    }
    return true;
}

inline uint32_t bits(Bits& b, int n) {
    if (n == 0) {
        return 0;
    }
    if (!fill(b, n)) {
        b.overrun = true;
        return 0;
    }
    uint32_t v = static_cast<uint32_t>(b.buf & ((1ull << n) - 1));
    b.buf >>= n;
    b.count -= n;
    return v;
}

inline uint32_t reverse(uint32_t code, int len) {
    uint32_t r = 0;
    for (int i = 0; i < len; ++i) {
        r = (r << 1) | ((code >> i) & 1);
    }
    return r;
}

// Builds the canonical code from code lengths. False if over-subscribed (incomplete codes
// are allowed, as zlib allows a single distance code).
inline bool build(Huffman& h, const uint8_t* lengths, int n) {
    for (int i = 0; i <= kMaxBits; ++i) {
        h.count[i] = 0;
    }
    for (int i = 0; i < n; ++i) {
        h.count[lengths[i]]++;
    }
    h.count[0] = 0;
    int left = 1;
    for (int len = 1; len <= kMaxBits; ++len) {
        left = (left << 1) - h.count[len];
        if (left < 0) {
            return false;
        }
    }
    uint16_t offs[kMaxBits + 1];
    offs[1] = 0;
    for (int len = 1; len < kMaxBits; ++len) {
        offs[len + 1] = static_cast<uint16_t>(offs[len] + h.count[len]);
    }
    for (int i = 0; i < n; ++i) {
        if (lengths[i] != 0) {
            h.symbol[offs[lengths[i]]++] = static_cast<uint16_t>(i);
        }
    }
    for (int i = 0; i < (1 << kFastBits); ++i) {
        h.fast[i] = 0;
    }
    // Short codes into the fast table, indexed by their bits in stream (reversed) order.
    uint32_t code = 0;
    int index = 0;
    for (int len = 1; len <= kFastBits; ++len) {
        for (int k = 0; k < h.count[len]; ++k, ++index, ++code) {
            uint32_t rev = reverse(code, len);
            for (uint32_t fill = rev; fill < (1u << kFastBits); fill += 1u << len) {
                h.fast[fill] = static_cast<uint16_t>(len << 9 | h.symbol[index]);
            }
        }
        code <<= 1;
    }
    return true;
}

// The next symbol, or -1 on a bad code or the end of input.
inline int decode(Bits& b, const Huffman& h) {
    fill(b, kMaxBits); // may fall short at the very end of the input
    uint16_t e = h.fast[b.buf & ((1u << kFastBits) - 1)];
    if (e != 0 && (e >> 9) <= b.count) {
        b.buf >>= e >> 9;
        b.count -= e >> 9;
        return e & 0x1ff;
    }
    // Longer codes: canonical decoding a bit at a time.
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
        if (b.count == 0) {
            return -1;
        }
        code |= static_cast<int>(b.buf & 1);
        b.buf >>= 1;
        b.count -= 1;
        int count = h.count[len];
        if (code - count < first) {
            return h.symbol[index + (code - first)];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

inline constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                             15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                             67, 83, 99, 115, 131, 163, 195, 227, 258};
inline constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                             2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
inline constexpr uint16_t kDistBase[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
inline constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                           6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
inline constexpr uint8_t kCodeLengthOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                 11, 4,  12, 3, 13, 2, 14, 1, 15};

} // namespace detail

// The decoder's state (about 2.6 KiB): let the caller place it (the boot stack).
struct Inflater {
    detail::Huffman lit;
    detail::Huffman dist;
    uint8_t lengths[288 + 32];
};

// Decodes the raw DEFLATE stream [in, in + inSize) into [out, out + outSize), which it must
// fill exactly. `st` is scratch.
inline Result inflate(Inflater& st, uint8_t* out, size_t outSize, const uint8_t* in,
                      size_t inSize) {
    using namespace detail;
    Bits b{in, inSize, 0, 0, false};
    size_t pos = 0;
    bool last = false;
    while (!last) {
        last = bits(b, 1) != 0;
        uint32_t type = bits(b, 2);
        if (b.overrun) {
            return Result::Corrupt;
        }
        if (type == 0) { // stored
            b.buf >>= b.count % 8;
            b.count -= b.count % 8;
            uint32_t len = bits(b, 16);
            uint32_t nlen = bits(b, 16);
            if (b.overrun || (len ^ 0xffff) != nlen) {
                return Result::Corrupt;
            }
            for (uint32_t i = 0; i < len; ++i) {
                uint32_t byte = bits(b, 8);
                if (b.overrun) {
                    return Result::Corrupt;
                }
                if (pos == outSize) {
                    return Result::TooLong;
                }
                out[pos++] = static_cast<uint8_t>(byte);
            }
            continue;
        }
        if (type == 3) {
            return Result::Corrupt;
        }
        if (type == 1) { // fixed codes
            for (int i = 0; i < 288; ++i) {
                st.lengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
            }
            for (int i = 0; i < 30; ++i) {
                st.lengths[288 + i] = 5;
            }
            build(st.lit, st.lengths, 288);
            build(st.dist, st.lengths + 288, 30);
        } else { // dynamic codes
            int nlen = static_cast<int>(bits(b, 5)) + 257;
            int ndist = static_cast<int>(bits(b, 5)) + 1;
            int ncode = static_cast<int>(bits(b, 4)) + 4;
            if (b.overrun || nlen > 286 || ndist > 30) {
                return Result::Corrupt;
            }
            uint8_t codeLengths[19];
            for (int i = 0; i < 19; ++i) {
                codeLengths[i] = 0;
            }
            for (int i = 0; i < ncode; ++i) {
                codeLengths[kCodeLengthOrder[i]] = static_cast<uint8_t>(bits(b, 3));
            }
            if (b.overrun || !build(st.lit, codeLengths, 19)) {
                return Result::Corrupt;
            }
            int n = 0;
            while (n < nlen + ndist) {
                int sym = decode(b, st.lit);
                if (sym < 0) {
                    return Result::Corrupt;
                }
                if (sym < 16) {
                    st.lengths[n++] = static_cast<uint8_t>(sym);
                    continue;
                }
                uint8_t value = 0;
                int repeat;
                if (sym == 16) {
                    if (n == 0) {
                        return Result::Corrupt;
                    }
                    value = st.lengths[n - 1];
                    repeat = 3 + static_cast<int>(bits(b, 2));
                } else if (sym == 17) {
                    repeat = 3 + static_cast<int>(bits(b, 3));
                } else {
                    repeat = 11 + static_cast<int>(bits(b, 7));
                }
                if (b.overrun || n + repeat > nlen + ndist) {
                    return Result::Corrupt;
                }
                while (repeat-- > 0) {
                    st.lengths[n++] = value;
                }
            }
            if (st.lengths[256] == 0 || !build(st.lit, st.lengths, nlen) ||
                !build(st.dist, st.lengths + nlen, ndist)) {
                return Result::Corrupt;
            }
        }
        for (;;) {
            int sym = decode(b, st.lit);
            if (sym < 0) {
                return Result::Corrupt;
            }
            if (sym < 256) {
                if (pos == outSize) {
                    return Result::TooLong;
                }
                out[pos++] = static_cast<uint8_t>(sym);
                continue;
            }
            if (sym == 256) {
                break;
            }
            sym -= 257;
            if (sym >= 29) {
                return Result::Corrupt;
            }
            size_t len = kLengthBase[sym] + bits(b, kLengthExtra[sym]);
            int dsym = decode(b, st.dist);
            if (dsym < 0 || dsym >= 30) {
                return Result::Corrupt;
            }
            size_t dist = kDistBase[dsym] + bits(b, kDistExtra[dsym]);
            if (b.overrun || dist > pos) {
                return Result::Corrupt;
            }
            if (len > outSize - pos) {
                return Result::TooLong;
            }
            for (size_t i = 0; i < len; ++i, ++pos) {
                out[pos] = out[pos - dist];
            }
        }
    }
    return pos == outSize ? Result::Ok : Result::Corrupt;
}

} // namespace uk::arch::inflate
