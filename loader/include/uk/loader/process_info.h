// What Linux's /proc says about a host process: whether a recorded pid is still the same
// process, its children, and the CPU time and memory it uses. The parsers take the files'
// text so they can be tested without the processes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/instance.h>

namespace uk::loader {

// The fields of /proc/PID/stat that uk uses.
struct ProcStat {
    std::string comm; // the name in parentheses (at most 15 bytes; may hold spaces and ')')
    char state = '?'; // R, S, D, Z (zombie), X (dead), ...
    pid_t ppid = 0;
    uint64_t utimeTicks = 0; // field 14, clock ticks (sysconf(_SC_CLK_TCK))
    uint64_t stimeTicks = 0; // field 15
    uint64_t startTicks = 0; // field 22, clock ticks after boot
    uint64_t rssPages = 0;   // field 24
};

// nullopt for text that is not a stat line.
std::optional<ProcStat> parseProcStat(std::string_view text);

// A "Name:   1234 kB" line of /proc/PID/status, in bytes (VmRSS, VmHWM, ...).
std::optional<uint64_t> parseStatusBytes(std::string_view statusText, std::string_view field);

// The live files. nullopt when the process is gone (or cannot be read).
std::optional<ProcStat> readProcStat(pid_t pid);
std::optional<uint64_t> readRssBytes(pid_t pid);

// This boot's id (/proc/sys/kernel/random/boot_id), "" when unreadable.
std::string currentBootId();

// The identity of live process `pid` (nullopt when there is none).
std::optional<ProcessIdentity> identifyProcess(pid_t pid);

// Whether the process `identity` recorded still runs: same pid, same start time, same boot,
// and not a zombie.
bool isAlive(const ProcessIdentity& identity);

// The children of `pid` (/proc/PID/task/*/children, or a scan of /proc for kernels without
// that file).
std::vector<pid_t> childProcesses(pid_t pid);

// Clock ticks per second of /proc's time fields.
double clockTicksPerSecond();

} // namespace uk::loader
