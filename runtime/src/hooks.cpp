#include <uk/runtime/hooks.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace uk::runtime {

namespace {

void closeFd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
               ::strsignal(WTERMSIG(status)) + ")";
    }
    return "status " + std::to_string(status);
}

// Runs one hook: stdin the state, stdout and stderr collected together (for the message).
void runHook(const Hook& hook, const std::string& name, const std::string& stateJson) {
    std::vector<std::string> args =
        hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env = hook.env;
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    int in[2], out[2], report[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(report, O_CLOEXEC) != 0) {
        throw HookFailed(name + ": cannot create a pipe: " + std::strerror(errno));
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        throw HookFailed(name + ": fork: " + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        ::execve(hook.path.c_str(), argv.data(), envp.data());
        int e = errno;
        (void)!::write(report[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(report[1]);
    int execErrno = 0;
    bool execFailed = ::read(report[0], &execErrno, sizeof execErrno) == sizeof execErrno;
    ::close(report[0]);

    // The state goes in as one write; a hook that does not read it (most do) gets EPIPE here,
    // which is no failure of ours.
    struct sigaction ignore {
    }, old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    if (!execFailed) {
        std::string_view rest = stateJson;
        while (!rest.empty()) {
            ssize_t n = ::write(in[1], rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            rest.remove_prefix(static_cast<size_t>(n));
        }
    }
    closeFd(in[1]);
    ::sigaction(SIGPIPE, &old, nullptr);

    // Until the hook exits (not until its output ends: a hook may leave a daemon holding
    // the pipe), reading what it prints meanwhile. A pidfd wakes us at the exit itself: the
    // pipe's end comes a moment before the exit can be reaped, and napping across that gap
    // cost every create up to one nap (Docker's network hook runs in every docker run).
    // Without pidfds (Linux before 5.3), 20 ms naps.
    std::string output;
    using Clock = std::chrono::steady_clock;
    const auto deadline = hook.timeoutSeconds
                              ? Clock::now() + std::chrono::seconds(*hook.timeoutSeconds)
                              : Clock::time_point::max();
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    bool timedOut = false;
    bool outputOpen = true;
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            timedOut = true;
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        int waitMs = 20;
        if (pidfd >= 0 && deadline == Clock::time_point::max()) {
            waitMs = -1;
        } else if (pidfd >= 0) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
            waitMs = static_cast<int>(std::min<int64_t>(left, 60'000));
        }
        struct pollfd p[2] = {{outputOpen ? out[0] : -1, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (::poll(p, 2, waitMs) > 0 && outputOpen && (p[0].revents & (POLLIN | POLLHUP))) {
            char buf[4096];
            ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n > 0 && output.size() < 8192) {
                output.append(buf, static_cast<size_t>(n));
            } else if (n == 0) {
                outputOpen = false;
            }
        }
    }
    if (pidfd >= 0) {
        ::close(pidfd);
    }
    // What it printed just before exiting.
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while (output.size() < 8192 && (n = ::read(out[0], buf, sizeof buf)) > 0) {
        output.append(buf, static_cast<size_t>(n));
    }
    closeFd(out[0]);
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) {
        output.pop_back();
    }
    std::string tail = output.empty() ? "" : ": " + output;
    if (execFailed) {
        throw HookFailed(name + ": cannot run it: " + std::strerror(execErrno));
    }
    if (timedOut) {
        throw HookFailed(name + ": timed out after " + std::to_string(*hook.timeoutSeconds) + " s" +
                         tail);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw HookFailed(name + ": " + describeStatus(status) + tail);
    }
}

} // namespace

void runHooks(const std::vector<Hook>& hooks, std::string_view stage,
              const std::string& stateJson) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        std::string name =
            std::string(stage) + " hook #" + std::to_string(i) + " (" + hooks[i].path + ")";
        runHook(hooks[i], name, stateJson);
    }
}

} // namespace uk::runtime
