#include <uk/support/error.h>
#include <uk/support/subprocess.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace uk::proc {

namespace {

struct Pipe {
    int read = -1, write = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throwErrno("cannot create a pipe");
        }
        read = fds[0];
        write = fds[1];
    }
};

void closeFd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

Exit decode(int status) {
    Exit e;
    if (WIFEXITED(status)) {
        e.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        e.signal = WTERMSIG(status);
    }
    return e;
}

} // namespace

namespace {

// fork + exec for what posix_spawn cannot do (the parent-death signal). Between fork and exec
// only async-signal-safe calls; a failed exec is reported through a close-on-exec pipe.
pid_t forkExec(const std::vector<char*>& args, const Child::Options& o, int stdinFd, int stdoutFd,
               int stderrFd, int* spawnErrno) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        throwErrno("cannot create a pipe");
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int e = errno;
        ::close(report[0]);
        ::close(report[1]);
        errno = e;
        throwErrno("fork");
    }
    if (pid == 0) {
        ::close(report[0]);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127); // the parent died before the signal was armed
        }
        if (o.newProcessGroup) {
            ::setpgid(0, 0);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig = 1; sig < NSIG; ++sig) {
            ::signal(sig, SIG_DFL);
        }
        int fds[3] = {stdinFd, stdoutFd, stderrFd};
        for (int target = 0; target < 3; ++target) {
            if (fds[target] >= 0 && fds[target] != target) {
                ::dup2(fds[target], target);
            } else if (fds[target] == target) {
                ::fcntl(target, F_SETFD, 0); // keep it across exec
            }
        }
        ::execvp(args[0], args.data());
        int e = errno;
        ssize_t ignored = ::write(report[1], &e, sizeof e);
        (void)ignored;
        ::_exit(127);
    }
    ::close(report[1]);
    int e = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == sizeof e) {
        int status;
        ::waitpid(pid, &status, 0);
        *spawnErrno = e;
        return -1;
    }
    return pid;
}

} // namespace

Child::Child(const std::vector<std::string>& argv, const Options& o) {
    if (argv.empty()) {
        throw Error("internal error: empty command");
    }
    Pipe in, out, err;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    auto wire = [&](bool piped, int pipeEnd, int given, int target) {
        if (piped) {
            posix_spawn_file_actions_adddup2(&actions, pipeEnd, target);
        } else if (given >= 0) {
            posix_spawn_file_actions_adddup2(&actions, given, target);
        }
    };
    wire(o.pipeStdin, in.read, o.stdinFd, 0);
    wire(o.pipeStdout, out.write, o.stdoutFd, 1);
    wire(o.pipeStderr, err.write, o.stderrFd, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    if (o.newProcessGroup) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);

    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    int rc = 0;
    if (o.dieWithParent) {
        auto pick = [](bool piped, int pipeEnd, int given) { return piped ? pipeEnd : given; };
        pid_ = forkExec(args, o, pick(o.pipeStdin, in.read, o.stdinFd),
                        pick(o.pipeStdout, out.write, o.stdoutFd),
                        pick(o.pipeStderr, err.write, o.stderrFd), &rc);
    } else {
        rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), environ);
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    closeFd(in.read);
    closeFd(out.write);
    closeFd(err.write);
    if (rc != 0) {
        closeFd(in.write);
        closeFd(out.read);
        closeFd(err.read);
        throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    in_ = o.pipeStdin ? in.write : (closeFd(in.write), -1);
    out_ = o.pipeStdout ? out.read : (closeFd(out.read), -1);
    err_ = o.pipeStderr ? err.read : (closeFd(err.read), -1);
}

Child::~Child() {
    closeFd(in_);
    closeFd(out_);
    closeFd(err_);
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, SIGKILL);
        int status;
        ::waitpid(pid_, &status, 0);
    }
}

void Child::closeStdin() {
    closeFd(in_);
}

std::optional<Exit> Child::wait(std::optional<std::chrono::milliseconds> timeout) {
    if (exit_) {
        return exit_;
    }
    auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout
                            : std::chrono::steady_clock::time_point::max();
    // With a timeout, a pidfd says when the child has exited (Linux 5.3): a child that closed
    // its pipes is often a moment from exiting, and a fixed nap would add its length to every
    // run. Without one, naps of 2 ms.
    int pidfd = timeout ? static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)) : -1;
    for (;;) {
        int status;
        pid_t r = ::waitpid(pid_, &status, timeout ? WNOHANG : 0);
        if (r == pid_) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            exit_ = decode(status);
            return exit_;
        }
        if (r < 0 && errno != EINTR) {
            int e = errno;
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            errno = e;
            throwErrno("waitpid");
        }
        if (timeout) {
            auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                if (pidfd >= 0) {
                    ::close(pidfd);
                }
                return std::nullopt;
            }
            if (pidfd >= 0) {
                auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
                pollfd p{pidfd, POLLIN, 0};
                ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left + 1, 1 << 30)));
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        }
    }
}

void Child::kill(int signal) {
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, signal);
    }
}

Captured capture(const std::vector<std::string>& argv, const std::string& stdinData) {
    Child::Options o;
    o.pipeStdin = true;
    o.pipeStdout = true;
    o.pipeStderr = true;
    Child child(argv, o);
    Captured result;
    size_t written = 0;
    if (stdinData.empty()) {
        child.closeStdin();
    }
    int fds[3] = {child.stdinFd(), child.stdoutFd(), child.stderrFd()};
    bool open[3] = {fds[0] >= 0, true, true};
    while (open[1] || open[2]) {
        pollfd p[3];
        int n = 0;
        int which[3];
        for (int i = 0; i < 3; ++i) {
            if (open[i]) {
                p[n] = {fds[i], static_cast<short>(i == 0 ? POLLOUT : POLLIN), 0};
                which[n++] = i;
            }
        }
        if (::poll(p, static_cast<nfds_t>(n), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            throwErrno("poll");
        }
        for (int k = 0; k < n; ++k) {
            int i = which[k];
            if (p[k].revents == 0) {
                continue;
            }
            if (i == 0) {
                ssize_t w = ::write(fds[0], stdinData.data() + written, stdinData.size() - written);
                if (w > 0) {
                    written += static_cast<size_t>(w);
                }
                if (w < 0 || written == stdinData.size()) {
                    child.closeStdin();
                    open[0] = false;
                }
                continue;
            }
            char buf[65536];
            ssize_t r = ::read(fds[i], buf, sizeof buf);
            if (r > 0) {
                (i == 1 ? result.out : result.err).append(buf, static_cast<size_t>(r));
            } else if (r == 0 || errno != EINTR) {
                open[i] = false;
            }
        }
    }
    result.exit = *child.wait();
    return result;
}

Exit run(const std::vector<std::string>& argv) {
    Child child(argv, Child::Options{});
    return *child.wait();
}

} // namespace uk::proc
