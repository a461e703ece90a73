// Signal dispositions and masks, and signals sent to the process itself. Handlers are
// recorded; running them (signal frames) comes with the signal-delivery work, so a signal
// that would run a handler is reported and then takes its default action (kernel/signals).
#include "../app/process.h"
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;
namespace sg = signals;

constexpr uint64_t kUnblockable = (1ull << (sg::SIGKILL - 1)) | (1ull << (sg::SIGSTOP - 1));

long sysRtSigaction(int sig, const void* act, void* oldact, size_t setsize) {
    if (setsize != 8) {
        return -EINVAL;
    }
    if (sig < 1 || sig > sg::kCount) {
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
        sg::action(sig) = *static_cast<const sg::KernelSigaction*>(act);
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
    uint64_t& mask = sg::blockedMask();
    uint64_t previous = mask;
    if (set != nullptr) {
        uint64_t s = *static_cast<const uint64_t*>(set);
        switch (how) {
        case kSigBlock:
            mask |= s;
            break;
        case kSigUnblock:
            mask &= ~s;
            break;
        case kSigSetmask:
            mask = s;
            break;
        default:
            return -EINVAL;
        }
        mask &= ~kUnblockable;
    }
    if (oldset != nullptr) {
        *static_cast<uint64_t*>(oldset) = previous;
    }
    sg::deliverPending();
    return 0;
}

struct StackT {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
StackT g_altStack{0, 2 /* SS_DISABLE */, 0, 0};

long sysSigaltstack(const void* ss, void* old) {
    auto& as = addressSpace();
    if (ss != nullptr && !as.canRead(reinterpret_cast<uint64_t>(ss), sizeof(StackT))) {
        return -EFAULT;
    }
    if (old != nullptr && !as.canWrite(reinterpret_cast<uint64_t>(old), sizeof(StackT))) {
        return -EFAULT;
    }
    StackT previous = g_altStack;
    if (ss != nullptr) {
        StackT n = *static_cast<const StackT*>(ss);
        if (n.flags & ~2) {
            return -EINVAL;
        }
        if (!(n.flags & 2) && n.size < 2048) {
            return -ENOMEM;
        }
        g_altStack = n;
    }
    if (old != nullptr) {
        *static_cast<StackT*>(old) = previous;
    }
    return 0;
}

// A signal sent to ourselves (raise, abort, kill(getpid())).
long sendToSelf(int sig) {
    if (sig == 0) {
        return 0; // existence check
    }
    if (sig < 1 || sig > sg::kCount) {
        return -EINVAL;
    }
    sg::send(sig);
    return 0;
}

long sysKill(int pid, int sig) {
    if (pid != app::kPid && pid != 0 && pid != -1) {
        return -ESRCH;
    }
    return sendToSelf(sig);
}

long sysTkill(int tid, int sig) {
    return tid == app::kPid ? sendToSelf(sig) : -ESRCH;
}

long sysTgkill(int tgid, int tid, int sig) {
    return (tgid == app::kPid && tid == app::kPid) ? sendToSelf(sig) : -ESRCH;
}

} // namespace

UK_SYSCALL(rt_sigaction, sysRtSigaction, Partial,
           "dispositions are kept; handlers do not run yet (default actions apply)");
UK_SYSCALL(rt_sigprocmask, sysRtSigprocmask, Implemented, "");
UK_SYSCALL(sigaltstack, sysSigaltstack, Partial, "recorded; used once handlers run");
UK_SYSCALL(kill, sysKill, Partial, "only the process itself exists");
UK_SYSCALL(tkill, sysTkill, Partial, "only the process itself exists");
UK_SYSCALL(tgkill, sysTgkill, Partial, "only the process itself exists");

} // namespace uk::sys
