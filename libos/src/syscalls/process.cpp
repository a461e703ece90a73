// Process identity, groups and sessions, exit, thread-pointer setup and resource limits.
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../kernel/memory.h"
#include "../mm/address_space.h"
#include "../net/config.h"
#include "../proc/process.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;

[[noreturn]] void sysExitGroup(int status) {
    proc::exitGroup(proc::exitedStatus(status));
}

long sysGetpid() {
    return proc::current()->pid;
}
long sysGetppid() {
    proc::Process* parent = proc::current()->parent;
    return parent != nullptr ? parent->pid : 0;
}
proc::Process* processOrSelf(int pid) {
    proc::Process* p = pid == 0 ? proc::current() : proc::find(pid);
    return p != nullptr && !p->zombie ? p : nullptr;
}

long sysGetpgrp() {
    return proc::current()->pgid;
}
long sysGetpgid(int pid) {
    proc::Process* p = processOrSelf(pid);
    return p != nullptr ? p->pgid : -ESRCH;
}
long sysGetsid(int pid) {
    proc::Process* p = processOrSelf(pid);
    return p != nullptr ? p->sid : -ESRCH;
}
// A process group leader cannot start a session (the first process is one).
long sysSetsid() {
    proc::Process* self = proc::current();
    bool leader = false;
    proc::forEach([&](proc::Process* p) { leader |= p->pgid == self->pid; });
    if (leader) {
        return -EPERM;
    }
    self->pgid = self->sid = self->pid;
    return self->pid;
}
// setpgid(2): the caller or one of its children, into a group of the same session.
long sysSetpgid(int pid, int pgid) {
    proc::Process* self = proc::current();
    proc::Process* p = pid == 0 ? self : proc::find(pid);
    if (p == nullptr || (p != self && p->parent != self)) {
        return -ESRCH;
    }
    if (pgid < 0) {
        return -EINVAL;
    }
    if (p->sid != self->sid) {
        return -EPERM;
    }
    if (p->sid == p->pid) {
        return -EPERM; // a session leader stays in its own group
    }
    int target = pgid == 0 ? p->pid : pgid;
    if (target != p->pid) {
        bool exists = false;
        proc::forEach([&](proc::Process* q) { exists |= q->pgid == target && q->sid == p->sid; });
        if (!exists) {
            return -EPERM;
        }
    }
    p->pgid = target;
    return 0;
}

constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;

long sysArchPrctl(int code, unsigned long addr) {
    switch (code) {
    case kArchSetFs:
        if (addr >= arch::kUserTop) {
            return -EPERM;
        }
        arch::setFsBase(addr);
        return 0;
    case kArchGetFs:
        if (!addressSpace().canWrite(addr, 8)) {
            return -EFAULT;
        }
        *reinterpret_cast<uint64_t*>(addr) = arch::fsBase();
        return 0;
    case kArchSetGs:
        if (addr >= arch::kUserTop) {
            return -EPERM;
        }
        arch::wrmsr(arch::kMsrGsBase, addr);
        return 0;
    case kArchGetGs:
        if (!addressSpace().canWrite(addr, 8)) {
            return -EFAULT;
        }
        *reinterpret_cast<uint64_t*>(addr) = arch::rdmsr(arch::kMsrGsBase);
        return 0;
    default:
        return -EINVAL;
    }
}

struct Utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

void copyField(char* dst, const char* src) {
    size_t i = 0;
    for (; src[i] != 0 && i < 64; ++i) {
        dst[i] = src[i];
    }
    for (; i < 65; ++i) {
        dst[i] = 0;
    }
}

long sysUname(void* buf) {
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(buf), sizeof(Utsname))) {
        return -EFAULT;
    }
    auto* u = static_cast<Utsname*>(buf);
    // Programs compare sysname and release (glibc requires a minimum kernel version), so
    // we answer as the Linux ABI we implement, and say in `version` that this is uk.
    copyField(u->sysname, "Linux");
    const char* host = net::bootConfig().hostname;
    copyField(u->nodename, host[0] != 0 ? host : "uk");
    copyField(u->release, "6.1.0-uk");
    copyField(u->version, "#1 uk " UK_VERSION);
    copyField(u->machine, "x86_64");
    copyField(u->domainname, "(none)");
    return 0;
}

struct Rlimit {
    uint64_t cur, max;
};
constexpr uint64_t kInfinity = ~0ull;
constexpr int kRlimitCount = 16;

// Linux's defaults for a process started by init.
Rlimit g_limits[kRlimitCount] = {{kInfinity, kInfinity},   // RLIMIT_CPU
                                 {kInfinity, kInfinity},   // RLIMIT_FSIZE
                                 {kInfinity, kInfinity},   // RLIMIT_DATA
                                 {8ull << 20, kInfinity},  // RLIMIT_STACK
                                 {0, kInfinity},           // RLIMIT_CORE
                                 {kInfinity, kInfinity},   // RLIMIT_RSS
                                 {kInfinity, kInfinity},   // RLIMIT_NPROC
                                 {1024, 4096},             // RLIMIT_NOFILE
                                 {8ull << 20, 8ull << 20}, // RLIMIT_MEMLOCK
                                 {kInfinity, kInfinity},   // RLIMIT_AS
                                 {kInfinity, kInfinity},   // RLIMIT_LOCKS
                                 {kInfinity, kInfinity},   // RLIMIT_SIGPENDING
                                 {819200, 819200},         // RLIMIT_MSGQUEUE
                                 {0, 0},                   // RLIMIT_NICE
                                 {0, 0},                   // RLIMIT_RTPRIO
                                 {kInfinity, kInfinity}};  // RLIMIT_RTTIME

long sysPrlimit(int pid, int resource, const void* newLimit, void* oldLimit) {
    if (pid != 0 && pid != proc::current()->pid && proc::find(pid) == nullptr) {
        return -ESRCH;
    }
    if (resource < 0 || resource >= kRlimitCount) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if (newLimit != nullptr && !as.canRead(reinterpret_cast<uint64_t>(newLimit), sizeof(Rlimit))) {
        return -EFAULT;
    }
    if (oldLimit != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(oldLimit), sizeof(Rlimit))) {
        return -EFAULT;
    }
    Rlimit previous = g_limits[resource];
    if (newLimit != nullptr) {
        Rlimit n = *static_cast<const Rlimit*>(newLimit);
        if (n.cur > n.max || n.max > previous.max) {
            return n.cur > n.max ? -EINVAL : -EPERM;
        }
        g_limits[resource] = n;
    }
    if (oldLimit != nullptr) {
        *static_cast<Rlimit*>(oldLimit) = previous;
    }
    return 0;
}

long sysGetrlimit(int resource, void* out) {
    return sysPrlimit(0, resource, nullptr, out);
}
long sysSetrlimit(int resource, const void* in) {
    return sysPrlimit(0, resource, in, nullptr);
}

} // namespace

UK_SYSCALL(exit_group, sysExitGroup, Implemented, "");
UK_SYSCALL_BEFORE_START(getpid, sysGetpid, Implemented, "");
UK_SYSCALL_BEFORE_START(getppid, sysGetppid, Implemented, "");
UK_SYSCALL(getpgrp, sysGetpgrp, Implemented, "");
UK_SYSCALL(getpgid, sysGetpgid, Implemented, "");
UK_SYSCALL(getsid, sysGetsid, Implemented, "");
UK_SYSCALL(setsid, sysSetsid, Implemented, "");
UK_SYSCALL(setpgid, sysSetpgid, Implemented, "");
UK_SYSCALL_BEFORE_START(arch_prctl, sysArchPrctl, Partial,
                        "ARCH_SET/GET_FS and ARCH_SET/GET_GS; no CPUID faulting");
UK_SYSCALL_BEFORE_START(uname, sysUname, Implemented, "");
UK_SYSCALL_BEFORE_START(prlimit64, sysPrlimit, Partial,
                        "limits are recorded and reported, not enforced");
UK_SYSCALL_BEFORE_START(getrlimit, sysGetrlimit, Partial,
                        "limits are recorded and reported, not enforced");
UK_SYSCALL_BEFORE_START(setrlimit, sysSetrlimit, Partial,
                        "limits are recorded and reported, not enforced");

} // namespace uk::sys
