// The container process: what `create` forks and containerd's shim waits for. It leaves
// uk-runtime's session (setsid), enters the container's network namespace, takes its
// standard streams (those `create` was given, or a new pty whose master goes to the
// --console-socket), and then blocks on the exec FIFO until `start` writes to it, when it
// becomes `uk run` (exec): the VM's application's exit status is the process's.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>

namespace uk::runtime {

struct ContainerProcessSpec {
    // uk run's, argv[0] the uk program's path; with --start-gate on the exec FIFO, so that
    // the guest boots as soon as create is done and waits for `start` at its application's
    // entry, as runc's init waits at the exec FIFO.
    std::vector<std::string> argv;
    NetworkNamespace network = NetworkNamespace::Host;
    std::filesystem::path networkPath;   // with Join
    bool terminal = false;               // process.terminal: a pty as stdin/stdout/stderr
    std::filesystem::path consoleSocket; // with terminal: where the pty master is sent
    unsigned preserveFds = 0;            // fds 3.. that stay open across exec
    // uk run's TMPDIR: its control FIFO lives there, and a uk run killed with SIGKILL cannot
    // remove it, so it goes with the container's state directory. Empty: inherited.
    std::filesystem::path tmpDir;
    // When this file exists once create boots the process, its words (separated by NUL bytes)
    // replace argv: create decides the network (tap or user) after the hooks have run, which
    // is after the process was forked.
    std::filesystem::path argvFile;
};

// The forked container process and create's two pipes to it, closed when this goes (the
// process then exits, if it has not booted: what a failed create wants).
struct SpawnedProcess {
    pid_t pid = -1;
    int reportFd = -1; // where the child says it is ready (awaitContainerProcess)
    int bootFd = -1;   // the go-ahead (bootContainerProcess)

    SpawnedProcess() = default;
    SpawnedProcess(const SpawnedProcess&) = delete;
    SpawnedProcess& operator=(const SpawnedProcess&) = delete;
    ~SpawnedProcess();
    bool booted() const { return bootFd < 0; }
};

// Forks the container process and returns at once: it sets itself up (namespace joined or
// made, pty sent) while the caller goes on (writing the root file system archive), and
// awaitContainerProcess waits for it to be ready to boot. The child is not reaped here:
// when uk-runtime exits, it passes to the nearest subreaper (containerd's shim), which waits
// for it.
void spawnContainerProcess(const ContainerProcessSpec& spec, SpawnedProcess& out);

// Waits until the child is ready to boot, then it waits for bootContainerProcess. Throws
// uk::Error with the child's reason when it cannot get there; the child is then killed and
// reaped (and its boot descriptor closed).
void awaitContainerProcess(SpawnedProcess& process);

// Lets the process exec uk run (argvFile's words, if any), which boots the guest up to its
// start gate; closes the go-ahead pipe.
void bootContainerProcess(SpawnedProcess& process);

// `start`: writes `line` (one write: "0", or network settings, see uk run --start-gate) to
// `fifo`, which opens the guest's start gate; uk run opens the FIFO once it runs, until then
// (at most `waitMs`) it is retried while `alive` says the process is there. Throws uk::Error
// when the process is gone or never opened the FIFO.
void releaseContainerProcess(const std::filesystem::path& fifo, const std::string& line,
                             const std::function<bool()>& alive, int waitMs = 10000);

// Sends `signal` to every process of the container's session; returns how many there were.
size_t signalSession(pid_t sid, int signal);

// Kills (SIGKILL) everything in the container's session, then waits up to `timeoutMs` for the
// container process to be gone (or a zombie). Returns false when it did not go.
bool killSessionAndWait(pid_t sid, uint64_t startTime, int timeoutMs);

} // namespace uk::runtime
