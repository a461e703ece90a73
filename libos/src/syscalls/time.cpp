// Clocks and sleeping.
#include "../mm/address_space.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;

struct Timespec {
    int64_t sec;
    int64_t nsec;
};
struct Timeval {
    int64_t sec;
    int64_t usec;
};

constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2,
              kClockThreadCputime = 3, kClockMonotonicRaw = 4, kClockRealtimeCoarse = 5,
              kClockMonotonicCoarse = 6, kClockBoottime = 7, kClockRealtimeAlarm = 8,
              kClockBoottimeAlarm = 9, kClockTai = 11;
constexpr int kTimerAbstime = 1;

// Returns false for clocks Linux does not have (EINVAL).
bool readClock(int clock, uint64_t* ns) {
    switch (clock) {
    case kClockRealtime:
    case kClockRealtimeCoarse:
    case kClockRealtimeAlarm:
    case kClockTai:
        *ns = clock::realtimeNs();
        return true;
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockMonotonicCoarse:
    case kClockBoottime:
    case kClockBoottimeAlarm:
        *ns = clock::monotonicNs();
        return true;
    case kClockProcessCputime:
        *ns = sched::processCpuNs();
        return true;
    case kClockThreadCputime:
        *ns = sched::threadCpuNs(sched::current());
        return true;
    default:
        return false;
    }
}

Timespec toTimespec(uint64_t ns) {
    return Timespec{static_cast<int64_t>(ns / 1'000'000'000ull),
                    static_cast<int64_t>(ns % 1'000'000'000ull)};
}

long sysClockGettime(int clock, void* out) {
    uint64_t ns;
    if (!readClock(clock, &ns)) {
        return -EINVAL;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(out), sizeof(Timespec))) {
        return -EFAULT;
    }
    *static_cast<Timespec*>(out) = toTimespec(ns);
    return 0;
}

long sysClockGetres(int clock, void* out) {
    uint64_t ns;
    if (!readClock(clock, &ns)) {
        return -EINVAL;
    }
    if (out == nullptr) {
        return 0;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(out), sizeof(Timespec))) {
        return -EFAULT;
    }
    *static_cast<Timespec*>(out) = Timespec{0, 1};
    return 0;
}

long sysGettimeofday(void* tv, void* tz) {
    auto& as = addressSpace();
    if (tv != nullptr) {
        if (!as.canWrite(reinterpret_cast<uint64_t>(tv), sizeof(Timeval))) {
            return -EFAULT;
        }
        uint64_t ns = clock::realtimeNs();
        *static_cast<Timeval*>(tv) = Timeval{static_cast<int64_t>(ns / 1'000'000'000ull),
                                             static_cast<int64_t>((ns % 1'000'000'000ull) / 1000)};
    }
    if (tz != nullptr) {
        if (!as.canWrite(reinterpret_cast<uint64_t>(tz), 8)) {
            return -EFAULT;
        }
        static_cast<int32_t*>(tz)[0] = 0; // UTC
        static_cast<int32_t*>(tz)[1] = 0;
    }
    return 0;
}

long sysTime(void* out) {
    int64_t sec = static_cast<int64_t>(clock::realtimeNs() / 1'000'000'000ull);
    if (out != nullptr) {
        if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(out), 8)) {
            return -EFAULT;
        }
        *static_cast<int64_t*>(out) = sec;
    }
    return sec;
}

// Reads and validates a timespec argument.
long readTimespec(const void* p, uint64_t* ns) {
    if (!addressSpace().canRead(reinterpret_cast<uint64_t>(p), sizeof(Timespec))) {
        return -EFAULT;
    }
    Timespec t = *static_cast<const Timespec*>(p);
    if (t.sec < 0 || t.nsec < 0 || t.nsec >= 1'000'000'000) {
        return -EINVAL;
    }
    uint64_t s = static_cast<uint64_t>(t.sec);
    *ns =
        s > 0x7fff'ffff'ffffull ? ~0ull / 2 : s * 1'000'000'000ull + static_cast<uint64_t>(t.nsec);
    return 0;
}

long sleepFor(int clock, int flags, const void* request, void* remain) {
    uint64_t ns, now;
    if (!readClock(clock, &now) || clock == kClockThreadCputime) {
        return -EINVAL;
    }
    if (long e = readTimespec(request, &ns); e != 0) {
        return e;
    }
    if (remain != nullptr &&
        !addressSpace().canWrite(reinterpret_cast<uint64_t>(remain), sizeof(Timespec))) {
        return -EFAULT;
    }
    // A deadline on the monotonic clock, which the scheduler's timers use.
    uint64_t mono = clock::monotonicNs();
    uint64_t delay = (flags & kTimerAbstime) ? (ns > now ? ns - now : 0) : ns;
    uint64_t deadline = delay > ~0ull / 2 - mono ? ~0ull / 2 : mono + delay;
    if (sched::sleepUntil(deadline) == sched::WaitQueue::Wake::Interrupted) {
        // EINTR with the time left (relative sleeps), as Linux reports it.
        if (remain != nullptr && !(flags & kTimerAbstime)) {
            uint64_t left = deadline > clock::monotonicNs() ? deadline - clock::monotonicNs() : 0;
            *static_cast<Timespec*>(remain) = toTimespec(left);
        }
        return -EINTR;
    }
    if (remain != nullptr) {
        *static_cast<Timespec*>(remain) = Timespec{0, 0};
    }
    return 0;
}

long sysNanosleep(const void* request, void* remain) {
    return sleepFor(kClockMonotonic, 0, request, remain);
}

long sysClockNanosleep(int clock, int flags, const void* request, void* remain) {
    return sleepFor(clock, flags, request, remain);
}

} // namespace

UK_SYSCALL(clock_gettime, sysClockGettime, Implemented, "");
UK_SYSCALL(clock_getres, sysClockGetres, Implemented, "");
UK_SYSCALL(gettimeofday, sysGettimeofday, Implemented, "");
UK_SYSCALL(time, sysTime, Implemented, "");
UK_SYSCALL(nanosleep, sysNanosleep, Implemented, "");
UK_SYSCALL(clock_nanosleep, sysClockNanosleep, Implemented, "");

} // namespace uk::sys
