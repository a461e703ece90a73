// Time keeping on the TSC: CLOCK_MONOTONIC counts from boot, CLOCK_REALTIME adds the wall
// clock read at boot. Sleeping arms the local APIC timer and halts until the deadline.
#pragma once

#include <stdint.h>

namespace uk::clock {

void init(uint64_t tscHz);
// Sets the wall-clock time that corresponds to "now".
void setRealtimeNs(uint64_t ns);

uint64_t tscHz();
uint64_t monotonicNs();
uint64_t realtimeNs();
uint64_t tscToNs(uint64_t ticks);
uint64_t nsToTsc(uint64_t ns);
// The TSC value at the start of uk_boot_main: monotonic time zero.
uint64_t bootTsc();
void markBoot(uint64_t tsc);

// Halts (interrupts on) until monotonicNs() >= deadline. Returns early if `interrupted`
// becomes true (checked after every wake-up); may be null.
void sleepUntil(uint64_t deadlineNs, const volatile bool* interrupted = nullptr);

// A slow (1 Hz) tick while nothing else needs the timer, so that an application stuck in
// `hlt` (musl's a_crash) is noticed. The timer interrupt calls onTimerInterrupt().
void armHousekeeping();
void onTimerInterrupt();

} // namespace uk::clock
