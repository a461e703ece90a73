// Per-process signal state. This step stores dispositions and masks and applies default
// actions; running application handlers comes with the signal-delivery work.
#pragma once

#include <stdint.h>

namespace uk::signals {

inline constexpr int kCount = 64; // signals 1..64
inline constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6,
                     SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12,
                     SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18,
                     SIGSTOP = 19, SIGTSTP = 20, SIGURG = 23, SIGWINCH = 28, SIGSYS = 31;

inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;

// struct k_sigaction as the x86_64 kernel ABI defines it.
struct KernelSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

KernelSigaction& action(int sig);
uint64_t& blockedMask();

const char* name(int sig);
// Signals whose default action is to do nothing.
bool ignoredByDefault(int sig);

// Ends the application as if `sig` had killed it: status 128 + sig. Says so on the console
// unless the caller already printed a report (CPU faults do).
[[noreturn]] void terminate(int sig, bool reported = false);

// A signal for the process itself (kill/tkill/raise): ignored, left pending while blocked,
// or acted on. Returns only if the signal did not end the process.
void send(int sig);
// Acts on pending signals that are no longer blocked (after the mask changes).
void deliverPending();

} // namespace uk::signals
