#include "wait.h"

#include "../base/new.h"

namespace uk::vfs {

namespace {

// Hooks by queue address. Few queues have hooks at any time (the files someone polls or an
// epoll instance watches), so a small table of chains keeps wakeAll() cheap for the queues
// that have none, which is nearly every call.
constexpr size_t kBuckets = 64;
constinit PollHook* g_hooks[kBuckets] = {};

size_t bucketOf(const sched::WaitQueue* q) {
    auto a = reinterpret_cast<uintptr_t>(q);
    return ((a >> 4) ^ (a >> 10)) % kBuckets;
}

void notifyHooks(sched::WaitQueue& queue) {
    PollHook* h = g_hooks[bucketOf(&queue)];
    while (h != nullptr) {
        // The successor is read first so that a notify may remove its own hook. (None
        // removes another: notifies only record the event and wake queues.)
        PollHook* next = h->next;
        if (h->queue == &queue) {
            h->notify(h);
        }
        h = next;
    }
}

} // namespace

void addHook(PollHook* hook, sched::WaitQueue& queue) {
    PollHook*& head = g_hooks[bucketOf(&queue)];
    hook->queue = &queue;
    hook->prev = nullptr;
    hook->next = head;
    if (head != nullptr) {
        head->prev = hook;
    }
    head = hook;
}

void removeHook(PollHook* hook) {
    if (hook->queue == nullptr) {
        return;
    }
    if (hook->prev != nullptr) {
        hook->prev->next = hook->next;
    } else {
        g_hooks[bucketOf(hook->queue)] = hook->next;
    }
    if (hook->next != nullptr) {
        hook->next->prev = hook->prev;
    }
    hook->queue = nullptr;
    hook->next = hook->prev = nullptr;
}

// ---- MultiWait ---------------------------------------------------------------------------

MultiWait::~MultiWait() {
    for (size_t i = 0; i < count_; ++i) {
        removeHook(hookAt(i));
    }
    delete[] extra_;
}

bool MultiWait::reserve(size_t n) {
    if (n <= cap_) {
        return true;
    }
    extra_ = new (std::nothrow) PollHook[n - kInline];
    if (extra_ == nullptr) {
        return false;
    }
    cap_ = n;
    return true;
}

void MultiWait::watch(sched::WaitQueue& queue) {
    // Descriptors often share a queue (0, 1 and 2 on the console; both ends of a pipe).
    // Looking back a few hooks catches those without a quadratic scan of a large set.
    size_t back = count_ < 16 ? count_ : 16;
    for (size_t i = count_ - back; i < count_; ++i) {
        if (hookAt(i)->queue == &queue) {
            return;
        }
    }
    if (count_ == cap_) {
        return; // the caller reserved one per file: cannot happen
    }
    PollHook* h = hookAt(count_++);
    h->notify = onWake;
    h->context = this;
    addHook(h, queue);
}

void MultiWait::onWake(PollHook* hook) {
    auto* self = static_cast<MultiWait*>(hook->context);
    self->fired_ = true;
    wakeAll(self->sleeper_);
}

WaitResult MultiWait::wait(uint64_t deadlineNs) {
    if (fired_) {
        fired_ = false;
        return WaitResult::Woken;
    }
    WaitResult r = waitOn(sleeper_, deadlineNs);
    fired_ = false;
    return r;
}

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
    notifyHooks(queue);
}

#else

WaitResult waitOn(sched::WaitQueue&, uint64_t) {
    return WaitResult::Interrupted;
}

// No threads to wake on the host, but hooks run, so unit tests see epoll's bookkeeping.
void wakeAll(sched::WaitQueue& queue) {
    notifyHooks(queue);
}

#endif

} // namespace uk::vfs
