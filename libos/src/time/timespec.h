// Time arithmetic shared by the calls that take timeouts and timers (poll, select, epoll,
// timerfd, POSIX timers): struct timespec checks and conversions that saturate instead of
// overflowing, and how many times a repeating timer has expired. Plain functions, so the
// host unit tests check them too.
#pragma once

#include <stdint.h>

namespace uk::timeutil {

inline constexpr uint64_t kNsPerSec = 1'000'000'000ull;
// Far enough to mean "never", small enough that adding a clock value cannot overflow.
inline constexpr uint64_t kForever = ~0ull / 4;

// struct timespec / struct timeval as the x86_64 ABI has them.
struct Timespec {
    int64_t sec;
    int64_t nsec;
};
struct Timeval {
    int64_t sec;
    int64_t usec;
};
// struct itimerspec.
struct Itimerspec {
    Timespec interval;
    Timespec value;
};

inline constexpr bool valid(const Timespec& t) {
    return t.sec >= 0 && t.nsec >= 0 && static_cast<uint64_t>(t.nsec) < kNsPerSec;
}

// A valid timespec in ns, at most kForever.
inline constexpr uint64_t toNs(const Timespec& t) {
    auto s = static_cast<uint64_t>(t.sec);
    if (s >= kForever / kNsPerSec) {
        return kForever;
    }
    return s * kNsPerSec + static_cast<uint64_t>(t.nsec);
}

inline constexpr Timespec fromNs(uint64_t ns) {
    return Timespec{static_cast<int64_t>(ns / kNsPerSec), static_cast<int64_t>(ns % kNsPerSec)};
}

inline constexpr Timeval toTimeval(uint64_t ns) {
    return Timeval{static_cast<int64_t>(ns / kNsPerSec),
                   static_cast<int64_t>((ns % kNsPerSec) / 1000)};
}

// now + delay, at most kForever.
inline constexpr uint64_t after(uint64_t now, uint64_t delay) {
    return delay >= kForever || now >= kForever - delay ? kForever : now + delay;
}

// Time left until `deadline` (0 once it has passed).
inline constexpr uint64_t left(uint64_t now, uint64_t deadline) {
    return deadline > now ? deadline - now : 0;
}

// A timer due at `deadline` that repeats every `interval` ns (0: once), looked at `now`:
// how many expirations have happened, and when the next one is due (0: none).
struct Expiry {
    uint64_t count;
    uint64_t next;
};
inline constexpr Expiry expire(uint64_t now, uint64_t deadline, uint64_t interval) {
    if (deadline == 0 || now < deadline) {
        return Expiry{0, deadline};
    }
    if (interval == 0) {
        return Expiry{1, 0};
    }
    uint64_t periods = (now - deadline) / interval + 1;
    return Expiry{periods, after(deadline, periods * interval)};
}

} // namespace uk::timeutil
