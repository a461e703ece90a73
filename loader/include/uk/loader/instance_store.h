// Where detached instances (`uk run -d`) keep their state, and how the lifecycle commands
// (ps, logs, stop, rm, wait, metrics) find them.
//
// The state directory is $UK_STATE_DIR, else $XDG_RUNTIME_DIR/uk, else /run/uk for root,
// else $HOME/.local/state/uk. In it, one directory per instance, named after the instance:
//
//   NAME/config.json  what was run (InstanceConfig), written once by `uk run -d`
//   NAME/state.json   created / running (the supervisor's pid) / exited (the exit status)
//   NAME/log          everything the VM and its supervisor printed, raw, in order
//   NAME/waiters      a lock file: `uk wait` holds it shared so that a --rm instance keeps
//                     its exit status until the waiters have read it
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/instance.h>

namespace uk::loader {

// The environment stateDirectory() looks at (a struct, so tests need not change the process's).
struct StateDirectoryInputs {
    const char* ukStateDir = nullptr;    // $UK_STATE_DIR
    const char* xdgRuntimeDir = nullptr; // $XDG_RUNTIME_DIR
    const char* home = nullptr;          // $HOME
    bool root = false;                   // effective uid 0
};
std::filesystem::path stateDirectory(const StateDirectoryInputs& inputs);
// From this process's environment. Throws Error when none of the choices is available.
std::filesystem::path stateDirectory();

struct Instance {
    std::filesystem::path dir;
    InstanceConfig config;
    InstanceState state;

    bool running() const { return state.phase == InstancePhase::Running; }
    std::filesystem::path logPath() const { return dir / "log"; }
    // The user network's byte counters, kept by the supervisor (network_counters.h).
    std::filesystem::path networkTotalsPath() const { return dir / "network-bytes"; }
};

// "no such instance: REF" (docker's "No such container"; exit status 1).
class NoSuchInstance : public Error {
public:
    explicit NoSuchInstance(std::string_view ref)
        : Error("no such instance: " + std::string(ref)) {}
};

// The name asked for is taken (exit status 125, as docker run's "Conflict").
class NameConflict : public Error {
public:
    using Error::Error;
};

class InstanceStore {
public:
    explicit InstanceStore(std::filesystem::path root) : root_(std::move(root)) {}
    const std::filesystem::path& root() const { return root_; }

    // Reserves the instance's name (its directory, made atomically) and writes config.json,
    // an empty log and the waiters file. An empty id or name is generated (a fresh 12-digit
    // id; an "adjective_noun" name not in use). Throws NameConflict when the name is taken.
    Instance create(InstanceConfig config) const;

    // Every instance, newest first. Directories without a readable config.json (being
    // created, or damaged) are skipped.
    std::vector<Instance> list() const;

    // By exact id, exact name, or unique id prefix (as docker). Throws NoSuchInstance, or
    // Error when a prefix matches several.
    Instance find(std::string_view ref) const;

    // The instance's current state, read again. Throws NoSuchInstance when it was removed.
    Instance reload(const Instance& instance) const;

    void writeState(const Instance& instance, const InstanceState& state) const;

    // Removes the instance's directory and everything in it.
    void remove(const Instance& instance) const;

    // Removes the instance once no `uk wait` holds its waiters file (or after `limit`), so a
    // waiter of a --rm instance reads the exit status before the directory goes.
    void removeWhenUnwatched(const Instance& instance, std::chrono::milliseconds limit) const;

private:
    std::optional<Instance> load(const std::filesystem::path& dir) const;
    std::filesystem::path root_;
};

// Settles a Running state whose supervisor is gone without recording how the VM ended
// (killed with SIGKILL, or the host rebooted): records Exited with kStatusSupervisorKilled
// and a note, and returns the new state. Other states come back as they are.
InstanceState settleState(const InstanceStore& store, const Instance& instance);

// `uk wait`'s hold on an instance (a shared lock on its waiters file); see removeWhenUnwatched.
class WaitHold {
public:
    explicit WaitHold(const Instance& instance);
    ~WaitHold();
    WaitHold(const WaitHold&) = delete;
    WaitHold& operator=(const WaitHold&) = delete;

private:
    int fd_ = -1;
};

} // namespace uk::loader
