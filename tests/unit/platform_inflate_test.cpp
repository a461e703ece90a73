// The boot-time DEFLATE decoder against zlib: every compression level, stored blocks, long
// back references, and corrupt or truncated streams, which must fail cleanly (ASan watches).
#include <doctest/doctest.h>

#include <uk/arch/inflate.h>
#include <uk/toolchain/image_compressor.h>
#include <zlib.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using uk::toolchain::deflateRaw;

uk::arch::inflate::Result inflateInto(std::string& out, const std::string& in) {
    static uk::arch::inflate::Inflater st;
    return uk::arch::inflate::inflate(st, reinterpret_cast<uint8_t*>(out.data()), out.size(),
                                      reinterpret_cast<const uint8_t*>(in.data()), in.size());
}

std::string sample(size_t n, unsigned seed) {
    // Text-like with repeats (long matches) and some noise (literals).
    std::mt19937 rng(seed);
    std::string s;
    const char* words[] = {"uk ", "library ", "operating ", "system ", "\n", "0123456789"};
    while (s.size() < n) {
        if (rng() % 5 == 0) {
            s += static_cast<char>(rng());
        } else {
            s += words[rng() % 6];
        }
    }
    s.resize(n);
    return s;
}

} // namespace

TEST_CASE("inflate: round trips with zlib at every level") {
    using uk::arch::inflate::Result;
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{70000}, size_t{300000}}) {
        std::string data = sample(n, static_cast<unsigned>(n));
        for (int level : {0, 1, 6, 9}) {
            std::string z = deflateRaw(data, level);
            std::string back(data.size(), '\0');
            CAPTURE(n);
            CAPTURE(level);
            CHECK(inflateInto(back, z) == Result::Ok);
            CHECK(back == data);
        }
    }
    // All zeros: maximal-length matches at distance 1.
    std::string zeros(200000, '\0');
    std::string back(zeros.size(), 'x');
    CHECK(inflateInto(back, deflateRaw(zeros, 9)) == Result::Ok);
    CHECK(back == zeros);
}

TEST_CASE("inflate: a wrong output size, truncation and corruption fail cleanly") {
    using uk::arch::inflate::Result;
    std::string data = sample(50000, 7);
    std::string z = deflateRaw(data, 9);
    std::string small(data.size() - 1, '\0');
    CHECK(inflateInto(small, z) == Result::TooLong);
    std::string big(data.size() + 1, '\0');
    CHECK(inflateInto(big, z) == Result::Corrupt);
    std::string out(data.size(), '\0');
    CHECK(inflateInto(out, z.substr(0, z.size() / 2)) != Result::Ok);
    std::mt19937 rng(1);
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
        std::string bad = z;
        for (int k = 0; k < 3; ++k) {
            bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        }
        failures += inflateInto(out, bad) != Result::Ok;
    }
    CHECK(failures > 250); // a flipped bit can survive in literal data; no crash either way
}
