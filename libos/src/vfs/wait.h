// Blocking for the VFS (pipes, FIFOs, the console), over the scheduler's WaitQueue. On the
// host (unit tests) there is nobody to wait for: a wait reports Interrupted at once.
#pragma once

#include <stdint.h>

#include "../sched/wait_queue.h"

namespace uk::vfs {

enum class WaitResult { Woken, TimedOut, Interrupted };

// Sleeps until woken, the CLOCK_MONOTONIC deadline (0: none) or a signal. Callers check
// their condition first and again after every Woken (system calls run with interrupts
// off on one CPU, so no wake-up is lost in between).
WaitResult waitOn(sched::WaitQueue& queue, uint64_t deadlineNs = 0);
void wakeAll(sched::WaitQueue& queue);

} // namespace uk::vfs
