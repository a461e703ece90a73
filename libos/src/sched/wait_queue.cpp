#include "wait_queue.h"

#include "../kernel/signals.h"
#include "scheduler.h"

namespace uk::sched {

void WaitQueue::enqueue(Thread* t) {
    t->waitingOn = this;
    t->waitNext = nullptr;
    t->waitPrev = tail_;
    if (tail_ != nullptr) {
        tail_->waitNext = t;
    } else {
        head_ = t;
    }
    tail_ = t;
}

void WaitQueue::unlink(Thread* t) {
    WaitQueue* q = t->waitingOn;
    if (q == nullptr) {
        return;
    }
    if (t->waitPrev != nullptr) {
        t->waitPrev->waitNext = t->waitNext;
    } else {
        q->head_ = t->waitNext;
    }
    if (t->waitNext != nullptr) {
        t->waitNext->waitPrev = t->waitPrev;
    } else {
        q->tail_ = t->waitPrev;
    }
    t->waitingOn = nullptr;
    t->waitNext = t->waitPrev = nullptr;
}

WaitQueue::Wake WaitQueue::wait(uint64_t deadlineNs, bool interruptible) {
    Thread* t = current();
    if (interruptible && signals::hasDeliverable(t)) {
        return Wake::Interrupted;
    }
    enqueue(t);
    Wake w = block(deadlineNs, interruptible);
    unlink(t); // a timeout or signal leaves it linked
    return w;
}

size_t WaitQueue::wake(size_t n) {
    size_t woken = 0;
    while (head_ != nullptr && woken < n) {
        sched::wake(head_, Wake::Woken); // unlinks it
        ++woken;
    }
    return woken;
}

} // namespace uk::sched
