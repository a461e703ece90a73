#include <uk/toolchain/deferred_signals.h>

namespace uk::toolchain {

namespace {

volatile sig_atomic_t g_pendingSignal = 0;

void deferSignal(int signal) {
    if (g_pendingSignal == 0) {
        g_pendingSignal = signal;
    }
}

} // namespace

DeferredSignals::DeferredSignals() {
    g_pendingSignal = 0;
    for (int i = 0; i < 3; ++i) {
        struct sigaction current;
        sigaction(kSignals[i], nullptr, &current);
        if (current.sa_handler == SIG_IGN) {
            continue; // e.g. SIGHUP under nohup: stay ignored
        }
        struct sigaction action = {};
        action.sa_handler = deferSignal;
        action.sa_flags = SA_RESTART;
        sigemptyset(&action.sa_mask);
        installed_[i] = sigaction(kSignals[i], &action, &previous_[i]) == 0;
    }
}

DeferredSignals::~DeferredSignals() {
    restore();
}

void DeferredSignals::restore() {
    for (int i = 0; i < 3; ++i) {
        if (installed_[i]) {
            sigaction(kSignals[i], &previous_[i], nullptr);
            installed_[i] = false;
        }
    }
}

int DeferredSignals::pending() const {
    return g_pendingSignal;
}

void DeferredSignals::reraise() {
    int signal = g_pendingSignal;
    restore();
    if (signal != 0) {
        raise(signal);
    }
}

} // namespace uk::toolchain
