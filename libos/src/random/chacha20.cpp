#include "chacha20.h"

namespace uk::random {

namespace {
inline uint32_t rotl(uint32_t v, int n) {
    return (v << n) | (v >> (32 - n));
}
inline void quarter(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
    a += b;
    d ^= a;
    d = rotl(d, 16);
    c += d;
    b ^= c;
    b = rotl(b, 12);
    a += b;
    d ^= a;
    d = rotl(d, 8);
    c += d;
    b ^= c;
    b = rotl(b, 7);
}
} // namespace

void chacha20Block(const uint32_t key[8], uint64_t counter, const uint32_t nonce[2],
                   uint32_t out[16]) {
    uint32_t s[16] = {0x61707865,
                      0x3320646e,
                      0x79622d32,
                      0x6b206574,
                      key[0],
                      key[1],
                      key[2],
                      key[3],
                      key[4],
                      key[5],
                      key[6],
                      key[7],
                      static_cast<uint32_t>(counter),
                      static_cast<uint32_t>(counter >> 32),
                      nonce[0],
                      nonce[1]};
    uint32_t x[16];
    for (int i = 0; i < 16; ++i) {
        x[i] = s[i];
    }
    for (int round = 0; round < 10; ++round) {
        quarter(x[0], x[4], x[8], x[12]);
        quarter(x[1], x[5], x[9], x[13]);
        quarter(x[2], x[6], x[10], x[14]);
        quarter(x[3], x[7], x[11], x[15]);
        quarter(x[0], x[5], x[10], x[15]);
        quarter(x[1], x[6], x[11], x[12]);
        quarter(x[2], x[7], x[8], x[13]);
        quarter(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; ++i) {
        out[i] = x[i] + s[i];
    }
}

void ChaChaRng::mix(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
        key_[(i / 4) % 8] ^= uint32_t{p[i]} << (8 * (i % 4));
        if (i % 32 == 31) {
            rekey();
        }
    }
    rekey();
    seeded_ = true;
}

void ChaChaRng::rekey() {
    const uint32_t nonce[2] = {0x6b75, 0}; // "uk": the key changes, the nonce need not
    uint32_t block[16];
    chacha20Block(key_, counter_++, nonce, block);
    for (int i = 0; i < 8; ++i) {
        key_[i] = block[i];
    }
}

void ChaChaRng::fill(void* out, size_t size) {
    auto* dst = static_cast<uint8_t*>(out);
    const uint32_t nonce[2] = {0x6b75, 1};
    uint32_t block[16];
    while (size > 0) {
        chacha20Block(key_, counter_++, nonce, block);
        size_t n = size < 64 ? size : 64;
        for (size_t i = 0; i < n; ++i) {
            dst[i] = static_cast<uint8_t>(block[i / 4] >> (8 * (i % 4)));
        }
        dst += n;
        size -= n;
    }
    rekey();
}

} // namespace uk::random
