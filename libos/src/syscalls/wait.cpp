// wait4 and waitid: collecting the status of ended children. A caller with children that
// are all still running sleeps (interruptibly) until one ends. Stopped and continued
// children are never reported: nothing here stops a process.
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "fs_user.h"
#include "syscall.h"

namespace uk::sys {

namespace {

constexpr int WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8,
              WNOWAIT = 0x01000000, WNOTHREAD = 0x20000000, WALL = 0x40000000,
              WCLONE = static_cast<int>(0x80000000u);
constexpr int P_ALL = 0, P_PID = 1, P_PGID = 2;
constexpr int CLD_EXITED = 1, CLD_KILLED = 2;

struct Timeval {
    int64_t sec, usec;
};
struct Rusage {
    Timeval utime, stime;
    int64_t rest[14]; // maxrss ... nivcsw
};
static_assert(sizeof(Rusage) == 144);

Timeval toTimeval(uint64_t ns) {
    return Timeval{static_cast<int64_t>(ns / 1'000'000'000),
                   static_cast<int64_t>(ns % 1'000'000'000 / 1000)};
}

// Waits for a matching child to end. Returns 0 with the child, 0 with *child null (WNOHANG
// and none ended yet), or -errno.
long waitForChild(proc::ChildMatch match, int id, int options, proc::Process** child) {
    *child = nullptr;
    proc::Process* self = proc::current();
    for (;;) {
        long r = proc::findEndedChild(match, id, child);
        if (r == 0) {
            return 0;
        }
        if (r == -ECHILD) {
            return r;
        }
        if (options & WNOHANG) {
            return 0;
        }
        if (self->childEvents.wait(0, true) == sched::WaitQueue::Wake::Interrupted) {
            return -signals::kRestartSys;
        }
    }
}

long fillRusage(void* user, const proc::Process* child) {
    if (user == nullptr) {
        return 0;
    }
    Rusage ru{};
    if (child != nullptr) {
        ru.utime = toTimeval(child->exitedNs + child->childrenNs);
    }
    return copyOut(user, &ru, sizeof ru);
}

long sysWait4(int pid, void* status, int options, void* rusage) {
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) {
        return -EINVAL;
    }
    if (pid == INT32_MIN) {
        return -ESRCH;
    }
    if ((status != nullptr && !userWritable(status, sizeof(int))) ||
        (rusage != nullptr && !userWritable(rusage, sizeof(Rusage)))) {
        return -EFAULT;
    }
    // wait4's pid: > 0 that child, -1 any, 0 the caller's group, < -1 the group -pid.
    proc::ChildMatch match = pid > 0     ? proc::ChildMatch::Pid
                             : pid == -1 ? proc::ChildMatch::Any
                                         : proc::ChildMatch::Group;
    int id = pid > 0 ? pid : pid == 0 ? proc::current()->pgid : -pid;
    proc::Process* child;
    long r = waitForChild(match, id, options, &child);
    if (r < 0 || child == nullptr) {
        return r;
    }
    int childPid = child->pid;
    if (status != nullptr) {
        int s = child->waitStatus;
        copyOut(status, &s, sizeof s);
    }
    fillRusage(rusage, child);
    proc::reap(child);
    return childPid;
}

// The SIGCHLD siginfo_t fields waitid fills.
struct ChildInfo {
    int32_t signo, errnoValue, code, pad;
    int32_t pid;
    uint32_t uid;
    int32_t status;
    int32_t pad2;
    int64_t utime, stime;
    uint8_t rest[128 - 48];
};
static_assert(sizeof(ChildInfo) == 128);

long sysWaitid(int idtype, int id, void* infop, int options, void* rusage) {
    if (options &
        ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)) {
        return -EINVAL;
    }
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) {
        return -EINVAL;
    }
    proc::ChildMatch match;
    switch (idtype) {
    case P_ALL:
        match = proc::ChildMatch::Any;
        break;
    case P_PID:
        if (id <= 0) {
            return -EINVAL;
        }
        match = proc::ChildMatch::Pid;
        break;
    case P_PGID:
        if (id < 0) {
            return -EINVAL;
        }
        match = proc::ChildMatch::Group;
        if (id == 0) {
            id = proc::current()->pgid;
        }
        break;
    default:
        return -EINVAL; // P_PIDFD: no pidfds here
    }
    if ((infop != nullptr && !userWritable(infop, sizeof(ChildInfo))) ||
        (rusage != nullptr && !userWritable(rusage, sizeof(Rusage)))) {
        return -EFAULT;
    }
    proc::Process* child = nullptr;
    long r = (options & WEXITED) ? waitForChild(match, id, options, &child)
             : proc::findEndedChild(match, id, &child) == -ECHILD ? -ECHILD
                                                                  : 0;
    if (r < 0) {
        return r;
    }
    if (!(options & WEXITED)) {
        child = nullptr; // only stops and continues were asked for: never happen here
        if (!(options & WNOHANG)) {
            return -ECHILD;
        }
    }
    ChildInfo info{};
    if (child != nullptr) {
        int ws = child->waitStatus;
        info.signo = signals::SIGCHLD;
        info.pid = child->pid;
        info.code = (ws & 0x7f) != 0 ? CLD_KILLED : CLD_EXITED;
        info.status = (ws & 0x7f) != 0 ? (ws & 0x7f) : (ws >> 8) & 0xff;
        info.utime = static_cast<int64_t>((child->exitedNs + child->childrenNs) / 10'000'000);
    }
    if (infop != nullptr) {
        copyOut(infop, &info, sizeof info);
    }
    fillRusage(rusage, child);
    if (child != nullptr && !(options & WNOWAIT)) {
        proc::reap(child);
    }
    return 0;
}

} // namespace

UK_SYSCALL(wait4, sysWait4, Partial,
           "exited and killed children; none is ever stopped or continued; rusage has CPU time "
           "only");
UK_SYSCALL(waitid, sysWaitid, Partial,
           "P_ALL, P_PID, P_PGID; exited and killed children (no stops); no P_PIDFD");

} // namespace uk::sys
