// Signal system calls: dispositions, masks, the alternate stack, sending, waiting, returning
// from handlers, and interval timers. Delivery itself is in kernel/signals.
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "../time/timespec.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;
namespace sg = signals;

constexpr uint64_t kUnblockable = (1ull << (sg::SIGKILL - 1)) | (1ull << (sg::SIGSTOP - 1));

bool validSignal(int sig) {
    return sig >= 1 && sig <= sg::kCount;
}

long sysRtSigaction(int sig, const void* act, void* oldact, size_t setsize) {
    if (setsize != 8 || !validSignal(sig)) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if (act != nullptr &&
        !as.canRead(reinterpret_cast<uint64_t>(act), sizeof(sg::KernelSigaction))) {
        return -EFAULT;
    }
    if (oldact != nullptr &&
        !as.canWrite(reinterpret_cast<uint64_t>(oldact), sizeof(sg::KernelSigaction))) {
        return -EFAULT;
    }
    if (act != nullptr && (sig == sg::SIGKILL || sig == sg::SIGSTOP)) {
        return -EINVAL;
    }
    sg::KernelSigaction previous = sg::action(sig);
    if (act != nullptr) {
        sg::KernelSigaction a = *static_cast<const sg::KernelSigaction*>(act);
        a.mask &= ~kUnblockable;
        sg::action(sig) = a;
    }
    if (oldact != nullptr) {
        *static_cast<sg::KernelSigaction*>(oldact) = previous;
    }
    return 0;
}

constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;

long sysRtSigprocmask(int how, const void* set, void* oldset, size_t setsize) {
    if (setsize != 8) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if (set != nullptr && !as.canRead(reinterpret_cast<uint64_t>(set), 8)) {
        return -EFAULT;
    }
    if (oldset != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(oldset), 8)) {
        return -EFAULT;
    }
    sched::Thread* t = sched::current();
    uint64_t previous = t->sigMask;
    if (set != nullptr) {
        uint64_t s = *static_cast<const uint64_t*>(set);
        switch (how) {
        case kSigBlock:
            sg::setMask(previous | s);
            break;
        case kSigUnblock:
            sg::setMask(previous & ~s);
            break;
        case kSigSetmask:
            sg::setMask(s);
            break;
        default:
            return -EINVAL;
        }
    }
    if (oldset != nullptr) {
        *static_cast<uint64_t*>(oldset) = previous;
    }
    return 0; // newly unblocked signals are delivered on the way out
}

long sysSigaltstack(const void* ss, void* old) {
    auto& as = addressSpace();
    if (ss != nullptr && !as.canRead(reinterpret_cast<uint64_t>(ss), sizeof(sg::AltStack))) {
        return -EFAULT;
    }
    if (old != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(old), sizeof(sg::AltStack))) {
        return -EFAULT;
    }
    sched::Thread* t = sched::current();
    uint64_t sp = t->syscallFrame->rsp;
    bool onStack = !(t->altStack.flags & sg::SS_DISABLE) && sp > t->altStack.sp &&
                   sp <= t->altStack.sp + t->altStack.size;
    sg::AltStack previous{t->altStack.sp, onStack ? sg::SS_ONSTACK : t->altStack.flags, 0,
                          t->altStack.size};
    if (ss != nullptr) {
        sg::AltStack n = *static_cast<const sg::AltStack*>(ss);
        if (onStack) {
            return -EPERM;
        }
        if (n.flags & ~(sg::SS_DISABLE | (1 << 31) /* SS_AUTODISARM */)) {
            return -EINVAL;
        }
        if (n.flags & sg::SS_DISABLE) {
            t->altStack = sched::SignalStack{0, sg::SS_DISABLE, 0};
        } else {
            if (n.size < 2048) {
                return -ENOMEM; // MINSIGSTKSZ
            }
            t->altStack = sched::SignalStack{n.sp, 0, n.size};
        }
    }
    if (old != nullptr) {
        *static_cast<sg::AltStack*>(old) = previous;
    }
    return 0;
}

sg::SigInfo userInfo(int sig, int code) {
    sg::SigInfo info{};
    info.signo = sig;
    info.code = code;
    proc::Process* self = proc::current();
    info.u.kill.pid = code == sg::SI_KERNEL || self == nullptr ? 0 : self->pid;
    info.u.kill.uid = 0;
    return info;
}

// kill(2): pid > 0 one process, 0 the caller's process group, -1 every process but the
// first and the caller (as Linux), < -1 the group -pid.
long sysKill(int pid, int sig) {
    if (sig != 0 && !validSignal(sig)) {
        return -EINVAL;
    }
    proc::Process* self = proc::current();
    if (pid > 0) {
        proc::Process* p = proc::find(pid);
        if (p == nullptr || p->zombie) {
            return p == nullptr ? -ESRCH : 0; // a zombie takes (and ignores) signals
        }
        if (sig != 0) {
            sg::sendToProcess(p, sig, userInfo(sig, sg::SI_USER));
        }
        return 0;
    }
    int group = pid == 0 ? self->pgid : -pid;
    bool found = false;
    sg::SigInfo info = userInfo(sig, sg::SI_USER);
    // The caller last: a fatal signal to itself must not cut the loop short.
    proc::forEach([&](proc::Process* p) {
        bool match = pid == -1 ? (p != proc::first() && p != self) : p->pgid == group;
        if (match && p != self && !p->zombie) {
            found = true;
            if (sig != 0 && p != self) {
                sg::sendToProcess(p, sig, info);
            }
        }
    });
    bool selfMatch = pid != -1 && self->pgid == group;
    if (!found && !selfMatch) {
        return -ESRCH;
    }
    if (sig != 0 && selfMatch) {
        sg::sendToProcess(self, sig, info);
    }
    return 0;
}

long sendToThread(int tid, int sig) {
    sched::Thread* t = sched::findThread(tid);
    if (t == nullptr) {
        return -ESRCH;
    }
    if (sig == 0) {
        return 0;
    }
    if (!validSignal(sig)) {
        return -EINVAL;
    }
    sg::sendToThread(t, sig, userInfo(sig, sg::SI_TKILL));
    return 0;
}

long sysTkill(int tid, int sig) {
    return sendToThread(tid, sig);
}

long sysTgkill(int tgid, int tid, int sig) {
    sched::Thread* t = sched::findThread(tid);
    if (tgid <= 0 || tid <= 0) {
        return -EINVAL;
    }
    if (t == nullptr || t->process == nullptr || t->process->pid != tgid) {
        return -ESRCH;
    }
    return sendToThread(tid, sig);
}

[[noreturn]] void sysRtSigreturn() {
    sg::sigreturn(*sched::current()->syscallFrame);
}

// Waits with `mask` in place until a signal runs a handler; the old mask comes back after it.
long sysRtSigsuspend(const void* mask, size_t setsize) {
    if (setsize != 8) {
        return -EINVAL;
    }
    if (!addressSpace().canRead(reinterpret_cast<uint64_t>(mask), 8)) {
        return -EFAULT;
    }
    sched::Thread* t = sched::current();
    t->savedSigMask = t->sigMask;
    t->restoreSigMask = true;
    sg::setMask(*static_cast<const uint64_t*>(mask));
    while (sched::block(0, true) != sched::WaitQueue::Wake::Interrupted) {
    }
    return -EINTR;
}

long sysPause() {
    while (sched::block(0, true) != sched::WaitQueue::Wake::Interrupted) {
    }
    return -EINTR;
}

// Waits for one of `set` (normally blocked by the caller) to be pending and takes it, with
// its siginfo. An unblocked signal that arrives meanwhile interrupts the wait (EINTR) and
// runs its handler.
long sysRtSigtimedwait(const void* set, void* info, const void* timeout, size_t setsize) {
    if (setsize != 8) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    if (!as.canRead(reinterpret_cast<uint64_t>(set), 8) ||
        (info != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(info), sizeof(sg::SigInfo)))) {
        return -EFAULT;
    }
    uint64_t wanted = *static_cast<const uint64_t*>(set) & ~kUnblockable;
    uint64_t deadline = 0;
    if (timeout != nullptr) {
        if (!as.canRead(reinterpret_cast<uint64_t>(timeout), sizeof(timeutil::Timespec))) {
            return -EFAULT;
        }
        const auto& ts = *static_cast<const timeutil::Timespec*>(timeout);
        if (!timeutil::valid(ts)) {
            return -EINVAL;
        }
        deadline = clock::monotonicNs() + timeutil::toNs(ts);
    }
    sched::Thread* t = sched::current();
    for (;;) {
        sg::SigInfo si;
        if (int sig = sg::takePending(t, wanted, &si); sig != 0) {
            if (info != nullptr) {
                *static_cast<sg::SigInfo*>(info) = si;
            }
            return sig;
        }
        if (timeout != nullptr && clock::monotonicNs() >= deadline) {
            return -EAGAIN;
        }
        t->sigWaitMask = wanted;
        auto wake = sched::block(deadline, true);
        t->sigWaitMask = 0;
        if (wake == sched::WaitQueue::Wake::Interrupted && sg::hasDeliverable(t)) {
            return -EINTR; // an unblocked signal: its handler runs on the way out
        }
    }
}

long sysRtSigpending(void* set, size_t setsize) {
    if (setsize > 8) {
        return -EINVAL;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(set), setsize)) {
        return -EFAULT;
    }
    sched::Thread* t = sched::current();
    uint64_t pending = sg::pendingSet(t) & t->sigMask;
    auto* out = static_cast<uint8_t*>(set);
    for (size_t i = 0; i < setsize; ++i) {
        out[i] = static_cast<uint8_t>(pending >> (8 * i));
    }
    return 0;
}

// ---- interval timers ------------------------------------------------------------------------

struct Timeval {
    int64_t sec, usec;
};
struct Itimerval {
    Timeval interval, value;
};

using proc::IntervalTimer;
constexpr int kItimerSignals[3] = {sg::SIGALRM, sg::SIGVTALRM, sg::SIGPROF};

IntervalTimer& itimer(int which) {
    proc::Process* p = proc::current();
    IntervalTimer& it = p->itimers[which];
    it.owner = p;
    it.signal = kItimerSignals[which];
    return it;
}

void itimerFired(sched::Timer* timer) {
    auto* it = static_cast<IntervalTimer*>(timer->context);
    sg::sendToProcess(it->owner, it->signal, userInfo(it->signal, sg::SI_KERNEL));
    if (it->intervalNs != 0) {
        it->deadlineNs += it->intervalNs;
        uint64_t now = clock::monotonicNs();
        if (it->deadlineNs < now) {
            it->deadlineNs = now + it->intervalNs; // fell behind: skip, do not burst
        }
        sched::armTimer(&it->timer, it->deadlineNs);
    } else {
        it->deadlineNs = 0;
    }
}

uint64_t toNs(const Timeval& tv) {
    return static_cast<uint64_t>(tv.sec) * 1'000'000'000ull + static_cast<uint64_t>(tv.usec) * 1000;
}
Timeval toTimeval(uint64_t ns) {
    return Timeval{static_cast<int64_t>(ns / 1'000'000'000ull),
                   static_cast<int64_t>((ns % 1'000'000'000ull) / 1000)};
}

Itimerval currentValue(const IntervalTimer& it) {
    uint64_t now = clock::monotonicNs();
    uint64_t left = it.deadlineNs > now ? it.deadlineNs - now : (it.deadlineNs != 0 ? 1000 : 0);
    return Itimerval{toTimeval(it.intervalNs), toTimeval(left)};
}

long sysGetitimer(int which, void* out) {
    if (which < 0 || which > 2) {
        return -EINVAL;
    }
    if (!addressSpace().canWrite(reinterpret_cast<uint64_t>(out), sizeof(Itimerval))) {
        return -EFAULT;
    }
    *static_cast<Itimerval*>(out) = currentValue(itimer(which));
    return 0;
}

long setItimer(int which, const Itimerval& v, Itimerval* old) {
    if (v.value.usec < 0 || v.value.usec >= 1'000'000 || v.interval.usec < 0 ||
        v.interval.usec >= 1'000'000 || v.value.sec < 0 || v.interval.sec < 0) {
        return -EINVAL;
    }
    IntervalTimer& it = itimer(which);
    if (old != nullptr) {
        *old = currentValue(it);
    }
    sched::cancelTimer(&it.timer);
    it.intervalNs = toNs(v.interval);
    uint64_t value = toNs(v.value);
    if (value == 0) {
        it.deadlineNs = 0;
        return 0;
    }
    it.deadlineNs = clock::monotonicNs() + value;
    it.timer.fire = itimerFired;
    it.timer.context = &it;
    sched::armTimer(&it.timer, it.deadlineNs);
    return 0;
}

long sysSetitimer(int which, const void* value, void* old) {
    if (which < 0 || which > 2) {
        return -EINVAL;
    }
    auto& as = addressSpace();
    Itimerval v{};
    if (value != nullptr) {
        if (!as.canRead(reinterpret_cast<uint64_t>(value), sizeof v)) {
            return -EFAULT;
        }
        v = *static_cast<const Itimerval*>(value);
    }
    if (old != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(old), sizeof(Itimerval))) {
        return -EFAULT;
    }
    return setItimer(which, v, static_cast<Itimerval*>(old));
}

long sysAlarm(unsigned seconds) {
    Itimerval old{};
    Itimerval v{{0, 0}, {static_cast<int64_t>(seconds), 0}};
    setItimer(0, v, &old);
    // Linux rounds a remaining fraction up to a whole second.
    return old.value.sec +
           (old.value.usec >= 500'000 || (old.value.sec == 0 && old.value.usec > 0));
}

} // namespace

UK_SYSCALL_BEFORE_START(rt_sigaction, sysRtSigaction, Implemented, "");
UK_SYSCALL_BEFORE_START(rt_sigprocmask, sysRtSigprocmask, Implemented, "");
UK_SYSCALL_BEFORE_START(sigaltstack, sysSigaltstack, Implemented, "");
UK_SYSCALL(kill, sysKill, Implemented, "");
UK_SYSCALL(tkill, sysTkill, Implemented, "");
UK_SYSCALL(tgkill, sysTgkill, Implemented, "");
UK_SYSCALL(rt_sigreturn, sysRtSigreturn, Implemented, "");
UK_SYSCALL(rt_sigsuspend, sysRtSigsuspend, Implemented, "");
UK_SYSCALL(pause, sysPause, Implemented, "");
UK_SYSCALL(rt_sigpending, sysRtSigpending, Implemented, "");
UK_SYSCALL(rt_sigtimedwait, sysRtSigtimedwait, Implemented, "");
UK_SYSCALL(getitimer, sysGetitimer, Partial,
           "ITIMER_VIRTUAL and ITIMER_PROF count wall-clock time (the application owns its vCPU)");
UK_SYSCALL(setitimer, sysSetitimer, Partial,
           "ITIMER_VIRTUAL and ITIMER_PROF count wall-clock time (the application owns its vCPU)");
UK_SYSCALL(alarm, sysAlarm, Implemented, "");

} // namespace uk::sys
