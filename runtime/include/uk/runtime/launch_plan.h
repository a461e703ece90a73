// How a uk bundle becomes one `uk run` command: the container's process (argv, env, user),
// its resource limits (memory, CPUs), host name and the ports its image exposes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>
#include <uk/toolchain/tree_packer.h>

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

// What the container's mounts become. The guest runs on a copy of the container's files in
// its own memory, so a bind mount's files are copied into that copy at create, in place of
// what the image has there, and a tmpfs mount becomes an empty directory. Left out: the
// mounts the library OS provides itself (/proc, /sys, /dev and under them, /etc/hosts,
// /etc/hostname, /etc/resolv.conf) and `docker run --init`'s init (process.args[0]).
//
// A read-write bind mount is refused (BundleError: the guest's writes could not reach the
// host) unless the mode is MountMode::Copy, from the annotation io.uk.mounts=copy or
// $UK_RUNTIME_MOUNTS=copy: then it is copied too, and the guest's writes stay in the guest.
// Except an anonymous volume (a source .../volumes/<64 hex digits>/_data, as Docker and
// Podman make for each of the image's VOLUMEs) at one of `imageVolumes`: it starts as a
// copy of the image's own files there, which the guest has already, so it is left out.
enum class MountMode { ReadOnly, Copy };
inline constexpr char kMountsAnnotation[] = "io.uk.mounts";
inline constexpr char kMountsEnvironment[] = "UK_RUNTIME_MOUNTS";
// The annotation, else the environment, else ReadOnly. Throws BundleError for another value.
MountMode mountModeFor(const BundleSpec& spec, const std::string& what);

struct MountCopies {
    std::vector<toolchain::TreePacker::Graft> grafts; // for the root file system's archive
    std::vector<std::string> warnings;                // mounts of other types, not in the guest
    std::vector<std::string> imageFiles; // anonymous volumes left to the image's own files
};
MountCopies planMountCopies(const BundleSpec& spec, MountMode mode,
                            const std::vector<std::string>& imageVolumes, const std::string& what);

} // namespace uk::runtime
