// Turns SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 (the signals uk run passes on
// to the application) into bytes on a pipe that the relay loop polls, so a signal
// interrupts nothing halfway and is handled like any other event. Also ignores
// SIGPIPE (QEMU's input pipe may close under us). Restores the previous dispositions.
#pragma once

#include <signal.h>

namespace uk::loader {

class SignalWatch {
public:
    SignalWatch();
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    int fd() const { return readFd_; }
    // The next caught signal, or 0 when none is pending.
    int next();

private:
    static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
    static constexpr size_t kCount = sizeof kSignals / sizeof kSignals[0];
    int readFd_ = -1;
    struct sigaction previous_[kCount] = {};
};

} // namespace uk::loader
