// Threads and new processes: clone/clone3 for threads (CLONE_VM | CLONE_THREAD) and for
// vfork-style children (CLONE_VM | CLONE_VFORK, as vfork and posix_spawn make them), exit of
// one thread, futex, the thread id calls and the scheduler's knobs.
#include <uk/arch/context.h>
#include <uk/arch/cpu.h>

#include "../kernel/log.h"
#include "../kernel/machine.h"
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/futex.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;

enum : uint64_t {
    CLONE_VM = 0x100,
    CLONE_FS = 0x200,
    CLONE_FILES = 0x400,
    CLONE_SIGHAND = 0x800,
    CLONE_PIDFD = 0x1000,
    CLONE_PTRACE = 0x2000,
    CLONE_VFORK = 0x4000,
    CLONE_PARENT = 0x8000,
    CLONE_THREAD = 0x10000,
    CLONE_NEWNS = 0x20000,
    CLONE_SYSVSEM = 0x40000,
    CLONE_SETTLS = 0x80000,
    CLONE_PARENT_SETTID = 0x100000,
    CLONE_CHILD_CLEARTID = 0x200000,
    CLONE_DETACHED = 0x400000,
    CLONE_UNTRACED = 0x800000,
    CLONE_CHILD_SETTID = 0x1000000,
    CLONE_IO = 0x80000000,
};
constexpr uint64_t kCsignalMask = 0xff;
// Flags a thread clone may carry, all of which we honour or which mean nothing here.
constexpr uint64_t kThreadFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                  CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                  CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED |
                                  CLONE_UNTRACED | CLONE_IO;

bool reportedSharedMemoryProcess = false;

// The new thread's registers: it returns from the same system call with 0, on `stack` (or
// the caller's stack when 0).
arch::TrapFrame childFrame(uint64_t stack) {
    arch::SyscallFrame& f = *sched::current()->syscallFrame;
    arch::TrapFrame user = arch::frameAfterSyscall(f, 0);
    if (stack != 0) {
        user.rsp = stack;
    }
    return user;
}

// The CLONE_SETTLS and *_SETTID / CHILD_CLEARTID requests for a new thread (addresses
// already checked).
void applyCloneFlags(sched::Thread* t, uint64_t flags, uint64_t parentTid, uint64_t childTid,
                     uint64_t tls) {
    if (flags & CLONE_SETTLS) {
        t->fsBase = tls;
    }
    if (flags & CLONE_PARENT_SETTID) {
        *reinterpret_cast<int32_t*>(parentTid) = t->tid;
    }
    if (flags & CLONE_CHILD_SETTID) {
        *reinterpret_cast<int32_t*>(childTid) = t->tid;
    }
    if (flags & CLONE_CHILD_CLEARTID) {
        t->clearChildTid = childTid;
    }
}

// Flags a process clone may carry: vfork-style (posix_spawn: CLONE_VM | CLONE_VFORK |
// SIGCHLD; vfork(2) is the same without a new stack) and fork-style (glibc's fork:
// CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD).
constexpr uint64_t kProcessFlags = CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID |
                                   CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS |
                                   CLONE_DETACHED | CLONE_UNTRACED | CLONE_IO;

// A child process. With CLONE_VM it borrows the caller's memory until it calls execve or
// _exit, and the caller sleeps until then (vfork); without, it gets a copy of the caller's
// memory (fork: every resident page copied now, shared file mappings stay shared) and the
// caller goes on at once, unless CLONE_VFORK asks it to wait all the same.
long createProcess(uint64_t flags, uint64_t stack, uint64_t parentTid, uint64_t childTid,
                   uint64_t tls, int exitSignal) {
    if (flags & ~kProcessFlags) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if ((flags & CLONE_PARENT_SETTID) && !as.canWrite(parentTid, 4)) {
        return -EFAULT;
    }
    if ((flags & CLONE_CHILD_SETTID) && !as.canWrite(childTid, 4)) {
        return -EFAULT;
    }
    bool borrow = flags & CLONE_VM;
    proc::VforkWait wait;
    proc::VforkWait* waiter = (flags & CLONE_VFORK) ? &wait : nullptr;
    proc::Process* child = borrow ? proc::createVforkChild(exitSignal, waiter)
                                  : proc::createForkChild(exitSignal, waiter);
    if (child == nullptr) {
        return -ENOMEM;
    }
    sched::Thread* t = sched::createThread(childFrame(stack), child);
    if (t == nullptr) {
        proc::discardChild(child);
        return -EAGAIN;
    }
    child->pid = t->tid; // a process's id is its first thread's
    if (!borrow) {
        t->altStack = sched::current()->altStack; // a fork child keeps its sigaltstack
    }
    // The child's tid goes into the child's memory: its own copy after a fork.
    applyCloneFlags(t, flags & ~CLONE_CHILD_SETTID, parentTid, childTid, tls);
    if (flags & CLONE_CHILD_SETTID) {
        child->as->pokeInt32(childTid, t->tid);
    }
    int pid = child->pid;
    if (waiter != nullptr) {
        proc::waitForVforkChild(waiter); // the child runs now (it is on the run queue)
    }
    return pid;
}

long createThread(uint64_t flags, uint64_t stack, uint64_t parentTid, uint64_t childTid,
                  uint64_t tls, int exitSignal) {
    if (!(flags & CLONE_VM)) {
        return createProcess(flags, stack, parentTid, childTid, tls, exitSignal);
    }
    if (!(flags & CLONE_THREAD)) {
        if (!(flags & CLONE_VFORK)) {
            // A process sharing memory with its parent for good (CLONE_VM alone).
            if (!reportedSharedMemoryProcess) {
                reportedSharedMemoryProcess = true;
                log::notice("clone with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK is "
                            "not supported: returning ENOSYS");
            }
            return -ENOSYS;
        }
        return createProcess(flags, stack, parentTid, childTid, tls, exitSignal);
    }
    // Linux's own consistency rules.
    if (!(flags & CLONE_SIGHAND) || (flags & kCsignalMask) != 0 || exitSignal != 0) {
        return -EINVAL;
    }
    if (flags & ~kThreadFlags) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if ((flags & CLONE_PARENT_SETTID) && !as.canWrite(parentTid, 4)) {
        return -EFAULT;
    }
    if ((flags & CLONE_CHILD_SETTID) && !as.canWrite(childTid, 4)) {
        return -EFAULT;
    }
    sched::Thread* t = sched::createThread(childFrame(stack), proc::current());
    if (t == nullptr) {
        return -EAGAIN;
    }
    // A new thread does not inherit the alternate signal stack (a new Thread has none).
    applyCloneFlags(t, flags, parentTid, childTid, tls);
    return t->tid;
}

long sysClone(Flags flags, unsigned long stack, void* parentTid, void* childTid,
              unsigned long tls) {
    // The low byte is the signal the parent gets when a child process ends.
    int exitSignal = static_cast<int>(flags.value & kCsignalMask);
    if (exitSignal > signals::kCount) {
        return -EINVAL;
    }
    return createThread(flags.value & ~kCsignalMask, stack, reinterpret_cast<uint64_t>(parentTid),
                        reinterpret_cast<uint64_t>(childTid), tls, exitSignal);
}

long sysFork() {
    return createProcess(0, 0, 0, 0, 0, signals::SIGCHLD);
}

long sysVfork() {
    return createProcess(CLONE_VM | CLONE_VFORK, 0, 0, 0, 0, signals::SIGCHLD);
}

struct CloneArgs {
    uint64_t flags, pidfd, childTid, parentTid, exitSignal, stack, stackSize, tls, setTid,
        setTidSize, cgroup;
};

long sysClone3(const void* args, size_t size) {
    if (size < 64 || size > 4096) {
        return -EINVAL;
    }
    if (!addressSpace().canRead(reinterpret_cast<uint64_t>(args), size)) {
        return -EFAULT;
    }
    CloneArgs a{};
    const auto* src = static_cast<const uint8_t*>(args);
    auto* dst = reinterpret_cast<uint8_t*>(&a);
    for (size_t i = 0; i < size && i < sizeof a; ++i) {
        dst[i] = src[i];
    }
    for (size_t i = sizeof a; i < size; ++i) {
        if (src[i] != 0) {
            return -E2BIG; // a newer kernel's field we do not know
        }
    }
    if (a.setTidSize != 0 || (a.flags & CLONE_PIDFD) || (a.flags & kCsignalMask) != 0 ||
        a.exitSignal > static_cast<uint64_t>(signals::kCount)) {
        return -EINVAL;
    }
    uint64_t top = a.stack != 0 ? a.stack + a.stackSize : 0;
    return createThread(a.flags, top, a.parentTid, a.childTid, a.tls,
                        static_cast<int>(a.exitSignal));
}

// The end of one thread: clear_child_tid gets 0 and a futex wake (pthread_join waits on it).
[[noreturn]] void sysExit(int status) {
    sched::Thread* t = sched::current();
    if (t->clearChildTid != 0 && addressSpace().canWrite(t->clearChildTid, 4)) {
        *reinterpret_cast<int32_t*>(t->clearChildTid) = 0;
        sched::futexWake(t->clearChildTid, 1, sched::kFutexBitsetAny);
    }
    proc::exitThread(status);
}

long sysSetTidAddress(int* tidptr) {
    sched::Thread* t = sched::current();
    t->clearChildTid = reinterpret_cast<uint64_t>(tidptr);
    return t->tid;
}

long sysGettid() {
    return sched::current()->tid;
}

long sysSetRobustList(void* head, size_t len) {
    if (len != 24) {
        return -EINVAL;
    }
    sched::Thread* t = sched::current();
    t->robustList = reinterpret_cast<uint64_t>(head);
    t->robustListLength = len;
    return 0;
}

long sysGetRobustList(int tid, void* headPtr, void* lenPtr) {
    sched::Thread* t = tid == 0 ? sched::current() : sched::findThread(tid);
    if (t == nullptr) {
        return -ESRCH;
    }
    auto& as = addressSpace();
    if (!as.canWrite(reinterpret_cast<uint64_t>(headPtr), 8) ||
        !as.canWrite(reinterpret_cast<uint64_t>(lenPtr), 8)) {
        return -EFAULT;
    }
    *static_cast<uint64_t*>(headPtr) = t->robustList;
    *static_cast<uint64_t*>(lenPtr) = t->robustListLength;
    return 0;
}

constexpr int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
              FUTEX_WAKE_OP = 5, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
constexpr int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;

struct Timespec {
    int64_t sec, nsec;
};

// Reads a futex timeout: relative for FUTEX_WAIT, absolute (monotonic or realtime clock) for
// FUTEX_WAIT_BITSET. Returns a CLOCK_MONOTONIC deadline in *deadline (0: none).
long futexDeadline(const void* timeout, bool absolute, bool realtime, uint64_t* deadline) {
    *deadline = 0;
    if (timeout == nullptr) {
        return 0;
    }
    if (!addressSpace().canRead(reinterpret_cast<uint64_t>(timeout), sizeof(Timespec))) {
        return -EFAULT;
    }
    Timespec ts = *static_cast<const Timespec*>(timeout);
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1'000'000'000) {
        return -EINVAL;
    }
    uint64_t ns = static_cast<uint64_t>(ts.sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.nsec);
    uint64_t now = clock::monotonicNs();
    if (!absolute) {
        *deadline = now + ns;
    } else if (realtime) {
        uint64_t wall = clock::realtimeNs();
        *deadline = ns > wall ? now + (ns - wall) : now;
    } else {
        *deadline = ns;
    }
    if (*deadline == 0) {
        *deadline = 1; // already due, but not "no deadline"
    }
    return 0;
}

// FUTEX_WAKE_OP's operation on *uaddr2; returns false for an unknown operation.
bool wakeOp(uint32_t encoded, uint32_t* word, uint32_t* oldValue, bool* condition) {
    uint32_t op = (encoded >> 28) & 7;
    bool shift = (encoded >> 31) & 1;
    uint32_t cmp = (encoded >> 24) & 15;
    uint32_t oparg = (encoded >> 12) & 0xfff;
    uint32_t cmparg = encoded & 0xfff;
    if (shift) {
        oparg = 1u << (oparg & 31);
    }
    uint32_t old = *word;
    switch (op) {
    case 0:
        *word = oparg;
        break;
    case 1:
        *word = old + oparg;
        break;
    case 2:
        *word = old | oparg;
        break;
    case 3:
        *word = old & ~oparg;
        break;
    case 4:
        *word = old ^ oparg;
        break;
    default:
        return false;
    }
    *oldValue = old;
    int32_t o = static_cast<int32_t>(old), c = static_cast<int32_t>(cmparg);
    switch (cmp) {
    case 0:
        *condition = o == c;
        break;
    case 1:
        *condition = o != c;
        break;
    case 2:
        *condition = o < c;
        break;
    case 3:
        *condition = o <= c;
        break;
    case 4:
        *condition = o > c;
        break;
    case 5:
        *condition = o >= c;
        break;
    default:
        return false;
    }
    return true;
}

long sysFutex(void* uaddr, int op, unsigned val, void* timeout, void* uaddr2, unsigned val3) {
    uint64_t addr = reinterpret_cast<uint64_t>(uaddr);
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT) {
        return -ENOSYS;
    }
    // For the requeue operations the "timeout" argument is a count (val2).
    uint64_t val2 = reinterpret_cast<uint64_t>(timeout);
    uint64_t deadline;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? sched::kFutexBitsetAny : val3;
        if (long e = futexDeadline(timeout, cmd == FUTEX_WAIT_BITSET, realtime, &deadline);
            e != 0) {
            return e;
        }
        long r = sched::futexWait(addr, val, deadline, bitset);
        // Without a timeout the wait restarts transparently after a handler, as on Linux.
        return (r == -EINTR && timeout == nullptr) ? -signals::kRestartSys : r;
    }
    case FUTEX_WAKE:
        return sched::futexWake(addr, static_cast<int>(val), sched::kFutexBitsetAny);
    case FUTEX_WAKE_BITSET:
        return sched::futexWake(addr, static_cast<int>(val), val3);
    case FUTEX_REQUEUE:
        return sched::futexRequeue(addr, static_cast<int>(val), static_cast<int>(val2),
                                   reinterpret_cast<uint64_t>(uaddr2), false, 0);
    case FUTEX_CMP_REQUEUE:
        return sched::futexRequeue(addr, static_cast<int>(val), static_cast<int>(val2),
                                   reinterpret_cast<uint64_t>(uaddr2), true, val3);
    case FUTEX_WAKE_OP: {
        uint64_t addr2 = reinterpret_cast<uint64_t>(uaddr2);
        if (addr2 % 4 != 0 || !addressSpace().canWrite(addr2, 4)) {
            return addr2 % 4 ? -EINVAL : -EFAULT;
        }
        uint32_t old;
        bool condition;
        if (!wakeOp(val3, reinterpret_cast<uint32_t*>(addr2), &old, &condition)) {
            return -ENOSYS;
        }
        long woken = sched::futexWake(addr, static_cast<int>(val), sched::kFutexBitsetAny);
        if (condition) {
            woken += sched::futexWake(addr2, static_cast<int>(val2), sched::kFutexBitsetAny);
        }
        return woken;
    }
    default:
        return -ENOSYS; // PI futexes, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI...
    }
}

long sysSchedYield() {
    sched::yield();
    return 0;
}

// The mask holds every vCPU of the VM (what the application may size its thread pools by).
long sysSchedGetaffinity(int pid, size_t size, void* mask) {
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    int cpus = machine::cpuCount();
    size_t bytes = ((static_cast<size_t>(cpus) + 63) / 64) * 8;
    if (size < bytes || size % 8 != 0) {
        return -EINVAL;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(mask), bytes)) {
        return -EFAULT;
    }
    auto* words = static_cast<uint64_t*>(mask);
    for (size_t w = 0; w < bytes / 8; ++w) {
        int inWord = cpus - static_cast<int>(w * 64);
        words[w] = inWord >= 64 ? ~0ull : (1ull << inWord) - 1;
    }
    return static_cast<long>(bytes);
}

long sysSchedSetaffinity(int pid, size_t size, const void* mask) {
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    if (size < 8 || !addressSpace().canRead(reinterpret_cast<uint64_t>(mask), 8)) {
        return size < 8 ? -EINVAL : -EFAULT;
    }
    return (*static_cast<const uint64_t*>(mask) & 1) ? 0 : -EINVAL;
}

long sysSchedGetscheduler(int pid) {
    return (pid == 0 || sched::findThread(pid) != nullptr) ? 0 : -ESRCH; // SCHED_OTHER
}
long sysSchedSetscheduler(int pid, int policy, const void*) {
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    return (policy == 0 || policy == 3 || policy == 5) ? 0 : -EPERM; // OTHER, BATCH, IDLE
}
long sysSchedGetparam(int pid, void* param) {
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(param), 4)) {
        return -EFAULT;
    }
    *static_cast<int32_t*>(param) = 0;
    return 0;
}
long sysSchedSetparam(int pid, const void*) {
    return (pid == 0 || sched::findThread(pid) != nullptr) ? 0 : -ESRCH;
}
long sysSchedGetPriorityMax(int policy) {
    return (policy == 1 || policy == 2) ? 99 : 0;
}
long sysSchedGetPriorityMin(int policy) {
    return (policy == 1 || policy == 2) ? 1 : 0;
}
long sysGetpriority(int which, int who) {
    return (which >= 0 && which <= 2) ? 20 : -EINVAL; // nice 0, in the kernel's 40-nice form
}
long sysSetpriority(int which, int who, int prio) {
    return (which >= 0 && which <= 2) ? 0 : -EINVAL;
}

} // namespace

UK_SYSCALL(clone, sysClone, Partial,
           "threads (CLONE_VM|CLONE_THREAD), vfork-style processes (CLONE_VM|CLONE_VFORK) and "
           "fork (copied memory, no copy-on-write yet); no namespaces, pidfds or ptrace");
UK_SYSCALL(clone3, sysClone3, Partial, "as clone; no set_tid or pidfd");
UK_SYSCALL(vfork, sysVfork, Implemented, "");
UK_SYSCALL(fork, sysFork, Partial,
           "the child gets a copy of every resident page at once (no copy-on-write yet); "
           "MAP_SHARED anonymous memory is copied, not shared");
UK_SYSCALL(exit, sysExit, Implemented, "");
UK_SYSCALL_BEFORE_START(set_tid_address, sysSetTidAddress, Implemented, "");
UK_SYSCALL_BEFORE_START(gettid, sysGettid, Implemented, "");
UK_SYSCALL_BEFORE_START(
    set_robust_list, sysSetRobustList, Partial,
    "recorded; the list is not walked when a thread dies (no robust mutexes yet)");
UK_SYSCALL(get_robust_list, sysGetRobustList, Implemented, "");
UK_SYSCALL(futex, sysFutex, Partial,
           "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; no PI futexes");
UK_SYSCALL_BEFORE_START(sched_yield, sysSchedYield, Implemented, "");
UK_SYSCALL_BEFORE_START(sched_getaffinity, sysSchedGetaffinity, Partial,
                        "reports the VM's vCPUs; threads run on the first one for now");
UK_SYSCALL(sched_setaffinity, sysSchedSetaffinity, Partial, "only masks that include CPU 0");
UK_SYSCALL(sched_getscheduler, sysSchedGetscheduler, Implemented, "");
UK_SYSCALL(sched_setscheduler, sysSchedSetscheduler, Partial,
           "SCHED_OTHER/BATCH/IDLE accepted; real-time policies EPERM");
UK_SYSCALL(sched_getparam, sysSchedGetparam, Implemented, "");
UK_SYSCALL(sched_setparam, sysSchedSetparam, NoOp, "one scheduling class: priorities do not apply");
UK_SYSCALL(sched_get_priority_max, sysSchedGetPriorityMax, Implemented, "");
UK_SYSCALL(sched_get_priority_min, sysSchedGetPriorityMin, Implemented, "");
UK_SYSCALL(getpriority, sysGetpriority, Partial, "always nice 0");
UK_SYSCALL(setpriority, sysSetpriority, NoOp, "one scheduling class: nice values do not apply");

} // namespace uk::sys
