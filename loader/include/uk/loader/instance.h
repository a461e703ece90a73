// Detached instances (`uk run -d`): what is recorded about one, and how it is shown. Pure data
// and text; the files live in instance_store.h, the numbers in instance_metrics.h.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/support/error.h>

namespace uk::loader {

using WallClock = std::chrono::system_clock;
using WallTime = std::chrono::time_point<WallClock, std::chrono::nanoseconds>;

inline WallTime wallNow() {
    return std::chrono::time_point_cast<std::chrono::nanoseconds>(WallClock::now());
}

// What `uk run -d` was asked to run: written once, before the supervisor starts (config.json).
struct InstanceConfig {
    std::string id;    // 12 lowercase hex digits, unique among the instances of a state directory
    std::string name;  // unique too; see checkInstanceName
    std::string image; // absolute path of the image
    std::vector<std::string> command; // uk run's words as given (after "uk run")
    std::vector<std::string> args;    // the application's arguments (after "--")
    uint64_t memoryMiB = 0;           // guest memory (--mem, or uk run's default for the image)
    unsigned cpus = 1;
    std::string network;            // "user", "tap" or "none"
    std::string tapInterface;       // with network "tap"
    std::vector<std::string> ports; // -p, as docker ps shows them: "0.0.0.0:8080->80/tcp"
    bool autoRemove = false;        // --rm: the state goes when the VM ends
    WallTime created{};

    bool operator==(const InstanceConfig&) const = default;
};

// Where an instance's life stands (state.json). Created: the directory exists but no supervisor
// has recorded itself yet (for an instant during `uk run -d`, or after it failed).
enum class InstancePhase { Created, Running, Exited };

std::string_view phaseName(InstancePhase phase); // "created", "running", "exited"

// Which process a pid meant when it was recorded: the pid alone may since have been reused.
struct ProcessIdentity {
    pid_t pid = 0;
    uint64_t startTicks = 0; // /proc/PID/stat field 22: start time in clock ticks after boot
    std::string bootId;      // /proc/sys/kernel/random/boot_id
    bool operator==(const ProcessIdentity&) const = default;
};

struct InstanceState {
    InstancePhase phase = InstancePhase::Created;
    ProcessIdentity supervisor; // the detached `uk run` that runs the VM (Running, Exited)
    WallTime started{};         // Running, Exited
    WallTime finished{};        // Exited
    int exitCode = 0;           // Exited: uk run's exit status (the application's, 124, 125...)
    // Exited without the supervisor's own word: why (for example it was killed with SIGKILL).
    std::string note;

    bool operator==(const InstanceState&) const = default;
};

// The exit status recorded for an instance whose supervisor vanished without recording one:
// SIGKILL's (128 + 9), which is what ends a supervisor that cannot write (uk stop after its
// grace time, uk rm -f, the OOM killer).
inline constexpr int kStatusSupervisorKilled = 137;

// A name `uk run --name` accepts: docker's rule, [a-zA-Z0-9][a-zA-Z0-9_.-]+ (at least two
// characters), at most 64. Throws Error saying what is wrong with `name`.
void checkInstanceName(std::string_view name);

// 12 random lowercase hex digits (docker's short id length).
std::string newInstanceId();
// A docker-style "adjective_noun" name, picked by `random`.
std::string instanceNameFor(uint64_t random);

// Instants as RFC 3339 in UTC with nanoseconds ("2024-05-01T12:03:04.000000123Z"), and back
// (fraction optional). parseTime returns nullopt for anything else.
std::string formatTime(WallTime time);
std::optional<WallTime> parseTime(std::string_view text);

// docker's units.HumanDuration: "Less than a second", "1 second", "5 seconds", "About a
// minute", "3 minutes", "About an hour", "5 hours", "3 days", "2 weeks", "4 months", "2 years".
std::string humanDuration(std::chrono::nanoseconds d);

// The STATUS column of `uk ps`, as docker ps words it: "Created", "Up 3 minutes",
// "Exited (3) 10 seconds ago".
std::string statusText(const InstanceState& state, WallTime now);

// CPU time as "0.42s", "12.3s", "3m05s", "2h04m".
std::string formatCpuTime(double seconds);
// Bytes in binary units as docker stats shows them: "512B", "1.5KiB", "12.3MiB", "1GiB".
std::string formatBytes(uint64_t bytes);

// config.json and state.json. The readers throw Error naming `source` for malformed files.
std::string formatConfigJson(const InstanceConfig& config);
InstanceConfig parseConfigJson(std::string_view text, const std::string& source);
std::string formatStateJson(const InstanceState& state);
InstanceState parseStateJson(std::string_view text, const std::string& source);

} // namespace uk::loader
