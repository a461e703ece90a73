// Blocking for the VFS (pipes, FIFOs, the console), over the scheduler's WaitQueue. On the
// host (unit tests) there is nobody to wait for: a wait reports Interrupted at once.
//
// Waiting on many files at once (poll, select, epoll) uses hooks: a PollHook registered on
// a file's poll queue is called by every wakeAll() of that queue, in the waker's context
// (possibly an interrupt handler), so it may only record the event and wake someone. A
// thread in poll() registers one hook per file, each waking the one queue it sleeps on; an
// epoll instance keeps a hook on every file it watches, which moves the file to its ready
// list. A thread can sleep on one WaitQueue only, which is why this is a layer of its own.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../sched/wait_queue.h"

namespace uk::vfs {

enum class WaitResult { Woken, TimedOut, Interrupted };

// Sleeps until woken, the CLOCK_MONOTONIC deadline (0: none) or a signal. Callers check
// their condition first and again after every Woken (system calls run with interrupts
// off on one CPU, so no wake-up is lost in between).
WaitResult waitOn(sched::WaitQueue& queue, uint64_t deadlineNs = 0);
// Wakes every thread sleeping on `queue`, then calls the hooks registered on it. Every
// change of a File's poll() result must come with a wakeAll of its pollQueue().
void wakeAll(sched::WaitQueue& queue);

struct PollHook {
    void (*notify)(PollHook* hook) = nullptr;
    void* context = nullptr;
    // Set while registered.
    sched::WaitQueue* queue = nullptr;
    PollHook* next = nullptr;
    PollHook* prev = nullptr;
};

// Registers `hook` (not registered yet) on `queue`; removes it again (a no-op if it is not
// registered). The queue itself is never touched: a hook may outlive its queue's object only
// if it is removed before anything else could be placed at the same address.
void addHook(PollHook* hook, sched::WaitQueue& queue);
void removeHook(PollHook* hook);

// A thread's wait on several queues at once (poll, select): hooks on each wake one private
// queue. `fired()` says whether any of them was woken since the last wait, so nothing is lost
// between looking at the files and going to sleep.
class MultiWait {
public:
    MultiWait() = default;
    MultiWait(const MultiWait&) = delete;
    MultiWait& operator=(const MultiWait&) = delete;
    ~MultiWait();

    // Room for `n` queues in all; false when memory is exhausted (ENOMEM for the caller).
    // Call once, before watch(); hooks never move once registered.
    bool reserve(size_t n);
    // Watches `queue` too (once, however often it is passed), within the reserved room.
    void watch(sched::WaitQueue& queue);
    size_t watched() const { return count_; }
    bool fired() const { return fired_; }

    // Woken as soon as a watched queue has been woken since the last call (at once if that
    // already happened), else as waitOn().
    WaitResult wait(uint64_t deadlineNs);

private:
    static constexpr size_t kInline = 8;
    static void onWake(PollHook* hook);

    sched::WaitQueue sleeper_;
    bool fired_ = false;
    PollHook inline_[kInline];
    PollHook* extra_ = nullptr; // reserve() beyond kInline
    size_t count_ = 0;
    size_t cap_ = kInline;
    PollHook* hookAt(size_t i) { return i < kInline ? &inline_[i] : &extra_[i - kInline]; }
};

} // namespace uk::vfs
