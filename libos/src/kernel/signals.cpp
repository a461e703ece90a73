#include "signals.h"

#include <stddef.h>
#include <uk/arch/context.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../syscalls/errno.h"
#include "log.h"

namespace uk::signals {

namespace {

constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

KernelSigaction* actions() {
    return proc::current()->actions;
}

uint64_t processPending(const sched::Thread* t) {
    return t->process != nullptr ? t->process->sigPending : 0;
}

// ---- Linux x86_64 signal frame layout -------------------------------------------------------

struct Sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(Sigcontext) == 256);

struct Ucontext {
    uint64_t flags;
    uint64_t link;
    AltStack stack;
    Sigcontext mcontext;
    uint64_t sigmask;
};
static_assert(sizeof(Ucontext) == 304);

struct RtSigframe {
    uint64_t pretcode; // sa_restorer: the handler's `ret` goes there
    Ucontext uc;
    SigInfo info;
};
static_assert(offsetof(RtSigframe, uc) == 8);

constexpr uint64_t UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
constexpr uint32_t kFpXstateMagic1 = 0x46505853;
constexpr uint32_t kFpXstateMagic2 = 0x46505845;
constexpr size_t kFpSwBytesOffset = 464;
constexpr uint64_t kRedZone = 128;

// RFLAGS bits a signal handler's context may change (Linux's FIX_EFLAGS).
constexpr uint64_t kUserFlags =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x10000 | 0x40000;
constexpr uint64_t kFlagIf = 0x200;

int lowestSignal(uint64_t set) {
    return __builtin_ctzll(set) + 1;
}

bool onAltStack(const sched::Thread* t, uint64_t sp) {
    return !(t->altStack.flags & SS_DISABLE) && sp > t->altStack.sp &&
           sp <= t->altStack.sp + t->altStack.size;
}

// Ends the process because a handler could not be started; Linux does the same (SIGSEGV).
[[noreturn]] void cannotDeliver(int sig, const char* why) {
    log::notice("fatal: cannot run the %s handler: %s", name(sig), why);
    terminate(SIGSEGV, true);
}

// Builds the rt_sigframe below the interrupted stack and points `ctx` at the handler.
void setupFrame(arch::TrapFrame& ctx, int sig, const SigInfo& info, const KernelSigaction& act) {
    sched::Thread* t = sched::current();
    if (!(act.flags & SA_RESTORER) || act.restorer == 0) {
        cannotDeliver(sig, "it has no SA_RESTORER trampoline (x86_64 needs one)");
    }
    bool wasOnAlt = onAltStack(t, ctx.rsp);
    uint64_t sp = ctx.rsp;
    if ((act.flags & SA_ONSTACK) && !(t->altStack.flags & SS_DISABLE) && !wasOnAlt) {
        sp = t->altStack.sp + t->altStack.size;
    } else {
        sp -= kRedZone; // the interrupted code may have live data below its stack pointer
    }
    size_t fpSize = arch::fpuAreaSize();
    uint64_t fpAddr = (sp - fpSize - sizeof(uint32_t)) & ~uint64_t{63};
    uint64_t frameAddr = ((fpAddr - sizeof(RtSigframe)) & ~uint64_t{15}) - 8;
    uint64_t end = fpAddr + fpSize + sizeof(uint32_t);
    auto& as = mm::addressSpace();
    // Map the pages now: writing them must not fault, since this may run on a fault's own
    // interrupt stack.
    if (frameAddr >= end || !as.canWrite(frameAddr, end - frameAddr) ||
        !as.populate(frameAddr, end)) {
        cannotDeliver(sig, "the stack cannot hold the signal frame (stack overflow?)");
    }

    // The FPU state goes to the frame as XSAVE (or FXSAVE) data with Linux's markers.
    arch::saveFpu(reinterpret_cast<void*>(fpAddr));
    const auto& cpu = arch::cpuFeatures();
    auto* sw = reinterpret_cast<uint32_t*>(fpAddr + kFpSwBytesOffset);
    sw[0] = kFpXstateMagic1;
    sw[1] = static_cast<uint32_t>(fpSize + sizeof(uint32_t));
    *reinterpret_cast<uint64_t*>(&sw[2]) = cpu.xcr0;
    sw[4] = static_cast<uint32_t>(fpSize);
    for (int i = 5; i < 12; ++i) {
        sw[i] = 0;
    }
    *reinterpret_cast<uint32_t*>(fpAddr + fpSize) = kFpXstateMagic2;
    arch::resetFpuState(); // handlers start with a clean FPU, as on Linux

    auto* f = reinterpret_cast<RtSigframe*>(frameAddr);
    f->pretcode = act.restorer;
    f->uc.flags = (cpu.xsave ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f->uc.link = 0;
    f->uc.stack =
        AltStack{t->altStack.sp, wasOnAlt ? SS_ONSTACK : t->altStack.flags, 0, t->altStack.size};
    Sigcontext& m = f->uc.mcontext;
    m.r8 = ctx.r8;
    m.r9 = ctx.r9;
    m.r10 = ctx.r10;
    m.r11 = ctx.r11;
    m.r12 = ctx.r12;
    m.r13 = ctx.r13;
    m.r14 = ctx.r14;
    m.r15 = ctx.r15;
    m.rdi = ctx.rdi;
    m.rsi = ctx.rsi;
    m.rbp = ctx.rbp;
    m.rbx = ctx.rbx;
    m.rdx = ctx.rdx;
    m.rax = ctx.rax;
    m.rcx = ctx.rcx;
    m.rsp = ctx.rsp;
    m.rip = ctx.rip;
    m.eflags = ctx.rflags;
    m.cs = static_cast<uint16_t>(ctx.cs);
    m.gs = m.fs = 0;
    m.ss = static_cast<uint16_t>(ctx.ss);
    bool fault =
        ctx.vector < 32 && info.code > 0 &&
        (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP);
    m.err = fault ? ctx.error : 0;
    m.trapno = fault ? ctx.vector : 0;
    m.oldmask = t->restoreSigMask ? t->savedSigMask : t->sigMask;
    m.cr2 = fault ? info.u.addr : 0;
    m.fpstate = fpAddr;
    for (auto& r : m.reserved) {
        r = 0;
    }
    f->uc.sigmask = m.oldmask;
    f->info = info;

    ctx.rip = act.handler;
    ctx.rsp = frameAddr;
    ctx.rdi = static_cast<uint64_t>(sig);
    ctx.rsi = frameAddr + offsetof(RtSigframe, info);
    ctx.rdx = frameAddr + offsetof(RtSigframe, uc);
    ctx.rax = 0;
    ctx.rflags &= ~uint64_t{0x400 | 0x100 | 0x10000 | 0x40000}; // DF, TF, RF, AC

    t->restoreSigMask = false;
    t->sigMask |= act.mask;
    if (!(act.flags & SA_NODEFER)) {
        t->sigMask |= bit(sig);
    }
    t->sigMask &= ~kUnblockable;
    if (act.flags & SA_RESETHAND) {
        actions()[sig].handler = kSigDfl;
        actions()[sig].flags &= ~SA_SIGINFO;
    }
}

// Takes the lowest deliverable signal off the thread's or the process's pending set.
int takeSignal(sched::Thread* t, SigInfo* info) {
    return takePending(t, ~t->sigMask | kUnblockable, info);
}

bool defaultIsStop(int sig) {
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// Would delivering `sig` run a handler (as opposed to being ignored or ending the process)?
bool runsHandler(int sig) {
    uint64_t h = actions()[sig].handler;
    return sig != SIGKILL && sig != SIGSTOP && h != kSigDfl && h != kSigIgn;
}

// Delivers at most one handler call into ctx; ignored signals are consumed on the way.
// Returns true if a handler was set up.
bool deliverOne(arch::TrapFrame& ctx) {
    sched::Thread* t = sched::current();
    for (;;) {
        SigInfo info;
        int sig = takeSignal(t, &info);
        if (sig == 0) {
            if (t->restoreSigMask) {
                t->sigMask = t->savedSigMask;
                t->restoreSigMask = false;
            }
            return false;
        }
        const KernelSigaction& act = actions()[sig];
        if (sig == SIGKILL || proc::current()->exiting) {
            terminate(sig);
        }
        if (act.handler == kSigIgn) {
            continue;
        }
        if (act.handler == kSigDfl) {
            if (ignoredByDefault(sig) || defaultIsStop(sig)) {
                continue; // nothing to stop or continue for
            }
            terminate(sig);
        }
        setupFrame(ctx, sig, info, act);
        return true;
    }
}

} // namespace

int takePending(sched::Thread* t, uint64_t set, SigInfo* info) {
    uint64_t ready = (t->sigPending | processPending(t)) & set;
    if (ready == 0) {
        return 0;
    }
    int sig = lowestSignal(ready);
    *info = SigInfo{};
    info->signo = sig;
    if (t->sigPending & bit(sig)) {
        t->sigPending &= ~bit(sig);
        info->code = t->sigCodes[sig];
        info->u.addr = t->faultAddr;
        if (info->code <= 0) {
            info->u.kill.pid = t->sigSenders[sig];
            info->u.kill.uid = 0;
        }
    } else {
        proc::Process* p = t->process;
        p->sigPending &= ~bit(sig);
        info->code = p->sigCodes[sig];
        if (info->code <= 0 || sig == SIGCHLD) {
            info->u.kill.pid = p->sigSenders[sig];
            info->u.kill.uid = 0;
        }
    }
    return sig;
}

uint64_t bit(int sig) {
    return 1ull << (sig - 1);
}

KernelSigaction& action(int sig) {
    return actions()[sig];
}

const char* name(int sig) {
    static const char* const kNames[] = {
        "signal 0",  "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
    if (sig >= 0 && sig < static_cast<int>(sizeof kNames / sizeof kNames[0])) {
        return kNames[sig];
    }
    return sig <= kCount ? "SIGRT" : "signal ?";
}

bool ignoredByDefault(int sig) {
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

void terminate(int sig, bool reported) {
    proc::Process* p = proc::current();
    if (!reported && p == proc::first() && !p->exiting) {
        log::notice("the application was killed by %s", name(sig));
    }
    proc::exitGroup(proc::signaledStatus(sig));
}

bool hasDeliverable(const sched::Thread* t) {
    return pendingFor(t) != 0;
}

uint64_t pendingFor(const sched::Thread* t) {
    return (t->sigPending | processPending(t)) & (~t->sigMask | kUnblockable);
}

uint64_t pendingSet(const sched::Thread* t) {
    return t->sigPending | processPending(t);
}

void setMask(uint64_t mask) {
    sched::current()->sigMask = mask & ~kUnblockable;
}

void sendToProcess(proc::Process* p, int sig, const SigInfo& info) {
    if (p == nullptr || p->zombie) {
        return;
    }
    if (sig == SIGKILL) {
        if (p == proc::current()) {
            terminate(sig);
        }
        // Every thread of the process ends on its way back to the application; an
        // interruptible wait ends at once.
        sched::forEachThread([&](sched::Thread* t) {
            if (t->process == p) {
                t->sigPending |= bit(SIGKILL);
                sched::interrupt(t);
            }
        });
        return;
    }
    const KernelSigaction& act = p->actions[sig];
    bool ignored = act.handler == kSigIgn || (act.handler == kSigDfl && ignoredByDefault(sig));
    bool blockedEverywhere = true;
    sched::forEachThread([&](sched::Thread* t) {
        if (t->process == p) {
            blockedEverywhere &= (t->sigMask & bit(sig)) != 0;
        }
    });
    if (ignored && !blockedEverywhere) {
        return; // discarded, as Linux does for ignored signals
    }
    p->sigPending |= bit(sig);
    p->sigCodes[sig] = info.code;
    p->sigSenders[sig] = info.u.kill.pid;
    // If the running thread of that process can take it, it will on its way back;
    // otherwise wake the threads that could.
    sched::Thread* cur = sched::current();
    if (cur != nullptr && cur->process == p && cur->state == sched::ThreadState::Running &&
        !(cur->sigMask & bit(sig))) {
        return;
    }
    sched::forEachThread([&](sched::Thread* t) {
        if (t->process == p && (!(t->sigMask & bit(sig)) || (t->sigWaitMask & bit(sig)))) {
            sched::interrupt(t);
        }
    });
}

void sendToThread(sched::Thread* t, int sig, const SigInfo& info) {
    if (sig == SIGKILL) {
        sendToProcess(t->process, sig, info); // SIGKILL always takes the whole process
        return;
    }
    t->sigPending |= bit(sig);
    t->sigCodes[sig] = info.code;
    t->sigSenders[sig] = info.u.kill.pid;
    if (!(t->sigMask & bit(sig)) || (t->sigWaitMask & bit(sig))) {
        sched::interrupt(t);
    }
}

void sendToCurrentThread(int sig) {
    SigInfo info{};
    info.signo = sig;
    info.code = SI_KERNEL;
    sendToThread(sched::current(), sig, info);
}

bool raiseFault(int sig, int code, uint64_t addr) {
    sched::Thread* t = sched::current();
    if (t == nullptr || !runsHandler(sig) || (t->sigMask & bit(sig))) {
        // A fault that cannot run a handler kills the process (Linux forces the default).
        return false;
    }
    t->sigPending |= bit(sig);
    t->sigCodes[sig] = code;
    t->faultAddr = addr;
    return true;
}

void deliver(arch::TrapFrame& frame) {
    if (frame.rip >= arch::kUserTop) {
        return;
    }
    deliverOne(frame);
}

long deliverAtSyscallExit(arch::SyscallFrame& frame, long result) {
    sched::Thread* t = sched::current();
    bool restartable = result == -kRestartSys || result == -kRestartNoHandler;
    if (!restartable && !hasDeliverable(t)) {
        if (t->restoreSigMask) {
            t->sigMask = t->savedSigMask;
            t->restoreSigMask = false;
        }
        return result;
    }
    // The interrupted context as the signal frame will record it.
    arch::TrapFrame ctx = arch::frameAfterSyscall(frame, static_cast<uint64_t>(result));
    if (restartable) {
        uint64_t next = pendingFor(t);
        bool handler = next != 0 && runsHandler(lowestSignal(next));
        bool restart = !handler || (result == -kRestartSys &&
                                    (actions()[lowestSignal(next)].flags & SA_RESTART));
        if (restart) {
            ctx.rax = frame.number; // back to the syscall instruction, same number and arguments
            ctx.rip -= 2;
        } else {
            ctx.rax = static_cast<uint64_t>(-EINTR);
        }
    }
    deliverOne(ctx);
    frame.rip = ctx.rip;
    frame.rsp = ctx.rsp;
    frame.rflags = ctx.rflags;
    frame.args[0] = ctx.rdi;
    frame.args[1] = ctx.rsi;
    frame.args[2] = ctx.rdx;
    return static_cast<long>(ctx.rax);
}

void sigreturn(arch::SyscallFrame& frame) {
    sched::Thread* t = sched::current();
    uint64_t ucAddr = frame.rsp; // the handler's `ret` popped pretcode
    if (!mm::addressSpace().canRead(ucAddr, sizeof(Ucontext))) {
        log::notice("fatal: rt_sigreturn with no signal frame on the stack");
        terminate(SIGSEGV, true);
    }
    const auto* uc = reinterpret_cast<const Ucontext*>(ucAddr);
    const Sigcontext& m = uc->mcontext;
    arch::TrapFrame ctx = arch::userFrame(
        m.rip, m.rsp, (frame.rflags & ~kUserFlags) | (m.eflags & kUserFlags) | kFlagIf);
    ctx.r8 = m.r8;
    ctx.r9 = m.r9;
    ctx.r10 = m.r10;
    ctx.r11 = m.r11;
    ctx.r12 = m.r12;
    ctx.r13 = m.r13;
    ctx.r14 = m.r14;
    ctx.r15 = m.r15;
    ctx.rdi = m.rdi;
    ctx.rsi = m.rsi;
    ctx.rbp = m.rbp;
    ctx.rbx = m.rbx;
    ctx.rdx = m.rdx;
    ctx.rax = m.rax;
    ctx.rcx = m.rcx;
    setMask(uc->sigmask);

    // The FPU state: accept it only if it is what setupFrame wrote (XSAVE header sane), so a
    // corrupt frame cannot make xrstor fault in the library OS.
    size_t fpSize = arch::fpuAreaSize();
    const auto& cpu = arch::cpuFeatures();
    bool fpOk = m.fpstate != 0 && m.fpstate % 64 == 0 &&
                mm::addressSpace().canRead(m.fpstate, fpSize + sizeof(uint32_t));
    if (fpOk) {
        auto* sw = reinterpret_cast<const uint32_t*>(m.fpstate + kFpSwBytesOffset);
        fpOk = sw[0] == kFpXstateMagic1;
        if (cpu.xsave) {
            auto* hdr = reinterpret_cast<const uint64_t*>(m.fpstate + 512);
            fpOk = fpOk && (hdr[0] & ~cpu.xcr0) == 0 && hdr[1] == 0;
            for (int i = 2; i < 8 && fpOk; ++i) {
                fpOk = hdr[i] == 0;
            }
        }
        auto* mxcsr = reinterpret_cast<const uint32_t*>(m.fpstate + 24);
        fpOk = fpOk && (*mxcsr & 0xffff0000u) == 0;
    }
    if (fpOk) {
        arch::restoreFpu(reinterpret_cast<const void*>(m.fpstate));
    } else {
        arch::resetFpuState();
    }
    if (!(uc->stack.flags & ~(SS_DISABLE | SS_ONSTACK))) {
        t->altStack.sp = uc->stack.sp;
        t->altStack.size = uc->stack.size;
        t->altStack.flags = uc->stack.flags & SS_DISABLE;
    }
    deliverOne(ctx); // another pending signal goes straight to its handler
    arch::resumeFrame(ctx, t->kstack.top);
}

} // namespace uk::signals
