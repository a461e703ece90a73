// Lets `uk build` clean up when interrupted: while a DeferredSignals lives, SIGINT, SIGTERM
// and SIGHUP only set a flag (child processes still get the default action). The build
// then stops, its destructors remove the temporary files, and reraise() ends the process
// with the signal as it would have without us.
#pragma once

#include <signal.h>

namespace uk::toolchain {

class DeferredSignals {
public:
    DeferredSignals();
    ~DeferredSignals();
    DeferredSignals(const DeferredSignals&) = delete;
    DeferredSignals& operator=(const DeferredSignals&) = delete;

    // The first deferred signal, or 0.
    int pending() const;
    // Restores the previous handlers and, if a signal is pending, raises it again.
    void reraise();

private:
    void restore();

    static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction previous_[3];
    bool installed_[3] = {};
};

} // namespace uk::toolchain
