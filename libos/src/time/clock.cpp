#include "clock.h"

#include <uk/arch/cpu.h>

namespace uk::clock {

namespace {
uint64_t g_hz = 0;
uint64_t g_baseTsc = 0;
uint64_t g_nsPerTickFp = 0;  // ns per tick, 32.32 fixed point
uint64_t g_ticksPerNsFp = 0; // ticks per ns, 32.32 fixed point
int64_t g_realtimeOffset = 0;

uint64_t mulShift(uint64_t a, uint64_t fp) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * fp) >> 32);
}
} // namespace

void init(uint64_t tscHz) {
    g_hz = tscHz;
    g_nsPerTickFp = (1'000'000'000ull << 32) / tscHz;
    // tscHz * 2^32 / 1e9 in 64-bit arithmetic (no 128-bit division in the library OS).
    constexpr uint64_t kNsPerSec = 1'000'000'000ull;
    g_ticksPerNsFp = ((tscHz / kNsPerSec) << 32) + ((tscHz % kNsPerSec) << 32) / kNsPerSec;
}

void setRealtimeNs(uint64_t ns) {
    g_realtimeOffset = static_cast<int64_t>(ns - monotonicNs());
}

uint64_t tscHz() {
    return g_hz;
}
uint64_t bootTsc() {
    return g_baseTsc;
}
void markBoot(uint64_t tsc) {
    g_baseTsc = tsc;
}
uint64_t tscToNs(uint64_t ticks) {
    return mulShift(ticks, g_nsPerTickFp);
}
uint64_t nsToTsc(uint64_t ns) {
    return mulShift(ns, g_ticksPerNsFp);
}
uint64_t monotonicNs() {
    return tscToNs(arch::rdtsc() - g_baseTsc);
}
uint64_t realtimeNs() {
    return monotonicNs() + static_cast<uint64_t>(g_realtimeOffset);
}

} // namespace uk::clock
