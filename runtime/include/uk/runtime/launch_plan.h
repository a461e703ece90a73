// How a uk bundle becomes one `uk run` command: the container's process (argv, env, user),
// its resource limits (memory, CPUs), host name and the ports its image exposes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>

namespace uk::runtime {

// What the uk kernel and the root file system need, read before booting.
struct ImageNeeds {
    uint64_t kernelBytes = 0;              // ROOTFS/.uk/kernel's size
    uint64_t rootfsBytes = 0;              // the cpio archive handed in with --initrd
    std::vector<std::string> exposedPorts; // the image's ExposedPorts: "8080/tcp"
    std::optional<std::string> workingDir; // the image's WorkingDir (the guest's cwd)
    std::optional<std::string> user;       // the image's "UID:GID"
};

// Room the library OS, the program, its heap and stacks need beyond the kernel and the root
// file system, which the guest keeps in RAM.
inline constexpr uint64_t kRunHeadroomMiB = 32;

// The least memory a container can have: the kernel and the archive, each rounded up to
// whole MiB, plus kRunHeadroomMiB.
uint64_t minimumMemoryMiB(const ImageNeeds& needs);

// --mem for a linux.resources.memory.limit (bytes): whole MiB, rounded down. nullopt without a
// limit (uk run sizes the guest itself). Throws BundleError, naming the field, when the limit
// is below minimumMemoryMiB; `what` names config.json.
std::optional<uint64_t> memoryMiBForLimit(const BundleSpec& spec, const ImageNeeds& needs,
                                          const std::string& what);

// --cpus for linux.resources.cpu: quota / period rounded up (period default 100000 us, as
// the kernel's), else the number of CPUs in cpus ("0-3,6"), else 1. Throws BundleError for a
// cpuset that does not parse.
unsigned cpusForLimits(const BundleSpec& spec, const std::string& what);

struct LaunchPlan {
    std::vector<std::string> ukRunArgs; // the words after `uk run`
    std::optional<uint64_t> memoryMiB;
    unsigned cpus = 1;
    std::vector<std::string> warnings; // what of config.json the guest will not see
};

// The `uk run` words for `spec`, booting `kernel` with `initrd` as the root file system:
//   --initrd INITRD [--mem NM] --cpus N [--user U:G] [--hostname H] [-e NAME=VALUE]...
//   [-p 0.0.0.0:P:P[/udp]]... --entrypoint ARGS[0] KERNEL -- ARGS[1]...
// Every exposed port is published on the same port number of the container's network
// namespace, where Docker's port mappings point. The user is passed only when it differs from
// the image's (so the image's supplementary groups stay). Throws BundleError.
LaunchPlan planLaunch(const BundleSpec& spec, const ImageNeeds& needs,
                      const std::filesystem::path& kernel, const std::filesystem::path& initrd,
                      const std::string& what);

} // namespace uk::runtime
