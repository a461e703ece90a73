// A thread of the application: its kernel stack and saved kernel context, the user state that
// is not in registers while it is switched out (FPU/SSE/AVX, FS/GS base), its signal state,
// and its place in the run queue, a wait queue and the timer list.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <uk/arch/trap.h>

#include "../kernel/memory.h"
#include "timer.h"
#include "wait_queue.h"

namespace uk::proc {
struct Process;
}

namespace uk::sched {

enum class ThreadState : uint8_t { Runnable, Running, Blocked, Exited };

struct SignalStack {
    uint64_t sp = 0;
    int32_t flags = 2; // SS_DISABLE
    uint64_t size = 0;
};

struct Thread {
    int tid = 0;
    proc::Process* process = nullptr; // null for the idle thread and once the thread ended
    ThreadState state = ThreadState::Runnable;

    memory::Stack kstack{};
    uint64_t savedRsp = 0; // kernel stack pointer while switched out

    uint8_t* fpu = nullptr; // fpuAreaSize() bytes, 64-byte aligned
    uint64_t fsBase = 0;
    uint64_t gsBase = 0;

    arch::SyscallFrame* syscallFrame = nullptr; // the system call being served, if any

    uint64_t clearChildTid = 0; // set_tid_address / CLONE_CHILD_CLEARTID
    uint64_t futexAddr = 0;     // while blocked in FUTEX_WAIT
    uint32_t futexBitset = 0;
    uint64_t robustList = 0;
    uint64_t robustListLength = 0;

    // Signals: the mask, signals sent to this thread, and the alternate stack.
    uint64_t sigMask = 0;
    uint64_t sigPending = 0;
    SignalStack altStack{};
    uint64_t savedSigMask = 0; // rt_sigsuspend's mask, restored once a handler has run
    uint64_t sigWaitMask = 0;  // rt_sigtimedwait: blocked signals that still wake the thread
    bool restoreSigMask = false;
    int32_t sigCodes[65] = {};   // si_code of each pending thread-directed signal
    int32_t sigSenders[65] = {}; // si_pid of each
    uint64_t faultAddr = 0;      // si_addr of a pending fault signal

    // Scheduling.
    Thread* runNext = nullptr;
    WaitQueue* waitingOn = nullptr;
    Thread* waitNext = nullptr;
    Thread* waitPrev = nullptr;
    bool interruptible = false;
    WaitQueue::Wake wakeReason = WaitQueue::Wake::Woken;
    Timer wakeTimer{};

    // CPU time, in TSC ticks.
    uint64_t cpuTicks = 0;
    uint64_t runningSince = 0;

    Thread* allNext = nullptr; // every live thread
};

} // namespace uk::sched
