// Time keeping on the TSC: CLOCK_MONOTONIC counts from boot, CLOCK_REALTIME adds the wall
// clock read at boot. (Sleeping and timers are the scheduler's: sched/.)
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

} // namespace uk::clock
