// The scheduler: threads on one CPU, preemptive (10 ms slices when more than one thread is
// runnable), tickless otherwise. All of it runs with interrupts disabled.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <uk/arch/trap.h>

#include "thread.h"

namespace uk::sched {

// At boot: creates the idle thread and the application's main thread (tid 1), which becomes
// the current thread. Returns the main thread.
Thread* init();

Thread* current();
Thread* findThread(int tid);
size_t threadCount();
// Calls fn(thread) for every live thread.
template <typename Fn>
void forEachThread(Fn&& fn);
Thread* firstThread();

// A new thread of `process` that starts at `user` (its first instruction, registers and
// stack), with a copy of the current thread's FPU state. nullptr when memory is exhausted.
Thread* createThread(const arch::TrapFrame& user, proc::Process* process);

// Makes a blocked or new thread runnable; `reason` is what its wait returns.
void wake(Thread* t, WaitQueue::Wake reason);
// Blocks the current thread until wake() or the deadline (CLOCK_MONOTONIC ns, 0 = none).
// A pending signal ends an interruptible block at once.
WaitQueue::Wake block(uint64_t deadlineNs, bool interruptible);
// Sleeps until the deadline; Interrupted if a signal came first.
WaitQueue::Wake sleepUntil(uint64_t deadlineNs, bool interruptible = true);

// Gives up the CPU to the next runnable thread, if any.
void yield();
// Ends the current thread; never returns. The last thread's exit is the process's.
[[noreturn]] void exitCurrent();

// A signal is pending for `t`: end its interruptible wait.
void interrupt(Thread* t);

// Total CPU time of the current process and of one thread, in ns.
uint64_t processCpuNs();
uint64_t threadCpuNs(const Thread* t);

// The timer interrupt (from kernel/traps.cpp).
void onTimerInterrupt();

// Called at every return to the application from an interrupt or exception. Returns the
// frame to resume: the same one, or a copy on the current thread's kernel stack when the
// thread must give up the CPU (preempt() then switches on that stack).
arch::TrapFrame* trapExit(arch::TrapFrame& frame);
void preempt(arch::TrapFrame& frame);

// Called at the end of every system call, before returning to the application.
void syscallExit();

// Runs fn once, at the current application thread's next return to the application (from a
// system call or an interrupt), on that thread's kernel stack, where it may block. One at a
// time; set from interrupt handlers (the start gate parks a program that runs ahead).
void atNextReturnToApp(void (*fn)());

} // namespace uk::sched

#include "scheduler_inl.h"
