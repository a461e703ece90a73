// Resource usage and process attributes beyond identity: getrusage, times, personality,
// I/O priorities, getcpu, the scheduler's time slice and attributes, membarrier, kcmp, and
// the two calls that exist only as parts of other mechanisms (rseq, restart_syscall).
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "../time/timespec.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

namespace tu = timeutil;

// ---- getrusage, times ---------------------------------------------------------------------

constexpr int kRusageSelf = 0, kRusageChildren = -1, kRusageThread = 1;

struct Rusage {
    tu::Timeval utime;
    tu::Timeval stime;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
        nsignals, nvcsw, nivcsw;
};
static_assert(sizeof(Rusage) == 144);

long sysGetrusage(int who, void* out) {
    Rusage ru{};
    switch (who) {
    case kRusageSelf:
        // The library OS runs in the application's ring and address space, so its CPU time
        // cannot be told apart from the application's: all of it counts as user time.
        ru.utime = tu::toTimeval(proc::cpuNs(proc::current()));
        ru.maxrss = static_cast<int64_t>(mm::addressSpace().residentPages() * 4); // KiB
        break;
    case kRusageThread:
        ru.utime = tu::toTimeval(sched::threadCpuNs(sched::current()));
        ru.maxrss = static_cast<int64_t>(mm::addressSpace().residentPages() * 4);
        break;
    case kRusageChildren:
        ru.utime = tu::toTimeval(proc::current()->childrenNs); // the children waited for
        break;
    default:
        return -EINVAL;
    }
    return copyOut(out, &ru, sizeof ru);
}

constexpr uint64_t kUserHz = 100; // clock_t ticks, USER_HZ on x86_64

long sysTimes(void* out) {
    if (out != nullptr) {
        constexpr uint64_t kNsPerTick = tu::kNsPerSec / kUserHz;
        proc::Process* p = proc::current();
        int64_t tms[4] = {static_cast<int64_t>(proc::cpuNs(p) / kNsPerTick), 0,
                          static_cast<int64_t>(p->childrenNs / kNsPerTick),
                          0}; // utime, stime, cutime, cstime
        if (copyOut(out, tms, sizeof tms) != 0) {
            return -EFAULT;
        }
    }
    // Ticks since an arbitrary point in the past: boot.
    return static_cast<long>(clock::monotonicNs() / (tu::kNsPerSec / kUserHz));
}

// ---- personality ----------------------------------------------------------------------------

constexpr unsigned kPerLinux = 0, kPersonalityQuery = 0xffffffff;

long sysPersonality(unsigned persona) {
    if (persona == kPersonalityQuery || persona == kPerLinux) {
        return kPerLinux;
    }
    // Other execution domains and flags (ADDR_NO_RANDOMIZE, STICKY_TIMEOUTS, ...) would
    // change how later calls behave; none of that is implemented, so none is accepted.
    return -EINVAL;
}

// ---- I/O priority -------------------------------------------------------------------------

constexpr int kIoprioWhoProcess = 1, kIoprioWhoPgrp = 2, kIoprioWhoUser = 3;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioClassNone = 0, kIoprioClassIdle = 3;
// Linux's default for a task that never set one: best effort, level 4.
constexpr int kIoprioDefault = (2 << kIoprioClassShift) | 4;
// One value for every process: processes come from one program here, and I/O priorities
// are not applied anyway.
constinit int g_ioprio = kIoprioDefault;

long checkIoprioTarget(int which, int who) {
    switch (which) {
    case kIoprioWhoProcess:
        return who == 0 || sched::findThread(who) != nullptr ? 0 : -ESRCH;
    case kIoprioWhoPgrp:
        return who == 0 || who == proc::current()->pgid ? 0 : -ESRCH;
    case kIoprioWhoUser:
        return who == 0 ? 0 : -ESRCH; // root is the only user with processes
    default:
        return -EINVAL;
    }
}

long sysIoprioGet(int which, int who) {
    long e = checkIoprioTarget(which, who);
    return e < 0 ? e : g_ioprio;
}

long sysIoprioSet(int which, int who, int ioprio) {
    if (long e = checkIoprioTarget(which, who); e < 0) {
        return e;
    }
    int cls = ioprio >> kIoprioClassShift;
    int data = ioprio & ((1 << kIoprioClassShift) - 1);
    if (cls < kIoprioClassNone || cls > kIoprioClassIdle || (cls != kIoprioClassIdle && data > 7) ||
        (cls == kIoprioClassNone && data != 0)) {
        return -EINVAL;
    }
    g_ioprio = cls == kIoprioClassNone ? kIoprioDefault : ioprio;
    return 0;
}

// ---- CPUs and scheduling --------------------------------------------------------------------

long sysGetcpu(void* cpu, void* node, void*) {
    uint32_t zero = 0; // every thread runs on the first vCPU, in NUMA node 0
    if (cpu != nullptr && copyOut(cpu, &zero, sizeof zero) != 0) {
        return -EFAULT;
    }
    if (node != nullptr && copyOut(node, &zero, sizeof zero) != 0) {
        return -EFAULT;
    }
    return 0;
}

constexpr uint64_t kSliceNs = 10'000'000; // the scheduler's time slice

long sysSchedRrGetInterval(int pid, void* out) {
    if (pid < 0) {
        return -EINVAL;
    }
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    tu::Timespec ts = tu::fromNs(kSliceNs);
    return copyOut(out, &ts, sizeof ts);
}

// struct sched_attr, as of Linux 5.3 (SCHED_ATTR_SIZE_VER1).
struct SchedAttr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t utilMin, utilMax;
};
static_assert(sizeof(SchedAttr) == 56);
constexpr uint32_t kSchedAttrSizeVer0 = 48;
constexpr uint32_t kSchedOther = 0, kSchedBatch = 3, kSchedIdle = 5;

long sysSchedGetattr(int pid, void* attr, unsigned size, unsigned flags) {
    if (pid < 0 || attr == nullptr || size < kSchedAttrSizeVer0 || size > 4096 || flags != 0) {
        return -EINVAL;
    }
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    // Every thread is SCHED_OTHER at nice 0 (what sched_getscheduler and getpriority say).
    SchedAttr a{};
    a.size = size < sizeof a ? size : sizeof a;
    a.policy = kSchedOther;
    a.utilMax = 1024;
    return copyOut(attr, &a, a.size);
}

long sysSchedSetattr(int pid, const void* attr, unsigned flags) {
    if (pid < 0 || attr == nullptr || flags != 0) {
        return -EINVAL;
    }
    uint32_t size;
    if (copyIn(&size, attr, sizeof size) != 0) {
        return -EFAULT;
    }
    if (size == 0) {
        size = kSchedAttrSizeVer0;
    }
    if (size < kSchedAttrSizeVer0 || size > 4096) {
        return -E2BIG;
    }
    SchedAttr a{};
    if (copyIn(&a, attr, size < sizeof a ? size : sizeof a) != 0) {
        return -EFAULT;
    }
    if (pid != 0 && sched::findThread(pid) == nullptr) {
        return -ESRCH;
    }
    if (a.policy != kSchedOther && a.policy != kSchedBatch && a.policy != kSchedIdle) {
        return a.policy <= 6 ? -EPERM : -EINVAL; // real-time and deadline classes
    }
    if (a.nice < -20 || a.nice > 19) {
        return -EINVAL;
    }
    return 0;
}

// ---- membarrier -----------------------------------------------------------------------------

constexpr int kMbQuery = 0, kMbGlobal = 1, kMbGlobalExpedited = 2, kMbRegisterGlobalExpedited = 4,
              kMbPrivateExpedited = 8, kMbRegisterPrivateExpedited = 16,
              kMbPrivateExpeditedSyncCore = 32, kMbRegisterPrivateExpeditedSyncCore = 64,
              kMbGetRegistrations = 512;
constexpr int kMbSupported = kMbGlobal | kMbGlobalExpedited | kMbRegisterGlobalExpedited |
                             kMbPrivateExpedited | kMbRegisterPrivateExpedited |
                             kMbPrivateExpeditedSyncCore | kMbRegisterPrivateExpeditedSyncCore |
                             kMbGetRegistrations;
constinit int g_mbRegistered = 0;

// Every thread runs on one CPU, so each thread sees every other's stores in program order
// and every barrier a command asks for already holds; what remains is Linux's bookkeeping
// of registrations (EPERM for an expedited command without one).
long sysMembarrier(int cmd, unsigned flags, int) {
    if (flags != 0) {
        return -EINVAL;
    }
    switch (cmd) {
    case kMbQuery:
        return kMbSupported;
    case kMbGlobal:
    case kMbGlobalExpedited:
        return 0;
    case kMbRegisterGlobalExpedited:
    case kMbRegisterPrivateExpedited:
    case kMbRegisterPrivateExpeditedSyncCore:
        g_mbRegistered |= cmd;
        return 0;
    case kMbPrivateExpedited:
        return g_mbRegistered & kMbRegisterPrivateExpedited ? 0 : -EPERM;
    case kMbPrivateExpeditedSyncCore:
        return g_mbRegistered & kMbRegisterPrivateExpeditedSyncCore ? 0 : -EPERM;
    case kMbGetRegistrations:
        return g_mbRegistered;
    default:
        return -EINVAL; // the rseq commands: rseq is not supported
    }
}

// ---- kcmp -----------------------------------------------------------------------------------

constexpr int kKcmpFile = 0, kKcmpVm = 1, kKcmpFiles = 2, kKcmpFs = 3, kKcmpSighand = 4,
              kKcmpIo = 5, kKcmpSysvsem = 6;

// kcmp's pids are thread ids; what it compares belongs to their processes.
long sysKcmp(int pid1, int pid2, int type, unsigned long idx1, unsigned long idx2) {
    sched::Thread* t1 = sched::findThread(pid1);
    sched::Thread* t2 = sched::findThread(pid2);
    if (t1 == nullptr || t2 == nullptr || t1->process == nullptr || t2->process == nullptr) {
        return -ESRCH;
    }
    proc::Process* a = t1->process;
    proc::Process* b = t2->process;
    // 0 equal, 1 less, 2 greater: an order that stays the same while both exist.
    auto order = [](const void* x, const void* y) -> long { return x == y ? 0 : (x < y ? 1 : 2); };
    switch (type) {
    case kKcmpFile: {
        if (idx1 > 0x7fffffff || idx2 > 0x7fffffff) {
            return -EBADF;
        }
        vfs::File* f1 = a->files->fds.peek(static_cast<int>(idx1));
        vfs::File* f2 = b->files->fds.peek(static_cast<int>(idx2));
        if (f1 == nullptr || f2 == nullptr) {
            return -EBADF;
        }
        return order(f1, f2);
    }
    case kKcmpVm:
        return order(a->as, b->as); // a vfork child shares its parent's until execve
    case kKcmpFiles:
    case kKcmpFs:
        return order(a->files, b->files); // descriptors, cwd and root live together
    case kKcmpSighand:
    case kKcmpIo:
    case kKcmpSysvsem:
        return order(a, b); // never shared between processes here
    default:
        return -EINVAL; // KCMP_EPOLL_TFD is not there
    }
}

// ---- calls that stand for a missing mechanism --------------------------------------------------

// Restartable sequences are not supported. glibc registers one at start-up and carries on
// without it on ENOSYS, so the call is registered only to say that quietly (an unknown call
// would log a line in every glibc program).
long sysRseq(void*, unsigned, int, unsigned) {
    return -ENOSYS;
}

// Only meaningful after a call was interrupted with a restart block, which uk never sets
// up: Linux then answers EINTR, as this does.
long sysRestartSyscall() {
    return -EINTR;
}

} // namespace

UK_SYSCALL(getrusage, sysGetrusage, Partial,
           "CPU time is all user time (the library OS shares the application's ring); "
           "ru_maxrss is the current resident size (children: 0); the fault, I/O and "
           "context-switch counts are 0");
UK_SYSCALL(times, sysTimes, Partial, "CPU time is all user time (tms_stime, tms_cstime are 0)");
UK_SYSCALL(personality, sysPersonality, Partial,
           "PER_LINUX only: other domains and flags fail with EINVAL");
UK_SYSCALL(ioprio_get, sysIoprioGet, Implemented, "");
UK_SYSCALL(ioprio_set, sysIoprioSet, Partial,
           "one priority for every process, recorded and reported; no I/O scheduler applies "
           "it");
UK_SYSCALL(getcpu, sysGetcpu, Implemented, "");
UK_SYSCALL(sched_rr_get_interval, sysSchedRrGetInterval, Implemented, "");
UK_SYSCALL(sched_getattr, sysSchedGetattr, Implemented, "");
UK_SYSCALL(sched_setattr, sysSchedSetattr, Partial,
           "SCHED_OTHER/BATCH/IDLE accepted (one class, nice ignored); real-time and deadline "
           "EPERM");
UK_SYSCALL_BEFORE_START(membarrier, sysMembarrier, Partial,
                        "one CPU: every barrier holds already; no rseq commands");
UK_SYSCALL(kcmp, sysKcmp, Partial, "no KCMP_EPOLL_TFD");
UK_SYSCALL_BEFORE_START(
    rseq, sysRseq, Partial,
    "not supported: always ENOSYS, without the log line of an unknown call (glibc "
    "then runs without rseq)");
UK_SYSCALL(restart_syscall, sysRestartSyscall, Implemented, "");

} // namespace uk::sys
