#include "entropy.h"

#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/hex_digit.h>
#include <uk/image_format.h>

#include "../kernel/cmdline.h"
#include "../kernel/log.h"

namespace uk::random {

namespace {
ChaChaRng g_rng;

bool rdrand64(uint64_t* out) {
    for (int tries = 0; tries < 10; ++tries) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok) {
            return true;
        }
    }
    return false;
}

} // namespace

ChaChaRng& rng() {
    return g_rng;
}

const char* seedAtBoot(const CommandLine& cmdline) {
    bool fromRdrand = false;
    if (arch::cpuFeatures().rdrand) {
        uint64_t words[4];
        fromRdrand = true;
        for (auto& w : words) {
            fromRdrand = fromRdrand && rdrand64(&w);
        }
        if (fromRdrand) {
            g_rng.mix(words, sizeof words);
        }
    }
    bool fromHost = false;
    if (const char* seed = cmdline.value(image::kOptSeed); seed != nullptr) {
        uint8_t bytes[32];
        size_t n = 0;
        for (; n < sizeof bytes && hexDigitValue(seed[2 * n]) >= 0 &&
               hexDigitValue(seed[2 * n + 1]) >= 0;
             ++n) {
            bytes[n] = static_cast<uint8_t>(hexDigitValue(seed[2 * n]) * 16 +
                                            hexDigitValue(seed[2 * n + 1]));
        }
        if (n == sizeof bytes) {
            g_rng.mix(bytes, n);
            fromHost = true;
        } else {
            log::notice("ignoring %s: expected 64 hex digits", image::kOptSeed);
        }
    }
    // Always mix in timing jitter; alone it is weak, so say so.
    uint64_t jitter[8];
    for (auto& j : jitter) {
        j = arch::rdtsc();
    }
    g_rng.mix(jitter, sizeof jitter);
    if (fromRdrand && fromHost) {
        return "rdrand + host seed";
    }
    if (fromRdrand) {
        return "rdrand";
    }
    if (fromHost) {
        return "host seed (uk.seed)";
    }
    log::notice("no RDRAND and no uk.seed: random numbers are seeded from TSC jitter only");
    return "tsc jitter only (weak)";
}

} // namespace uk::random
