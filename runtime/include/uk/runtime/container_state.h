// What uk-runtime keeps about a container between its commands, in ROOT/ID/ (ROOT is
// --root): uk-container.json (the marker: a uk container, and its state), exec.fifo (the
// container process waits on it until `start`) and tmp/ (uk run's TMPDIR). runc keeps its own
// containers in ROOT/ID/state.json, so the two share a root: an ID without the marker is runc's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <uk/runtime/bundle_spec.h>
#include <uk/runtime/tap_network.h>

namespace uk::runtime {

enum class Status { Created, Running, Paused, Stopped };

// "created", "running", "paused", "stopped": runc's names.
const char* statusName(Status status);

struct ContainerState {
    std::string id;
    pid_t pid = 0;             // the container process (uk run once started)
    uint64_t pidStartTime = 0; // /proc/PID/stat's starttime, so a reused pid is not taken for it
    std::filesystem::path bundle;
    std::filesystem::path rootfs;
    std::filesystem::path initrd; // the guest's root file system, a cpio archive
    std::string created;          // RFC 3339 with nanoseconds, UTC
    bool started = false;         // `start` released the process
    bool paused = false;
    std::vector<std::filesystem::path> cgroupDirs; // made by create, removed by delete
    std::vector<std::pair<std::string, std::string>> annotations;
    std::vector<Hook> poststart; // kept from config.json: the bundle may be gone by then
    std::vector<Hook> poststop;
    // The tap create wired in the container's network namespace (nullopt: the user network),
    // and that namespace's path when it outlives the container (linux.namespaces gave one:
    // a pod's, another container's), where delete gives the interface its addresses back.
    std::optional<TapWiring> tap;
    std::filesystem::path tapNamespace;
    // What `start` writes to the exec FIFO for uk run --start-gate: "0", or the network
    // settings create learned after the guest had booted (--mac ... --ip ..., --no-network).
    std::string startLine = "0";
};

class StateDirectory {
public:
    // Throws UsageError for an ID runc would refuse (it becomes a path component).
    StateDirectory(std::filesystem::path root, std::string id);

    const std::string& id() const { return id_; }
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path marker() const { return dir_ / "uk-container.json"; }
    std::filesystem::path execFifo() const { return dir_ / "exec.fifo"; }
    // uk run's temporary files (TMPDIR), removed with the rest by delete.
    std::filesystem::path tmpDir() const { return dir_ / "tmp"; }
    // uk run's command line as create settled it after the hooks (the tap network), words
    // separated by NUL bytes: the container process execs it.
    std::filesystem::path runArgs() const { return dir_ / "uk-run.args"; }

    // ROOT/ID exists: a container of uk's or runc's has this ID.
    bool exists() const;
    // ROOT/ID/uk-container.json exists: the container is uk's.
    bool isUkContainer() const;

    // Makes ROOT (0711) if needed and ROOT/ID (0700). Throws uk::Error when ROOT/ID exists.
    void create() const;
    // Throws uk::Error for a missing or corrupt marker.
    ContainerState load() const;
    // Atomic: a reader sees the old state or the new one.
    void save(const ContainerState& state) const;
    // Removes ROOT/ID and everything in it; a missing directory is not an error.
    void remove() const;

private:
    std::filesystem::path root_;
    std::string id_;
    std::filesystem::path dir_;
};

// The state's JSON in the marker, and back (throws uk::Error naming `what`).
std::string encodeState(const ContainerState& state);
ContainerState decodeState(const std::string& text, const std::string& what);

// `state`'s output, as runc prints it: ociVersion, id, pid (0 once stopped), status,
// bundle, rootfs, created, owner, annotations.
std::string stateJson(const ContainerState& state, Status status);

// The state OCI hooks read on their standard input: ociVersion, id, status, pid, bundle,
// annotations.
std::string hookStateJson(const ContainerState& state, const char* status);

// /proc/PID/stat's starttime (clock ticks since boot); nullopt when PID is gone.
std::optional<uint64_t> processStartTime(pid_t pid);

// Whether the container process still runs: PID exists, is not a zombie, and started when
// it was recorded.
bool processRunning(pid_t pid, uint64_t startTime);

// The status: stopped once the process is gone; created until `start` released it from
// exec.fifo; paused or running after.
Status currentStatus(const ContainerState& state);

// Every process whose session is `sid`, live ones only (the container process calls setsid(),
// so uk run and QEMU, which runs in its own process group, are all in it).
std::vector<pid_t> sessionProcesses(pid_t sid);

// The current time as RFC 3339 with nanoseconds, UTC ("2024-05-01T12:00:00.123456789Z").
std::string rfc3339Now();

} // namespace uk::runtime
