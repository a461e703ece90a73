// The container's cgroup (linux.cgroupsPath): the container process joins it in every
// mounted hierarchy before it starts uk run, so uk run and QEMU are accounted there (docker
// stats, containerd's metrics and OOM events read it). No limits are written: QEMU needs
// memory beyond the guest's (translation cache, device state), so the guest's --mem carries
// the memory limit instead of the cgroup.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace uk::runtime {

// The cgroup's path below each hierarchy's root. cgroupfs paths ("/docker/ID") are used as
// given (a relative one is taken from the root); with `systemd`, "SLICE:PREFIX:NAME" becomes
// "/SLICE'S PARENTS/SLICE/PREFIX-NAME.scope" as systemd lays it out ("system.slice:docker:ID"
// is /system.slice/docker-ID.scope; "a-b.slice" is under /a.slice/a-b.slice).
std::string cgroupRelativePath(const std::string& cgroupsPath, bool systemd);

// The mount points of the cgroup hierarchies (v1 controllers, name=systemd, and v2), from
// /proc/self/mountinfo.
std::vector<std::filesystem::path> cgroupMounts();

// Makes the cgroup in every hierarchy and moves `pid` into it. Returns the directories it
// made (to remove at delete); a hierarchy that refuses is skipped and described in
// `warnings`.
std::vector<std::filesystem::path> joinCgroups(const std::string& relativePath, pid_t pid,
                                               std::vector<std::string>& warnings);

// Removes the directories (empty by then), deepest first; failures are ignored.
void removeCgroups(const std::vector<std::filesystem::path>& dirs);

} // namespace uk::runtime
