#include "wait.h"

namespace uk::vfs {

#if defined(UK_GUEST)

WaitResult waitOn(sched::WaitQueue& queue, uint64_t deadlineNs) {
    switch (queue.wait(deadlineNs, true)) {
    case sched::WaitQueue::Wake::Woken:
        return WaitResult::Woken;
    case sched::WaitQueue::Wake::TimedOut:
        return WaitResult::TimedOut;
    case sched::WaitQueue::Wake::Interrupted:
        break;
    }
    return WaitResult::Interrupted;
}

void wakeAll(sched::WaitQueue& queue) {
    queue.wakeAll();
}

#else

WaitResult waitOn(sched::WaitQueue&, uint64_t) {
    return WaitResult::Interrupted;
}

void wakeAll(sched::WaitQueue&) {}

#endif

} // namespace uk::vfs
