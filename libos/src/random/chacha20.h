// ChaCha20-based random generator for getrandom() and AT_RANDOM, with fast key erasure:
// every request re-keys from the keystream, so past outputs cannot be recomputed from the
// state.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::random {

void chacha20Block(const uint32_t key[8], uint64_t counter, const uint32_t nonce[2],
                   uint32_t out[16]);

class ChaChaRng {
public:
    // Mixes bytes into the key (seeding and reseeding; any length).
    void mix(const void* data, size_t size);
    void fill(void* out, size_t size);
    bool seeded() const { return seeded_; }

private:
    void rekey();
    uint32_t key_[8] = {};
    uint64_t counter_ = 0;
    bool seeded_ = false;
};

} // namespace uk::random
