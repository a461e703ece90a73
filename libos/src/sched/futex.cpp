#include "futex.h"

#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../syscalls/errno.h"
#include "scheduler.h"

namespace uk::sched {

namespace {

constexpr int kBuckets = 64;
WaitQueue g_buckets[kBuckets];

WaitQueue& bucketFor(uint64_t addr) {
    return g_buckets[(addr >> 2) % kBuckets];
}

// Futexes are keyed by address within one address space: threads of other processes
// waiting on the same number are not the same futex.
bool sameMemory(const Thread* t) {
    const Thread* self = current();
    return t->process != nullptr && self->process != nullptr && t->process->as == self->process->as;
}

bool validWord(uint64_t addr) {
    return addr % 4 == 0 && mm::addressSpace().canRead(addr, 4);
}

} // namespace

long futexWait(uint64_t addr, uint32_t expected, uint64_t deadlineNs, uint32_t bitset) {
    if (!validWord(addr)) {
        return addr % 4 ? -EINVAL : -EFAULT;
    }
    if (bitset == 0) {
        return -EINVAL;
    }
    // Interrupts are off and there is one CPU: nothing can change the word between this
    // check and the sleep, so no wake-up is missed.
    if (*reinterpret_cast<const volatile uint32_t*>(addr) != expected) {
        return -EAGAIN;
    }
    Thread* t = current();
    t->futexAddr = addr;
    t->futexBitset = bitset;
    switch (bucketFor(addr).wait(deadlineNs, true)) {
    case WaitQueue::Wake::Woken:
        return 0;
    case WaitQueue::Wake::TimedOut:
        return -ETIMEDOUT;
    case WaitQueue::Wake::Interrupted:
        return -EINTR;
    }
    return 0;
}

long futexWake(uint64_t addr, int n, uint32_t bitset) {
    if (addr % 4 != 0) {
        return -EINVAL;
    }
    if (bitset == 0) {
        return -EINVAL;
    }
    WaitQueue& q = bucketFor(addr);
    long woken = 0;
    Thread* t = q.front();
    while (t != nullptr && woken < n) {
        Thread* next = t->waitNext;
        if (t->futexAddr == addr && (t->futexBitset & bitset) != 0 && sameMemory(t)) {
            wake(t, WaitQueue::Wake::Woken);
            ++woken;
        }
        t = next;
    }
    return woken;
}

long futexRequeue(uint64_t addr, int nWake, int nRequeue, uint64_t addr2, bool compare,
                  uint32_t expected) {
    if (addr % 4 != 0 || addr2 % 4 != 0 || nWake < 0 || nRequeue < 0) {
        return -EINVAL;
    }
    if (compare) {
        if (!validWord(addr)) {
            return -EFAULT;
        }
        if (*reinterpret_cast<const volatile uint32_t*>(addr) != expected) {
            return -EAGAIN;
        }
    }
    long done = futexWake(addr, nWake, kFutexBitsetAny);
    WaitQueue& from = bucketFor(addr);
    WaitQueue& to = bucketFor(addr2);
    int moved = 0;
    Thread* t = from.front();
    while (t != nullptr && moved < nRequeue) {
        Thread* next = t->waitNext;
        if (t->futexAddr == addr && sameMemory(t)) {
            WaitQueue::unlink(t);
            t->futexAddr = addr2;
            to.enqueue(t);
            ++moved;
        }
        t = next;
    }
    return done + moved;
}

} // namespace uk::sched
