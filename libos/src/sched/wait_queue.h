// Blocking in the library OS: a thread that has to wait for something (input, a child, a
// futex, a timeout) sleeps on a WaitQueue until another thread or an interrupt handler wakes
// it, its deadline passes, or a signal arrives.
//
// Everything here runs with interrupts disabled (system calls do; interrupt handlers do), on
// one CPU, so "check the condition, then wait" cannot miss a wake-up:
//
//     while (!dataAvailable()) {
//         switch (readers.wait(deadline)) {
//         case WaitQueue::Wake::Woken: continue;           // look again
//         case WaitQueue::Wake::TimedOut: return -EAGAIN;  // or whatever the call says
//         case WaitQueue::Wake::Interrupted: return -EINTR;
//         }
//     }
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::sched {

struct Thread;

class WaitQueue {
public:
    enum class Wake {
        Woken,       // wakeOne/wakeAll picked this thread
        TimedOut,    // the deadline passed first
        Interrupted, // a signal is pending for the thread (only if interruptible)
    };

    constexpr WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Puts the current thread to sleep. `deadlineNs` is on CLOCK_MONOTONIC (0: none).
    Wake wait(uint64_t deadlineNs = 0, bool interruptible = true);

    // Wake the longest-waiting thread, up to `n` threads, or all of them; return how many.
    // Callable from interrupt handlers.
    size_t wakeOne() { return wake(1); }
    size_t wake(size_t n);
    size_t wakeAll() { return wake(~size_t{0}); }

    bool empty() const { return head_ == nullptr; }
    Thread* front() const { return head_; }

    // For the scheduler and futexes: link a thread at the tail, unlink it from wherever it
    // waits.
    void enqueue(Thread* t);
    static void unlink(Thread* t);

private:
    Thread* head_ = nullptr;
    Thread* tail_ = nullptr;
};

} // namespace uk::sched
