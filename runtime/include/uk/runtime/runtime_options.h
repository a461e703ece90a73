// uk-runtime's command line: runc's, as containerd's runc shim (through go-runc) and Docker
// call it. Global options come before the command, the command's own options after it;
// every option takes one or two dashes and its value either as the next word or after "=",
// as runc's option parser does.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <uk/support/error.h>

namespace uk::runtime {

// A command line uk-runtime cannot accept (exit status 2 for unknown commands and options,
// as runc does).
class UsageError : public Error {
public:
    using Error::Error;
};

enum class LogFormat { Text, Json };

inline constexpr char kDefaultRoot[] = "/run/uk-runtime";

struct GlobalOptions {
    std::filesystem::path root = kDefaultRoot; // --root: one directory per container
    std::filesystem::path log;                 // --log: empty means stderr only
    LogFormat logFormat = LogFormat::Text;     // --log-format text|json
    bool systemdCgroup = false;                // --systemd-cgroup: cgroupsPath is slice:prefix:name
    bool debug = false;                        // --debug: debug lines in the log too
    std::string runc; // --runc PATH: runc for other bundles; empty: $UK_RUNTIME_RUNC or PATH
};

struct Invocation {
    GlobalOptions global;
    std::string command;                  // "create", "start", ...; empty with --version or --help
    std::vector<std::string> commandArgs; // the words after the command
    bool version = false;
    bool help = false;
};

// Parses the words after the program name. Throws UsageError for an unknown global option or
// a missing value.
Invocation parseInvocation(const std::vector<std::string>& args);

struct CreateOptions {
    std::filesystem::path bundle = ".";  // --bundle, -b
    std::filesystem::path pidFile;       // --pid-file: the container process's pid, for the shim
    std::filesystem::path consoleSocket; // --console-socket: where the pty master goes
    unsigned preserveFds = 0;            // --preserve-fds N: fds 3..3+N-1 stay open
    std::string id;
};
CreateOptions parseCreateOptions(const std::vector<std::string>& args);

struct KillOptions {
    std::string id;
    int signal = 15; // SIGTERM, runc's default
    bool all = false;
};
KillOptions parseKillOptions(const std::vector<std::string>& args);

struct DeleteOptions {
    std::string id;
    bool force = false;
};
DeleteOptions parseDeleteOptions(const std::vector<std::string>& args);

struct PsOptions {
    std::string id;
    bool json = false; // --format json (go-runc's); otherwise a table
};
PsOptions parsePsOptions(const std::vector<std::string>& args);

// The one ID of `start`, `state`, `pause`, `resume` (`command` names it in errors).
std::string parseIdArgument(std::string_view command, const std::vector<std::string>& args);

// "KILL", "SIGKILL", "kill", "9": the signal's number. Throws UsageError for anything else.
int parseSignal(std::string_view text);

// A container ID as runc accepts it: letters, digits, '_', '+', '-', '.', not "." or "..",
// at most 1024 bytes. Throws UsageError.
void checkContainerId(std::string_view id);

// `uk-runtime --help`.
std::string runtimeUsage();

} // namespace uk::runtime
