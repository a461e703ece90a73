// One-shot kernel timers on the TSC, kept in deadline order; the local APIC timer is armed
// for the earliest. Callbacks run in the timer interrupt (interrupts off).
#pragma once

#include <stdint.h>

namespace uk::sched {

struct Timer {
    uint64_t deadlineTsc = 0;
    void (*fire)(Timer* timer) = nullptr;
    void* context = nullptr;
    Timer* next = nullptr;
    bool armed = false;
};

// Arms (or re-arms) `t` for CLOCK_MONOTONIC time `deadlineNs`.
void armTimer(Timer* t, uint64_t deadlineNs);
void cancelTimer(Timer* t);

} // namespace uk::sched
