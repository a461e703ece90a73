#include <uk/loader/instance_supervisor.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <uk/loader/process_info.h>
#include <uk/support/fs.h>

namespace uk::loader {

namespace {

// How long a --rm instance waits for `uk wait`ers to read its exit status.
constexpr std::chrono::milliseconds kWaitersGrace{5000};

// Closes every descriptor above 2 but `keep`: whatever the caller's shell left open (a
// pipe of a command substitution, a test's log) must not stay open for the VM's lifetime.
void closeInheritedDescriptors(int keep) {
    std::vector<int> open;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        int self = ::dirfd(d);
        while (dirent* e = ::readdir(d)) {
            int fd = std::atoi(e->d_name);
            if (e->d_name[0] != '.' && fd > 2 && fd != keep && fd != self) {
                open.push_back(fd);
            }
        }
        ::closedir(d);
    }
    for (int fd : open) {
        ::close(fd);
    }
}

void redirect(int fd, const char* path, int flags) {
    int opened = ::open(path, flags | O_CLOEXEC, 0600);
    if (opened < 0) {
        throwErrno(std::string("cannot open ") + path);
    }
    if (::dup2(opened, fd) < 0) {
        throwErrno("dup2");
    }
    ::close(opened);
}

// The supervisor: from its setup to the VM's end. Returns runVm's status.
int supervise(const InstanceStore& store, const Instance& instance, int readyFd,
              const std::function<int(const Instance&)>& runVm) {
    InstanceState state;
    try {
        if (::chdir("/") != 0) {
            throwErrno("chdir /");
        }
        closeInheritedDescriptors(readyFd);
        redirect(0, "/dev/null", O_RDONLY);
        redirect(1, instance.logPath().c_str(), O_WRONLY | O_APPEND);
        if (::dup2(1, 2) < 0) {
            throwErrno("dup2");
        }
        // uk run acts on (and passes on to the application) only the signals that were not
        // ignored on entry; a detached instance must always take `uk stop`'s.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
            ::signal(sig, SIG_DFL);
        }
        auto self = identifyProcess(::getpid());
        if (!self) {
            throw Error("cannot read /proc/self/stat");
        }
        state.phase = InstancePhase::Running;
        state.supervisor = *self;
        state.started = wallNow();
        store.writeState(instance, state);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk run: %s\n", e.what());
        std::fflush(stderr);
        ::_exit(125); // the caller sees no ready byte and reports it
    }
    char ready = 'r';
    [[maybe_unused]] ssize_t n = ::write(readyFd, &ready, 1);
    ::close(readyFd);

    int status = runVm(instance);
    std::fflush(stdout);
    std::fflush(stderr);
    state.phase = InstancePhase::Exited;
    state.exitCode = status;
    state.finished = wallNow();
    try {
        store.writeState(instance, state);
        if (instance.config.autoRemove) {
            store.removeWhenUnwatched(instance, kWaitersGrace);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk run: %s\n", e.what());
    }
    return status;
}

} // namespace

DetachOutcome startDetached(const InstanceStore& store, InstanceConfig config,
                            const std::function<int(const Instance&)>& runVm) {
    Instance instance = store.create(std::move(config));
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) {
        int e = errno;
        store.remove(instance);
        errno = e;
        throwErrno("cannot create a pipe");
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t first = ::fork();
    if (first < 0) {
        int e = errno;
        ::close(ready[0]);
        ::close(ready[1]);
        store.remove(instance);
        errno = e;
        throwErrno("fork");
    }
    if (first == 0) {
        ::close(ready[0]);
        ::setsid(); // no controlling terminal: the terminal's signals and hangup pass it by
        pid_t second = ::fork();
        if (second != 0) {
            ::_exit(second < 0 ? 1 : 0); // the supervisor is reparented to init (or a
                                         // subreaper), which reaps it when it ends
        }
        DetachOutcome outcome;
        outcome.inSupervisor = true;
        outcome.status = supervise(store, instance, ready[1], runVm);
        outcome.instance = instance;
        return outcome;
    }
    ::close(ready[1]);
    int status;
    while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
    }
    char byte = 0;
    ssize_t got;
    do {
        got = ::read(ready[0], &byte, 1);
    } while (got < 0 && errno == EINTR);
    ::close(ready[0]);
    if (got != 1) {
        std::string said;
        try {
            said = fs::readFile(instance.logPath());
        } catch (const Error&) {
        }
        while (!said.empty() && said.back() == '\n') {
            said.pop_back();
        }
        store.remove(instance);
        throw Error("the supervisor of instance " + instance.config.name + " did not start" +
                    (said.empty() ? std::string() : ":\n" + said));
    }
    DetachOutcome outcome;
    outcome.instance = instance;
    try {
        outcome.instance = store.reload(instance);
    } catch (const NoSuchInstance&) {
        // A --rm instance that has already ended and gone.
    }
    return outcome;
}

} // namespace uk::loader
