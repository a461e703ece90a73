#include "signals.h"

#include "../app/process.h"
#include "log.h"

namespace uk::signals {

namespace {
KernelSigaction g_actions[kCount + 1];
uint64_t g_blocked = 0;
uint64_t g_pending = 0;

uint64_t bit(int sig) {
    return 1ull << (sig - 1);
}

void act(int sig) {
    const KernelSigaction& a = g_actions[sig];
    if (sig != SIGKILL && sig != SIGSTOP) {
        if (a.handler == kSigIgn || (a.handler == kSigDfl && ignoredByDefault(sig))) {
            return;
        }
        if (a.handler != kSigDfl) {
            log::notice("%s has a handler, but running signal handlers is not supported yet; "
                        "taking the default action",
                        name(sig));
        }
    }
    if (sig == SIGSTOP || sig == SIGTSTP || sig == 21 /* SIGTTIN */ || sig == 22 /* SIGTTOU */) {
        return; // job control: nobody to stop us for
    }
    terminate(sig);
}
} // namespace

KernelSigaction& action(int sig) {
    return g_actions[sig];
}
uint64_t& blockedMask() {
    return g_blocked;
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
    if (!reported) {
        log::notice("the application was killed by %s", name(sig));
    }
    app::exitProcess(128 + sig);
}

void send(int sig) {
    if (sig != SIGKILL && sig != SIGSTOP && (g_blocked & bit(sig))) {
        g_pending |= bit(sig);
        return;
    }
    act(sig);
}

void deliverPending() {
    uint64_t ready = g_pending & ~g_blocked;
    for (int sig = 1; ready != 0 && sig <= kCount; ++sig) {
        if (ready & bit(sig)) {
            g_pending &= ~bit(sig);
            ready &= ~bit(sig);
            act(sig);
        }
    }
}

} // namespace uk::signals
