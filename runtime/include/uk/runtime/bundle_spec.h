// An OCI bundle (a directory with config.json and a root file system), as far as booting it
// as a unikernel needs it. config.json is read strictly: a field uk uses that has the wrong
// type or an impossible value is an error naming the file and the field ("BUNDLE/config.json:
// process.args: must not be empty"); fields uk has no use for are not looked at.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uk/support/error.h>

namespace uk::runtime {

// A bundle that cannot be run: config.json missing or malformed, a field with a bad value.
class BundleError : public Error {
public:
    using Error::Error;
};

// Where `uk convert --format docker` puts the kernel in the image, relative to its root:
// a bundle whose root file system has it boots as a unikernel.
inline constexpr char kKernelInRootfs[] = ".uk/kernel";
// The directory left out of the guest's root file system (the kernel and its config.json).
inline constexpr char kUkDirInRootfs[] = ".uk";

// One OCI hook: a program run by the runtime at a lifecycle step, with the container's state
// as JSON on its standard input.
struct Hook {
    std::string path;              // absolute
    std::vector<std::string> args; // argv, argv[0] included (empty: path)
    std::vector<std::string> env;  // "NAME=VALUE"; the hook's whole environment
    std::optional<int> timeoutSeconds;
};

struct Hooks {
    std::vector<Hook> prestart; // deprecated in the spec, still what Docker 20.10 uses
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

// One entry of config.json's "mounts".
struct Mount {
    std::string destination;
    std::string type; // "bind", "proc", "tmpfs", ...; "" when absent (a bind, by options)
    std::string source;
    std::vector<std::string> options; // "rbind", "ro", "mode=755", ...
};

enum class NetworkNamespace {
    Host, // no "network" entry in linux.namespaces: the runtime's own
    New,  // an entry without a path: a new, empty one
    Join, // an entry with a path (e.g. /var/run/docker/netns/...): that one
};

struct BundleSpec {
    std::filesystem::path bundle; // absolute
    std::filesystem::path rootfs; // absolute: root.path, relative to the bundle
    std::string ociVersion;
    // process
    std::vector<std::string> args; // argv; argv[0] is the program
    std::vector<std::string> env;  // "NAME=VALUE"
    std::string cwd = "/";
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> additionalGids;
    bool terminal = false;
    std::string hostname;
    std::vector<Mount> mounts;
    // linux.resources
    std::optional<int64_t> memoryLimit; // bytes; -1 (none) is kept as nullopt
    std::optional<int64_t> cpuQuota;    // microseconds per period; -1 (none) as nullopt
    std::optional<uint64_t> cpuPeriod;  // microseconds
    std::string cpusetCpus;             // "0-3,6"
    // linux.namespaces
    NetworkNamespace network = NetworkNamespace::Host;
    std::filesystem::path networkPath; // with Join
    std::string cgroupsPath;           // linux.cgroupsPath
    Hooks hooks;
    std::vector<std::pair<std::string, std::string>> annotations;
};

// Only root.path: enough to tell whether a bundle is uk's or runc's. Throws BundleError when
// config.json is missing, is not JSON, or has no root.path string.
std::filesystem::path readBundleRootfs(const std::filesystem::path& bundle);

// Reads and checks BUNDLE/config.json. Throws BundleError.
BundleSpec loadBundleSpec(const std::filesystem::path& bundle);

// The same on config.json's text; `what` names it in errors, `bundle` (absolute) anchors a
// relative root.path.
BundleSpec parseBundleSpec(std::string_view text, const std::filesystem::path& bundle,
                           const std::string& what);

// A per-container setting of uk-runtime: the annotation `annotation` of the bundle, else the
// environment variable `environment` (non-empty), else nullopt. `from` names where the value
// came from, for errors: "WHAT: annotations.NAME" or "$NAME".
struct RuntimeSetting {
    std::string value;
    std::string from;
};
std::optional<RuntimeSetting> runtimeSetting(const BundleSpec& spec, std::string_view annotation,
                                             const char* environment, const std::string& what);

// Whether the root file system holds a uk kernel (ROOTFS/.uk/kernel, not followed if it is a
// symbolic link: a link is answered true and refused later as not a uk image).
bool holdsUkKernel(const std::filesystem::path& rootfs);

} // namespace uk::runtime
