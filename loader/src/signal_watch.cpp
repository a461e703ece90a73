#include "signal_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <uk/support/error.h>

namespace uk::loader {

namespace {

// Only one watch exists at a time (uk run runs one VM); a handler can reach nothing else.
volatile sig_atomic_t g_writeFd = -1;

void onSignal(int sig) {
    int saved = errno;
    unsigned char b = static_cast<unsigned char>(sig);
    if (g_writeFd >= 0) {
        // A full pipe drops the byte, and a pending byte is enough to act on.
        [[maybe_unused]] ssize_t n = ::write(g_writeFd, &b, 1);
    }
    errno = saved;
}

} // namespace

SignalWatch::SignalWatch() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        throwErrno("cannot create a pipe");
    }
    readFd_ = fds[0];
    g_writeFd = fds[1];
    for (size_t i = 0; i < kCount; ++i) {
        sigaction(kSignals[i], nullptr, &previous_[i]);
        // A signal ignored on entry stays ignored, as POSIX asks of programs started by
        // `nohup` (SIGHUP) or as background jobs of a non-interactive shell (SIGINT).
        if (previous_[i].sa_handler == SIG_IGN) {
            continue;
        }
        struct sigaction sa = {};
        sa.sa_handler = kSignals[i] == SIGPIPE ? SIG_IGN : onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(kSignals[i], &sa, nullptr);
    }
}

SignalWatch::~SignalWatch() {
    for (size_t i = 0; i < kCount; ++i) {
        sigaction(kSignals[i], &previous_[i], nullptr);
    }
    int w = g_writeFd;
    g_writeFd = -1;
    ::close(w);
    ::close(readFd_);
}

int SignalWatch::next() {
    unsigned char b;
    ssize_t n = ::read(readFd_, &b, 1);
    return n == 1 ? b : 0;
}

} // namespace uk::loader
