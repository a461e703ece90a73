// The futex2 calls of Linux 6.7 (futex_wake, futex_wait): 32-bit futexes with an explicit
// size flag, a bitmask and an absolute timeout on a chosen clock, over the same futex
// queues as futex(2).
#include "../kernel/signals.h"
#include "../sched/futex.h"
#include "../time/clock.h"
#include "../time/timespec.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

namespace tu = timeutil;

constexpr unsigned kFutex2SizeMask = 3, kFutex2SizeU32 = 2, kFutex2Numa = 4, kFutex2Private = 128;
constexpr int kClockRealtime = 0, kClockMonotonic = 1;

// Linux supports only 32-bit futexes so far, and uk no NUMA-aware ones.
long checkFlags(unsigned flags) {
    if (flags & ~(kFutex2SizeMask | kFutex2Numa | kFutex2Private)) {
        return -EINVAL;
    }
    if ((flags & kFutex2SizeMask) != kFutex2SizeU32 || (flags & kFutex2Numa)) {
        return -EINVAL;
    }
    return 0;
}

long sysFutexWake(void* uaddr, unsigned long mask, int nr, unsigned flags) {
    if (long e = checkFlags(flags); e != 0) {
        return e;
    }
    if (mask == 0 || (mask >> 32) != 0) {
        return -EINVAL;
    }
    if (nr <= 0) {
        return 0;
    }
    return sched::futexWake(reinterpret_cast<uint64_t>(uaddr), nr, static_cast<uint32_t>(mask));
}

long sysFutexWait(void* uaddr, unsigned long val, unsigned long mask, unsigned flags,
                  const void* timeout, int clockid) {
    if (long e = checkFlags(flags); e != 0) {
        return e;
    }
    if ((val >> 32) != 0 || mask == 0 || (mask >> 32) != 0) {
        return -EINVAL;
    }
    uint64_t deadline = 0;
    if (timeout != nullptr) {
        if (clockid != kClockRealtime && clockid != kClockMonotonic) {
            return -EINVAL;
        }
        tu::Timespec ts;
        if (copyIn(&ts, timeout, sizeof ts) != 0) {
            return -EFAULT;
        }
        if (!tu::valid(ts)) {
            return -EINVAL;
        }
        // The timeout is absolute on its clock; the futex queues count on the monotonic one.
        uint64_t at = tu::toNs(ts);
        uint64_t now = clockid == kClockRealtime ? clock::realtimeNs() : clock::monotonicNs();
        deadline = tu::after(clock::monotonicNs(), tu::left(now, at));
    }
    long r = sched::futexWait(reinterpret_cast<uint64_t>(uaddr), static_cast<uint32_t>(val),
                              deadline, static_cast<uint32_t>(mask));
    if (r != -EINTR) {
        return r;
    }
    // As Linux: without a timeout the wait restarts after a handler (SA_RESTART) or when none
    // runs; with one only when none runs (its deadline is absolute, so nothing is lost).
    return timeout == nullptr ? -signals::kRestartSys : -signals::kRestartNoHandler;
}

} // namespace

UK_SYSCALL(futex_wake, sysFutexWake, Implemented, "");
UK_SYSCALL(futex_wait, sysFutexWait, Implemented, "");

} // namespace uk::sys
