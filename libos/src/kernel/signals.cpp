#include "signals.h"

#include "../app/process.h"

namespace uk::signals {

namespace {
KernelSigaction g_actions[kCount + 1];
uint64_t g_blocked = 0;
}  // namespace

KernelSigaction& action(int sig) { return g_actions[sig]; }
uint64_t& blockedMask() { return g_blocked; }

const char* name(int sig) {
    static const char* const kNames[] = {
        "signal 0", "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT",
        "SIGBUS",   "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",  "SIGUSR2", "SIGPIPE",
        "SIGALRM",  "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",  "SIGSTOP", "SIGTSTP",
        "SIGTTIN",  "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",  "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO",   "SIGPWR",    "SIGSYS"};
    if (sig >= 0 && sig < static_cast<int>(sizeof kNames / sizeof kNames[0])) {
        return kNames[sig];
    }
    return sig <= kCount ? "SIGRT" : "signal ?";
}

bool ignoredByDefault(int sig) {
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

void terminate(int sig) { app::exitProcess(128 + sig); }

}  // namespace uk::signals
