// Runs the build's tool commands, several at a time, and says which one failed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <uk/support/subprocess.h>

namespace uk::toolchain {

struct RunSettings {
    unsigned jobs = 1;    // at most this many commands at once
    bool verbose = false; // print each command, shell-quoted, to stderr before it runs
    // Consulted before each command starts; true stops starting new ones.
    std::function<bool()> cancelled = [] { return false; };
};

struct CommandFailure {
    size_t index; // of the command in the list given
    proc::Exit exit;
};

// Runs every command (each an argv) unless one fails or `cancelled` turns true; commands
// already running are waited for. Each command's stderr reaches ours whole: when commands
// run side by side it is collected and written in one piece as the command ends, so
// diagnostics of different files never interleave. Returns the first failure, if any.
// Throws uk::Error when a program cannot be started.
std::optional<CommandFailure> runCommands(const std::vector<std::vector<std::string>>& commands,
                                          const RunSettings& settings);

} // namespace uk::toolchain
