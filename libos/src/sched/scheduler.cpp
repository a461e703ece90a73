#include "scheduler.h"

#include <uk/arch/apic.h>
#include <uk/arch/context.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/hooks.h>

#include "../app/process.h"
#include "../base/new.h"
#include "../kernel/log.h"
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../time/clock.h"

namespace uk::sched {

namespace {

constexpr uint64_t kSliceNs = 10'000'000;
constexpr uint64_t kKernelStackSize = 32 * 1024;
constexpr size_t kStackCacheSize = 32;

Thread g_idle;
Thread* g_current = nullptr;
Thread* g_runHead = nullptr;
Thread* g_runTail = nullptr;
Thread* g_all = nullptr;
size_t g_count = 0;
int g_nextTid = 2;
bool g_needResched = false;
constinit void (*g_returnHook)() = nullptr; // atNextReturnToApp
uint64_t g_sliceEnd = 0;
uint64_t g_housekeeping = 0;
Timer* g_timers = nullptr;
Thread* g_zombie = nullptr;
uint64_t g_exitedTicks = 0;
memory::Stack g_stackCache[kStackCacheSize];
size_t g_stackCacheCount = 0;

void enqueueRun(Thread* t) {
    t->runNext = nullptr;
    if (g_runTail != nullptr) {
        g_runTail->runNext = t;
    } else {
        g_runHead = t;
    }
    g_runTail = t;
}

Thread* dequeueRun() {
    Thread* t = g_runHead;
    if (t != nullptr) {
        g_runHead = t->runNext;
        if (g_runHead == nullptr) {
            g_runTail = nullptr;
        }
        t->runNext = nullptr;
    }
    return t;
}

// The local APIC timer fires at the earliest of: the first kernel timer, the end of the
// current slice when another thread is waiting for the CPU, and the 1 Hz housekeeping tick.
void reprogram() {
    uint64_t next = g_housekeeping;
    if (g_timers != nullptr && g_timers->deadlineTsc < next) {
        next = g_timers->deadlineTsc;
    }
    if (g_runHead != nullptr && g_current != &g_idle && g_sliceEnd < next) {
        next = g_sliceEnd;
    }
    arch::apic::armTimer(next);
}

bool allocStack(memory::Stack* out) {
    if (g_stackCacheCount > 0) {
        *out = g_stackCache[--g_stackCacheCount];
        return true;
    }
    return memory::allocKernelStack(kKernelStackSize, out);
}

void releaseStack(const memory::Stack& s) {
    if (g_stackCacheCount < kStackCacheSize) {
        g_stackCache[g_stackCacheCount++] = s;
    }
    // Beyond the cache a stack's pages stay mapped and unused; threads rarely come and go
    // in such numbers.
}

// The FPU area, 64-byte aligned inside a heap block; the block's address is kept just below.
uint8_t* allocFpuArea() {
    size_t size = arch::fpuAreaSize();
    auto* raw = new (std::nothrow) uint8_t[size + arch::kFpuAreaAlign + sizeof(void*)];
    if (raw == nullptr) {
        return nullptr;
    }
    uintptr_t p = reinterpret_cast<uintptr_t>(raw) + sizeof(void*);
    p = (p + arch::kFpuAreaAlign - 1) & ~uintptr_t{arch::kFpuAreaAlign - 1};
    reinterpret_cast<uint8_t**>(p)[-1] = raw;
    return reinterpret_cast<uint8_t*>(p);
}

void freeFpuArea(uint8_t* area) {
    if (area != nullptr) {
        delete[] reinterpret_cast<uint8_t**>(area)[-1];
    }
}

void reap(Thread* t) {
    releaseStack(t->kstack);
    freeFpuArea(t->fpu);
    delete t;
}

// Runs in the context of the thread that has just been switched to.
void finishSwitch() {
    if (g_zombie != nullptr) {
        reap(g_zombie);
        g_zombie = nullptr;
    }
}

void switchTo(Thread* prev, Thread* next) {
    uint64_t now = arch::rdtsc();
    prev->cpuTicks += now - prev->runningSince;
    next->runningSince = now;
    if (prev != &g_idle && prev->state != ThreadState::Exited) {
        arch::saveFpu(prev->fpu);
        prev->fsBase = arch::readFsBase();
        prev->gsBase = arch::readGsBase();
    }
    if (next->process != nullptr) {
        mm::activate(next->process->as); // the idle thread runs on whatever is loaded
    }
    if (next != &g_idle) {
        arch::restoreFpu(next->fpu);
        arch::writeFsBase(next->fsBase);
        arch::writeGsBase(next->gsBase);
        arch::setSyscallStack(next->kstack.top);
    }
    next->state = ThreadState::Running;
    g_current = next;
    g_sliceEnd = now + clock::nsToTsc(kSliceNs);
    reprogram();
    arch::uk_context_switch(&prev->savedRsp, next->savedRsp);
    finishSwitch();
}

void schedule() {
    Thread* prev = g_current;
    if (prev->state == ThreadState::Running) {
        prev->state = ThreadState::Runnable;
        if (prev != &g_idle) {
            enqueueRun(prev);
        }
    }
    Thread* next = dequeueRun();
    if (next == nullptr) {
        next = &g_idle;
    }
    g_needResched = false;
    if (next == prev) {
        prev->state = ThreadState::Running;
        reprogram();
        return;
    }
    switchTo(prev, next);
}

[[noreturn]] void idleLoop() {
    for (;;) {
        arch::disableInterrupts();
        if (g_runHead != nullptr) {
            schedule();
            continue;
        }
        reprogram();
        arch::waitForInterrupt();
    }
}

void timerWake(Timer* t) {
    wake(static_cast<Thread*>(t->context), WaitQueue::Wake::TimedOut);
}

void linkThread(Thread* t) {
    t->allNext = g_all;
    g_all = t;
    ++g_count;
}

void unlinkThread(Thread* t) {
    for (Thread** p = &g_all; *p != nullptr; p = &(*p)->allNext) {
        if (*p == t) {
            *p = t->allNext;
            --g_count;
            return;
        }
    }
}

} // namespace

void armTimer(Timer* t, uint64_t deadlineNs) {
    cancelTimer(t);
    t->deadlineTsc = clock::bootTsc() + clock::nsToTsc(deadlineNs);
    Timer** p = &g_timers;
    while (*p != nullptr && (*p)->deadlineTsc <= t->deadlineTsc) {
        p = &(*p)->next;
    }
    t->next = *p;
    *p = t;
    t->armed = true;
    reprogram();
}

void cancelTimer(Timer* t) {
    if (!t->armed) {
        return;
    }
    for (Timer** p = &g_timers; *p != nullptr; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = nullptr;
}

Thread* init() {
    // The idle thread runs idleLoop on its own stack, in ring 0 with interrupts off.
    memory::Stack idleStack;
    if (!allocStack(&idleStack)) {
        log::panic("out of memory for the idle thread");
    }
    g_idle.tid = 0;
    g_idle.kstack = idleStack;
    uint64_t frameAddr = (idleStack.top - sizeof(arch::TrapFrame)) & ~uint64_t{15};
    arch::TrapFrame entry =
        arch::userFrame(reinterpret_cast<uint64_t>(&idleLoop), frameAddr - 8, 0x2);
    g_idle.savedRsp = arch::initialContext(idleStack.top, entry);
    g_idle.state = ThreadState::Runnable;

    auto* main = new (std::nothrow) Thread;
    if (main == nullptr || !allocStack(&main->kstack) || (main->fpu = allocFpuArea()) == nullptr) {
        log::panic("out of memory for the main thread");
    }
    main->tid = app::kPid;
    main->state = ThreadState::Running;
    main->runningSince = arch::rdtsc();
    arch::initFpuArea(main->fpu);
    linkThread(main);
    g_current = main;
    arch::setSyscallStack(main->kstack.top);
    g_housekeeping = arch::rdtsc() + clock::tscHz();
    reprogram();
    return main;
}

Thread* current() {
    return g_current;
}

Thread* firstThread() {
    return g_all;
}

Thread* findThread(int tid) {
    for (Thread* t = g_all; t != nullptr; t = t->allNext) {
        if (t->tid == tid) {
            return t;
        }
    }
    return nullptr;
}

size_t threadCount() {
    return g_count;
}

Thread* createThread(const arch::TrapFrame& user, proc::Process* process) {
    auto* t = new (std::nothrow) Thread;
    if (t == nullptr) {
        return nullptr;
    }
    if (!allocStack(&t->kstack)) {
        delete t;
        return nullptr;
    }
    t->fpu = allocFpuArea();
    if (t->fpu == nullptr) {
        releaseStack(t->kstack);
        delete t;
        return nullptr;
    }
    // Linux gives a new thread a copy of its creator's FPU state and thread pointers.
    arch::saveFpu(t->fpu);
    t->fsBase = arch::readFsBase();
    t->gsBase = arch::readGsBase();
    t->sigMask = g_current->sigMask;
    t->process = process;
    ++process->threads;
    t->tid = g_nextTid++;
    t->savedRsp = arch::initialContext(t->kstack.top, user);
    t->state = ThreadState::Runnable;
    linkThread(t);
    enqueueRun(t);
    return t;
}

void wake(Thread* t, WaitQueue::Wake reason) {
    WaitQueue::unlink(t);
    if (t->state != ThreadState::Blocked) {
        return;
    }
    cancelTimer(&t->wakeTimer);
    t->wakeReason = reason;
    t->state = ThreadState::Runnable;
    enqueueRun(t);
    if (g_current == &g_idle) {
        g_needResched = true;
    }
}

WaitQueue::Wake block(uint64_t deadlineNs, bool interruptible) {
    Thread* t = g_current;
    if (interruptible && signals::hasDeliverable(t)) {
        WaitQueue::unlink(t);
        return WaitQueue::Wake::Interrupted;
    }
    t->state = ThreadState::Blocked;
    t->interruptible = interruptible;
    t->wakeReason = WaitQueue::Wake::Woken;
    if (deadlineNs != 0) {
        t->wakeTimer.fire = timerWake;
        t->wakeTimer.context = t;
        armTimer(&t->wakeTimer, deadlineNs);
    }
    schedule();
    cancelTimer(&t->wakeTimer);
    return t->wakeReason;
}

WaitQueue::Wake sleepUntil(uint64_t deadlineNs, bool interruptible) {
    if (deadlineNs <= clock::monotonicNs()) {
        return WaitQueue::Wake::TimedOut;
    }
    return block(deadlineNs, interruptible);
}

void interrupt(Thread* t) {
    if (t->state == ThreadState::Blocked && t->interruptible) {
        wake(t, WaitQueue::Wake::Interrupted);
    }
}

void yield() {
    if (g_runHead != nullptr) {
        schedule();
    }
}

void exitCurrent() {
    Thread* t = g_current;
    unlinkThread(t);
    uint64_t now = arch::rdtsc();
    g_exitedTicks += t->cpuTicks + (now - t->runningSince);
    t->runningSince = now;
    t->state = ThreadState::Exited;
    g_zombie = t;
    schedule();
    log::panic("an exited thread was scheduled again");
}

uint64_t processCpuNs() {
    if (g_current->process != nullptr) {
        return proc::cpuNs(g_current->process);
    }
    uint64_t ticks = g_exitedTicks;
    uint64_t now = arch::rdtsc();
    for (Thread* t = g_all; t != nullptr; t = t->allNext) {
        ticks += t->cpuTicks + (t == g_current ? now - t->runningSince : 0);
    }
    return clock::tscToNs(ticks);
}

uint64_t threadCpuNs(const Thread* t) {
    uint64_t ticks = t->cpuTicks + (t == g_current ? arch::rdtsc() - t->runningSince : 0);
    return clock::tscToNs(ticks);
}

void onTimerInterrupt() {
    uint64_t now = arch::rdtsc();
    while (g_timers != nullptr && g_timers->deadlineTsc <= now) {
        Timer* t = g_timers;
        g_timers = t->next;
        t->next = nullptr;
        t->armed = false;
        t->fire(t);
    }
    if (now >= g_housekeeping) {
        g_housekeeping = now + clock::tscHz();
    }
    if (g_runHead != nullptr && g_current != &g_idle && now >= g_sliceEnd) {
        g_needResched = true;
    }
    reprogram();
}

arch::TrapFrame* trapExit(arch::TrapFrame& frame) {
    if (frame.rip >= arch::kUserTop || g_current == &g_idle) {
        return &frame; // back into the library OS: it reschedules at its own pace
    }
    if ((g_needResched && g_runHead != nullptr) || g_returnHook != nullptr) {
        // The frame is on an IST stack, which the next interrupt reuses: move it to this
        // thread's kernel stack (empty while the thread runs application code) and switch
        // there.
        auto* moved = reinterpret_cast<arch::TrapFrame*>(
            (g_current->kstack.top - sizeof(arch::TrapFrame)) & ~uint64_t{15});
        *moved = frame;
        return moved;
    }
    signals::deliver(frame);
    return &frame;
}

namespace {
void runReturnHook() {
    if (void (*fn)() = g_returnHook; fn != nullptr) {
        g_returnHook = nullptr;
        fn();
    }
}
} // namespace

void preempt(arch::TrapFrame& frame) {
    runReturnHook();
    schedule();
    signals::deliver(frame);
}

void syscallExit() {
    runReturnHook();
    if (g_needResched) {
        schedule();
    }
}

void atNextReturnToApp(void (*fn)()) {
    g_returnHook = fn;
}

} // namespace uk::sched

// The platform's upward hooks for threads.
void uk::arch::hooks::threadStarted(TrapFrame& frame) {
    sched::finishSwitch();
    if (frame.rip < kUserTop) {
        signals::deliver(frame);
    }
}

uk::arch::TrapFrame* uk::arch::hooks::trapExit(TrapFrame& frame) {
    return sched::trapExit(frame);
}

void uk::arch::hooks::preempt(TrapFrame& frame) {
    sched::preempt(frame);
}
