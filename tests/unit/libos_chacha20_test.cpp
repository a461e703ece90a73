// ChaCha20 against the RFC 7539 block test vector, and the generator's basic promises.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include "random/chacha20.h"

TEST_CASE("chacha20: RFC 7539 section 2.3.2 block") {
    uint32_t key[8];
    for (int i = 0; i < 8; ++i) {
        key[i] = static_cast<uint32_t>(4 * i) | static_cast<uint32_t>(4 * i + 1) << 8 |
                 static_cast<uint32_t>(4 * i + 2) << 16 | static_cast<uint32_t>(4 * i + 3) << 24;
    }
    // RFC layout: 32-bit counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00. Ours is a
    // 64-bit counter and 64-bit nonce; the same 128 bits of state.
    uint64_t counter = (uint64_t{0x09000000} << 32) | 1;
    const uint32_t nonce[2] = {0x4a000000, 0};
    uint32_t out[16];
    uk::random::chacha20Block(key, counter, nonce, out);
    const uint32_t expect[16] = {0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3,
                                 0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
                                 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
                                 0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
    for (int i = 0; i < 16; ++i) {
        CHECK(out[i] == expect[i]);
    }
}

TEST_CASE("chacha rng: seeded outputs differ and never repeat a block") {
    uk::random::ChaChaRng a, b;
    CHECK_FALSE(a.seeded());
    a.mix("seed one", 8);
    b.mix("seed two", 8);
    CHECK(a.seeded());
    uint8_t x[64], y[64], z[64];
    a.fill(x, sizeof x);
    b.fill(y, sizeof y);
    a.fill(z, sizeof z);
    CHECK(std::memcmp(x, y, sizeof x) != 0);
    CHECK(std::memcmp(x, z, sizeof x) != 0);
}
