// The container process: what `create` forks and containerd's shim waits for. It leaves
// uk-runtime's session (setsid), enters the container's network namespace, takes its
// standard streams (those `create` was given, or a new pty whose master goes to the
// --console-socket), and then blocks on the exec FIFO until `start` writes to it, when it
// becomes `uk run` (exec): the VM's application's exit status is the process's.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>

namespace uk::runtime {

struct ContainerProcessSpec {
    std::vector<std::string> argv; // uk run's, argv[0] the uk program's path
    std::filesystem::path execFifo;
    NetworkNamespace network = NetworkNamespace::Host;
    std::filesystem::path networkPath;   // with Join
    bool terminal = false;               // process.terminal: a pty as stdin/stdout/stderr
    std::filesystem::path consoleSocket; // with terminal: where the pty master is sent
    unsigned preserveFds = 0;            // fds 3.. that stay open across exec
    // uk run's TMPDIR: its control FIFO lives there, and a uk run killed with SIGKILL cannot
    // remove it, so it goes with the container's state directory. Empty: inherited.
    std::filesystem::path tmpDir;
    // When this file exists once `start` released the process, its words (separated by NUL
    // bytes) replace argv: create decides the network (tap or user) after the hooks have run,
    // which is after the process was forked.
    std::filesystem::path argvFile;
};

// Forks the container process and returns its pid once it waits on the FIFO (namespace
// joined, pty sent). Throws uk::Error with the child's reason when it cannot get there; the
// child is then killed and reaped. The child is not reaped otherwise: when uk-runtime exits,
// it passes to the nearest subreaper (containerd's shim), which waits for it.
pid_t spawnContainerProcess(const ContainerProcessSpec& spec);

// `start`: lets the process waiting on `fifo` go on to exec uk run. Throws uk::Error when no
// process waits (it died).
void releaseContainerProcess(const std::filesystem::path& fifo);

// Sends `signal` to every process of the container's session; returns how many there were.
size_t signalSession(pid_t sid, int signal);

// Kills (SIGKILL) everything in the container's session, then waits up to `timeoutMs` for the
// container process to be gone (or a zombie). Returns false when it did not go.
bool killSessionAndWait(pid_t sid, uint64_t startTime, int timeoutMs);

} // namespace uk::runtime
