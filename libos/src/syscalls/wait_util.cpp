#include "wait_util.h"

#include "../kernel/signals.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "fs_user.h"

namespace uk::sys {

long CallSigmask::install(const void* user, size_t size) {
    if (user == nullptr) {
        return 0;
    }
    if (size != 8) {
        return -EINVAL;
    }
    uint64_t mask;
    if (copyIn(&mask, user, sizeof mask) != 0) {
        return -EFAULT;
    }
    sched::Thread* t = sched::current();
    t->savedSigMask = t->sigMask;
    t->restoreSigMask = true;
    signals::setMask(mask);
    installed_ = true;
    return 0;
}

long CallSigmask::finish(long result) {
    if (installed_ && result != -EINTR && result != -signals::kRestartNoHandler &&
        result != -signals::kRestartSys) {
        sched::Thread* t = sched::current();
        t->sigMask = t->savedSigMask;
        t->restoreSigMask = false;
    }
    return result;
}

long readTimeout(const void* user, uint64_t* deadline, bool* poll) {
    *deadline = 0;
    *poll = false;
    if (user == nullptr) {
        return 0;
    }
    timeutil::Timespec ts;
    if (copyIn(&ts, user, sizeof ts) != 0) {
        return -EFAULT;
    }
    if (!timeutil::valid(ts)) {
        return -EINVAL;
    }
    uint64_t ns = timeutil::toNs(ts);
    if (ns == 0) {
        *poll = true;
    } else {
        *deadline = timeutil::after(clock::monotonicNs(), ns);
    }
    return 0;
}

void writeTimeLeft(void* user, uint64_t deadline, bool timeval) {
    if (user == nullptr || deadline == 0) {
        return;
    }
    uint64_t left = timeutil::left(clock::monotonicNs(), deadline);
    if (timeval) {
        timeutil::Timeval tv = timeutil::toTimeval(left);
        (void)copyOut(user, &tv, sizeof tv);
    } else {
        timeutil::Timespec ts = timeutil::fromNs(left);
        (void)copyOut(user, &ts, sizeof ts);
    }
}

} // namespace uk::sys
