#include <uk/runtime/container_process.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include <uk/runtime/container_state.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace uk::runtime {

namespace {

// What the child reports to `create` when it is ready.
constexpr char kReady[] = "ready";

using uk::fs::writeAll;

// In the child: reports `what` (with errno's text) to `create` and exits.
[[noreturn]] void childFail(int report, const std::string& what) {
    writeAll(report, what + ": " + std::strerror(errno));
    ::_exit(1);
}

// Sends the pty master to the --console-socket, as runc does: one message whose data is the
// pty's name and whose SCM_RIGHTS carries the descriptor.
void sendConsole(int report, const std::filesystem::path& socketPath, int master,
                 const std::string& name) {
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        childFail(report, "console socket: socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socketPath.string().size() >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        childFail(report, "console socket " + socketPath.string());
    }
    std::strncpy(addr.sun_path, socketPath.c_str(), sizeof addr.sun_path - 1);
    if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        childFail(report, "cannot connect to the console socket " + socketPath.string());
    }
    iovec iov{const_cast<char*>(name.data()), name.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
        childFail(report, "cannot send the pty to the console socket " + socketPath.string());
    }
    ::close(sock);
}

// The child's side, from fork to exec. uk-runtime is single-threaded, so the child may
// allocate; it reports failures on `report` and exits, or writes kReady, closes `report`
// and waits for create's byte on `boot`.
[[noreturn]] void runChild(const ContainerProcessSpec& spec, int report, int boot,
                           std::vector<char*>& argv) {
    // The signals the shim and uk-runtime ignored or blocked must not reach uk run that way
    // (an ignored SIGTERM would stay ignored across exec and `docker stop` would not stop it).
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) {
        if (s != SIGKILL && s != SIGSTOP) {
            ::signal(s, SIG_DFL);
        }
    }
    // Its own session: signals for the container's processes reach them all by session, and
    // the pty (with a terminal) can become its controlling terminal.
    if (::setsid() < 0) {
        childFail(report, "setsid");
    }
    if (spec.network == NetworkNamespace::Join) {
        int ns = ::open(spec.networkPath.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0) {
            childFail(report, "cannot open the network namespace " + spec.networkPath.string());
        }
        if (::setns(ns, CLONE_NEWNET) != 0) {
            childFail(report, "cannot join the network namespace " + spec.networkPath.string());
        }
        ::close(ns);
    } else if (spec.network == NetworkNamespace::New) {
        if (::unshare(CLONE_NEWNET) != 0) {
            childFail(report, "cannot create a network namespace");
        }
    }
    if (spec.terminal) {
        int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
            childFail(report, "cannot open a pty");
        }
        char name[128];
        if (::ptsname_r(master, name, sizeof name) != 0) {
            childFail(report, "ptsname");
        }
        int slave = ::open(name, O_RDWR | O_NOCTTY);
        if (slave < 0) {
            childFail(report, std::string("cannot open ") + name);
        }
        if (::ioctl(slave, TIOCSCTTY, 0) != 0) {
            childFail(report, "cannot make the pty the controlling terminal");
        }
        sendConsole(report, spec.consoleSocket, master, name);
        ::close(master);
        for (int fd = 0; fd < 3; ++fd) {
            ::dup2(slave, fd);
        }
        if (slave > 2) {
            ::close(slave);
        }
    }
    if (::chdir("/") != 0) {
        childFail(report, "chdir /");
    }
    if (!spec.tmpDir.empty() && ::setenv("TMPDIR", spec.tmpDir.c_str(), 1) != 0) {
        childFail(report, "setenv TMPDIR");
    }
    // Nothing of the shim's or uk-runtime's beyond stdin, stdout, stderr and the preserved
    // descriptors reaches uk run.
    ::syscall(SYS_close_range, 3 + spec.preserveFds, ~0U, CLOSE_RANGE_CLOEXEC);
    for (unsigned fd = 3; fd < 3 + spec.preserveFds; ++fd) {
        ::fcntl(static_cast<int>(fd), F_SETFD, 0);
    }

    writeAll(report, kReady);
    ::close(report);

    // Blocks until create is done (the hooks ran, the network is settled); end of file
    // instead of the byte means that create failed.
    char byte;
    ssize_t n;
    do {
        n = ::read(boot, &byte, 1);
    } while (n < 0 && errno == EINTR);
    ::close(boot);
    if (n != 1) {
        ::_exit(125);
    }
    // The command create settled on after forking this process (the tap network), if any.
    std::vector<std::string> finalWords;
    std::vector<char*> finalArgv;
    if (!spec.argvFile.empty()) {
        std::string text;
        try {
            text = fs::readFile(spec.argvFile);
        } catch (const Error&) {
        }
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\0', start);
            if (end == std::string::npos) {
                end = text.size();
            }
            finalWords.push_back(text.substr(start, end - start));
            start = end + 1;
        }
        if (!finalWords.empty()) {
            for (auto& w : finalWords) {
                finalArgv.push_back(w.data());
            }
            finalArgv.push_back(nullptr);
            argv = finalArgv;
        }
    }
    ::execv(argv[0], argv.data());
    std::string message =
        std::string("uk-runtime: cannot run ") + argv[0] + ": " + std::strerror(errno) + "\n";
    writeAll(2, message);
    ::_exit(125); // as `uk run` itself reports failures of its own
}

} // namespace

SpawnedProcess::~SpawnedProcess() {
    for (int fd : {reportFd, bootFd}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void spawnContainerProcess(const ContainerProcessSpec& spec, SpawnedProcess& out) {
    if (spec.argv.empty()) {
        throw Error("no command for the container process");
    }
    std::vector<std::string> words = spec.argv;
    std::vector<char*> argv;
    for (auto& w : words) {
        argv.push_back(w.data());
    }
    argv.push_back(nullptr);

    // Two pipes: the child's report (read here) and the boot byte (read there). The child's
    // ends go above the descriptors the container keeps, so that none of them is a pipe.
    const int above = static_cast<int>(3 + spec.preserveFds + 16);
    int fds[2], bootFds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throwErrno("cannot create a pipe");
    }
    if (::pipe2(bootFds, O_CLOEXEC) != 0) {
        int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        errno = e;
        throwErrno("cannot create a pipe");
    }
    int report = ::fcntl(fds[1], F_DUPFD_CLOEXEC, above);
    int boot = ::fcntl(bootFds[0], F_DUPFD_CLOEXEC, above);
    ::close(fds[1]);
    ::close(bootFds[0]);
    auto closeAll = [&] {
        int e = errno;
        for (int fd : {fds[0], report, boot, bootFds[1]}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        errno = e;
    };
    if (report < 0 || boot < 0) {
        closeAll();
        throwErrno("cannot create a pipe");
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        closeAll();
        throwErrno("fork");
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::close(bootFds[1]);
        runChild(spec, report, boot, argv);
    }
    ::close(report);
    ::close(boot);
    out.pid = pid;
    out.reportFd = fds[0];
    out.bootFd = bootFds[1];
}

void awaitContainerProcess(SpawnedProcess& process) {
    std::string message;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(process.reportFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        message.append(buf, static_cast<size_t>(n));
    }
    ::close(std::exchange(process.reportFd, -1));
    if (message == kReady) {
        return;
    }
    ::close(std::exchange(process.bootFd, -1));
    ::kill(process.pid, SIGKILL);
    while (::waitpid(process.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw Error(message.empty() ? "the container process ended before it was ready" : message);
}

void bootContainerProcess(SpawnedProcess& process) {
    ssize_t n;
    do {
        n = ::write(process.bootFd, "1", 1);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    ::close(std::exchange(process.bootFd, -1));
    if (n != 1) {
        errno = e;
        throwErrno("cannot boot the container process");
    }
}

void releaseContainerProcess(const std::filesystem::path& fifo, const std::string& line,
                             const std::function<bool()>& alive, int waitMs) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(waitMs);
    int fd;
    // No reader yet (ENXIO) while uk run is still starting: it opens the FIFO before it
    // starts QEMU, within milliseconds of create's end.
    while ((fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        if (errno != ENXIO) {
            throwErrno("cannot open " + fifo.string());
        }
        if (!alive()) {
            throw Error("the container process is not waiting to start (it has exited)");
        }
        if (Clock::now() >= deadline) {
            throw Error("the container process did not open its start gate " + fifo.string() +
                        " within " + std::to_string(waitMs / 1000) + " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // One write, at most PIPE_BUF bytes: uk run reads it whole.
    const std::string text = line + "\n";
    if (text.size() > PIPE_BUF) {
        ::close(fd);
        throw Error("the start's settings are too long for one write to " + fifo.string());
    }
    ssize_t n;
    do {
        n = ::write(fd, text.data(), text.size());
    } while (n < 0 && errno == EINTR);
    int e = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size())) {
        errno = e;
        throwErrno("cannot write to " + fifo.string());
    }
}

size_t signalSession(pid_t sid, int signal) {
    auto pids = sessionProcesses(sid);
    for (pid_t p : pids) {
        ::kill(p, signal);
    }
    return pids.size();
}

bool killSessionAndWait(pid_t sid, uint64_t startTime, int timeoutMs) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        size_t left = signalSession(sid, SIGKILL);
        if (left == 0 && !processRunning(sid, startTime)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace uk::runtime
