// Signals: dispositions (per process), masks and pending sets (per thread, plus the
// process's own pending set), and delivery to application handlers with Linux's x86_64
// rt_sigframe, so that libc's sigreturn trampolines, siglongjmp and ucontext readers work.
//
// Delivery happens on the way back to the application: at the end of a system call
// (deliverAtSyscallExit) and at the end of an interrupt or exception (deliver). CPU faults
// become signals through raiseFault, which either arranges a handler call or ends the process
// with a report.
#pragma once

#include <stdint.h>
#include <uk/arch/trap.h>

namespace uk::sched {
struct Thread;
}
namespace uk::proc {
struct Process;
}

namespace uk::signals {

inline constexpr int kCount = 64; // signals 1..64
inline constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6,
                     SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12,
                     SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18,
                     SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
                     SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGSYS = 31;

inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;

inline constexpr uint64_t SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4,
                          SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
                          SA_RESETHAND = 0x80000000, SA_RESTORER = 0x04000000;

// si_code values.
inline constexpr int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6, SI_TIMER = -2;
inline constexpr int SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, FPE_INTDIV = 1,
                     FPE_FLTINV = 7, ILL_ILLOPN = 2, TRAP_BRKPT = 1;

// Kernel-internal system call results that mean "interrupted by a signal": restart the call
// if no handler runs or the handler has SA_RESTART (RestartSys), only if no handler runs
// (RestartNoHandler); otherwise the caller sees EINTR.
inline constexpr long kRestartSys = 512;
inline constexpr long kRestartNoHandler = 514;

// struct k_sigaction as the x86_64 kernel ABI defines it.
struct KernelSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

// The parts of siginfo_t we fill (128 bytes on the wire).
struct SigInfo {
    int32_t signo;
    int32_t errnoValue;
    int32_t code;
    int32_t pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
        } kill;
        uint64_t addr; // faults
        uint8_t raw[112];
    } u;
};
static_assert(sizeof(SigInfo) == 128);

// The current process's disposition of `sig`.
KernelSigaction& action(int sig);

const char* name(int sig);
// Signals whose default action is to do nothing.
bool ignoredByDefault(int sig);
uint64_t bit(int sig);

// Ends the current process as if `sig` had killed it (its parent's wait sees the signal;
// for the first process the machine stops with status 128 + sig). Says so on the console
// for the first process unless the caller already printed a report (CPU faults do).
[[noreturn]] void terminate(int sig, bool reported = false);

// A signal for the whole process (kill, alarm, a pipe's SIGPIPE goes to the thread): pending
// until a thread that does not block it returns to the application; a blocked thread that
// could take it is woken.
void sendToProcess(proc::Process* p, int sig, const SigInfo& info);
void sendToThread(sched::Thread* t, int sig, const SigInfo& info);
// Convenience: from the kernel to the current thread (e.g. SIGPIPE).
void sendToCurrentThread(int sig);

// Takes the lowest signal in `set` that is pending for `t` (its own, then its process's)
// off the pending sets and describes it in *info; 0 if none is (rt_sigtimedwait).
int takePending(sched::Thread* t, uint64_t set, SigInfo* info);

// Is a signal deliverable to `t` (pending and not blocked)?
bool hasDeliverable(const sched::Thread* t);
uint64_t pendingFor(const sched::Thread* t); // pending and not blocked
uint64_t pendingSet(const sched::Thread* t); // pending, blocked or not

// The current thread's mask changed (rt_sigprocmask, sigreturn): nothing to do now, but
// pending signals may have become deliverable; they are delivered on the way out.
void setMask(uint64_t mask);

// A CPU fault in the application. If the signal will run a handler, queues it for the
// current thread and returns true (the exception returns, and deliver() sets up the handler).
// Otherwise returns false: the caller reports and terminates.
bool raiseFault(int sig, int code, uint64_t addr);

// Sets up a handler call (or takes a default action) for the next deliverable signal, editing
// the interrupted context in `frame`.
void deliver(arch::TrapFrame& frame);
// The same at the end of a system call: may turn a restart result into EINTR or a restart,
// and edits the frame; returns the value for %rax.
long deliverAtSyscallExit(arch::SyscallFrame& frame, long result);

// rt_sigreturn: restores the context saved in the signal frame at the caller's stack and
// resumes it. Never returns.
[[noreturn]] void sigreturn(arch::SyscallFrame& frame);

// sigaltstack, per thread.
struct AltStack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
inline constexpr int SS_ONSTACK = 1, SS_DISABLE = 2;

} // namespace uk::signals
