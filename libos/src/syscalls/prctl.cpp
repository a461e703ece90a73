// prctl: the options programs and their C libraries use at start-up (thread names, the
// parent-death signal, dumpability, no_new_privs, the capability bounding set, the child
// subreaper flag, ...). Thread names and parent-death signals are per thread, as on Linux;
// the process-wide flags are kept once for all processes (see the table's note).
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../vfs/system.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

constexpr int kPrSetPdeathsig = 1, kPrGetPdeathsig = 2, kPrGetDumpable = 3, kPrSetDumpable = 4,
              kPrGetKeepcaps = 7, kPrSetKeepcaps = 8, kPrSetName = 15, kPrGetName = 16,
              kPrCapbsetRead = 23, kPrSetTimerslack = 29, kPrGetTimerslack = 30,
              kPrSetChildSubreaper = 36, kPrGetChildSubreaper = 37, kPrSetNoNewPrivs = 38,
              kPrGetNoNewPrivs = 39, kPrGetTidAddress = 40, kPrSetThpDisable = 41,
              kPrGetThpDisable = 42;

constexpr int kCapLastCap = 40; // CAP_CHECKPOINT_RESTORE
constexpr uint64_t kDefaultTimerSlackNs = 50'000;
constexpr size_t kNameLen = 16; // TASK_COMM_LEN, with the NUL

// Per thread: the name and the parent-death signal (both per thread on Linux). Threads
// without an entry have the defaults: the process's name and no signal.
struct ThreadControl {
    int tid;
    char name[kNameLen];
    int pdeathsig;
    ThreadControl* next;
};
constinit ThreadControl* g_threads = nullptr;

struct ProcessControl {
    bool dumpable = true;
    bool keepCaps = false;
    bool noNewPrivs = false;
    bool childSubreaper = false;
    bool thpDisable = false;
};
constinit ProcessControl g_process{};
// Per thread on Linux too, but inherited; one value serves every thread here.
constinit uint64_t g_timerSlackNs = kDefaultTimerSlackNs;

ThreadControl* findThreadControl(int tid) {
    for (ThreadControl* c = g_threads; c != nullptr; c = c->next) {
        if (c->tid == tid) {
            return c;
        }
    }
    return nullptr;
}

// The entry of thread `tid`, made if missing (null when memory is exhausted). Entries of
// threads that have exited are dropped on the way, so the list stays as long as the live
// threads that changed something.
ThreadControl* threadControl(int tid) {
    for (ThreadControl** p = &g_threads; *p != nullptr;) {
        if ((*p)->tid != tid && sched::findThread((*p)->tid) == nullptr) {
            ThreadControl* dead = *p;
            *p = dead->next;
            delete dead;
        } else {
            p = &(*p)->next;
        }
    }
    if (ThreadControl* c = findThreadControl(tid)) {
        return c;
    }
    auto* c = new (std::nothrow) ThreadControl{tid, {}, 0, g_threads};
    if (c == nullptr) {
        return nullptr;
    }
    const char* name = vfs::programName();
    for (size_t i = 0; i < kNameLen - 1 && name[i] != 0; ++i) {
        c->name[i] = name[i];
    }
    g_threads = c;
    return c;
}

long putInt(unsigned long user, int value) {
    return copyOut(reinterpret_cast<void*>(user), &value, sizeof value);
}

long sysPrctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
              unsigned long arg5) {
    int tid = sched::current()->tid;
    switch (option) {
    case kPrSetPdeathsig: {
        if (arg2 > 64) {
            return -EINVAL;
        }
        // Recorded and reported; the parent (the monitor) outlives the process, so it is
        // never sent.
        ThreadControl* c = threadControl(tid);
        if (c == nullptr) {
            return -ENOMEM;
        }
        c->pdeathsig = static_cast<int>(arg2);
        return 0;
    }
    case kPrGetPdeathsig: {
        ThreadControl* c = findThreadControl(tid);
        return putInt(arg2, c != nullptr ? c->pdeathsig : 0);
    }
    case kPrGetDumpable:
        return g_process.dumpable ? 1 : 0;
    case kPrSetDumpable:
        if (arg2 > 1) {
            return -EINVAL; // SUID_DUMP_ROOT (2) may not be set this way
        }
        g_process.dumpable = arg2 == 1;
        return 0;
    case kPrGetKeepcaps:
        return g_process.keepCaps ? 1 : 0;
    case kPrSetKeepcaps:
        if (arg2 > 1) {
            return -EINVAL;
        }
        g_process.keepCaps = arg2 == 1;
        return 0;
    case kPrSetName: {
        char name[kNameLen] = {};
        long n = copyUserString(reinterpret_cast<const char*>(arg2), name, kNameLen, kNameLen - 1);
        if (n == -EFAULT) {
            return -EFAULT;
        }
        name[kNameLen - 1] = 0; // longer names are cut, as Linux does
        ThreadControl* c = threadControl(tid);
        if (c == nullptr) {
            return -ENOMEM;
        }
        __builtin_memcpy(c->name, name, kNameLen);
        if (proc::current() == proc::first() && tid == proc::first()->pid) {
            vfs::setProgramName(name); // the main thread's name is the process's comm
        }
        return 0;
    }
    case kPrGetName: {
        char name[kNameLen] = {};
        ThreadControl* c = findThreadControl(tid);
        const char* src = c != nullptr ? c->name : vfs::programName();
        for (size_t i = 0; i < kNameLen - 1 && src[i] != 0; ++i) {
            name[i] = src[i];
        }
        return copyOut(reinterpret_cast<void*>(arg2), name, kNameLen);
    }
    case kPrCapbsetRead:
        // Root's bounding set is full.
        return arg2 <= kCapLastCap ? 1 : -EINVAL;
    case kPrSetTimerslack:
        // Timers fire at their deadline here; the slack is an allowance, kept for reading.
        g_timerSlackNs = arg2 != 0 ? arg2 : kDefaultTimerSlackNs;
        return 0;
    case kPrGetTimerslack:
        return static_cast<long>(g_timerSlackNs);
    case kPrSetChildSubreaper:
        g_process.childSubreaper = arg2 != 0;
        return 0;
    case kPrGetChildSubreaper:
        return putInt(arg2, g_process.childSubreaper ? 1 : 0);
    case kPrSetNoNewPrivs:
        if (arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0) {
            return -EINVAL;
        }
        g_process.noNewPrivs = true; // and it can never be unset, as on Linux
        return 0;
    case kPrGetNoNewPrivs:
        if (arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0) {
            return -EINVAL;
        }
        return g_process.noNewPrivs ? 1 : 0;
    case kPrGetTidAddress: {
        uint64_t addr = sched::current()->clearChildTid;
        return copyOut(reinterpret_cast<void*>(arg2), &addr, sizeof addr);
    }
    case kPrSetThpDisable:
        if (arg3 != 0 || arg4 != 0 || arg5 != 0) {
            return -EINVAL;
        }
        g_process.thpDisable = arg2 != 0; // memory is in 4 KiB pages anyway
        return 0;
    case kPrGetThpDisable:
        if (arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0) {
            return -EINVAL;
        }
        return g_process.thpDisable ? 1 : 0;
    default:
        return -EINVAL;
    }
}

} // namespace

UK_SYSCALL_BEFORE_START(
    prctl, sysPrctl, Partial,
    "PR_SET/GET_NAME (per thread; the main thread's is /proc/self/comm), "
    "PR_SET/GET_PDEATHSIG (never sent: the parent outlives the process), "
    "PR_SET/GET_DUMPABLE, PR_SET/GET_KEEPCAPS, PR_CAPBSET_READ, PR_SET/GET_TIMERSLACK, "
    "PR_SET/GET_CHILD_SUBREAPER, PR_SET/GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS, "
    "PR_SET/GET_THP_DISABLE; EINVAL for the others; a new thread starts with the "
    "first process's name rather than its creator's; the process-wide flags are shared "
    "by all processes and not reset by execve");

} // namespace uk::sys
