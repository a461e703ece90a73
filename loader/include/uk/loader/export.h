// `uk export`: launch files that boot an image without uk. A POSIX shell script that runs
// QEMU with the command `uk run --print-cmd` builds (KVM when it works, else TCG) and turns
// QEMU's exit code back into the application's status, and a Firecracker configuration
// (`firecracker --config-file`) for the same image.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/run_options.h>

namespace uk::loader {

struct ExportOptions {
    // The image and what is baked into the launch files: --mem, --cpus, --net, -p, -e,
    // --entrypoint, ... and the arguments after "--", parsed as uk run parses them.
    RunOptions run;
    std::filesystem::path script;      // --script FILE; empty: no script
    std::filesystem::path firecracker; // --firecracker FILE; empty: no configuration
    bool embed = false;                // --embed: the image travels inside the script
    bool help = false;
};

// Parses the words after "uk export". uk run's options that make sense without uk
// (--mem, --cpus, --accel, --machine, --net, --tap, -p, -e, --entrypoint, --user, --ip,
// --gw, --dns, --dhcp, --hostname, -v, --strace, --qemu) are taken with uk run's rules;
// the others (--timeout, --initrd, --print-cmd) are refused. `--tap IFNAME` is short for
// `--net tap:IFNAME`. Throws UsageError (naming the option) for a bad command line, a
// missing image, or neither --script nor --firecracker. With --help returns at once.
ExportOptions parseExportOptions(const std::vector<std::string>& args);

// How the script reaches its image.
struct ScriptImage {
    // The image file, relative to the script's directory (or absolute). With `contents`,
    // only its file name counts: the name of the temporary copy the script unpacks.
    std::string path;
    // --embed: the image's bytes, appended to the script in base64.
    std::optional<std::string> contents;
};

// The launch script's text. `options` must be complete (memory sized, image checked); the
// QEMU command is QemuCommandBuilder's standalone one (as --print-cmd), the kernel
// command line is baked in and the script's own arguments are appended to it, quoted in the
// guest's grammar. `scriptName` is the script's file name, for its usage comment.
std::string launchScript(const RunOptions& options, const ScriptImage& image,
                         std::string_view scriptName);

// Firecracker's boot_args for `options`: the kernel command line with Firecracker's network
// (a tap, or none: Firecracker has no user-mode network). Throws Error when Firecracker
// would refuse it or corrupt it: characters outside printable ASCII, longer than its
// 2048-byte limit (less room for its virtio_mmio.device= word), or " -- " inside a word
// where Firecracker would insert its device word.
std::string firecrackerBootArgs(const RunOptions& options);

// The Firecracker configuration as JSON text: "boot-source" (kernel_image_path `kernel`,
// boot_args), "drives" (none), "machine-config" (vcpu_count, mem_size_mib) and, with a tap,
// "network-interfaces". Throws Error as firecrackerBootArgs does, and for more vCPUs than
// Firecracker runs (32).
std::string firecrackerConfig(const RunOptions& options, const std::filesystem::path& kernel);

// Standard base64 (RFC 4648, with padding), in lines of 76 characters, each ending in "\n".
std::string base64Lines(std::string_view data);

// Checks the image and the outputs, builds every file's text, then writes them all (each
// to a temporary file renamed into place, the script mode 0755), so a failure leaves
// nothing half-written. Returns one line per file written, for the user. Throws Error.
std::vector<std::string> exportImage(ExportOptions options);

// The text `uk export --help` prints.
std::string exportUsage();

} // namespace uk::loader
