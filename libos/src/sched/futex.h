// Futexes: threads wait on a 32-bit word in application memory until another thread wakes
// that address. Waiters sit on one of a few hashed wait queues, tagged with their address.
#pragma once

#include <stdint.h>

namespace uk::sched {

inline constexpr uint32_t kFutexBitsetAny = 0xffffffffu;

// FUTEX_WAIT: sleeps if *addr == expected (else -EAGAIN) until woken (0), the deadline passes
// (-ETIMEDOUT; CLOCK_MONOTONIC ns, 0 = none) or a signal comes (-EINTR).
long futexWait(uint64_t addr, uint32_t expected, uint64_t deadlineNs, uint32_t bitset);
// FUTEX_WAKE: wakes up to n waiters on addr whose bitset intersects `bitset`.
long futexWake(uint64_t addr, int n, uint32_t bitset);
// FUTEX_REQUEUE / CMP_REQUEUE: wakes nWake, moves up to nRequeue more to addr2.
long futexRequeue(uint64_t addr, int nWake, int nRequeue, uint64_t addr2, bool compare,
                  uint32_t expected);

} // namespace uk::sched
