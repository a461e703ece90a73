// The QEMU command line for a uk image: machine, accelerator, devices, and the kernel command
// line in the guest's grammar (uk/image_format.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/run_options.h>

namespace uk::loader {

// Quotes one word so the guest's command-line parser gives it back unchanged: words with
// blanks, double quotes or backslashes (and the empty word) are double-quoted, with '"' and
// '\' backslash-escaped inside.
std::string quoteKernelWord(std::string_view word);

// QEMU's option syntax: a ',' inside a value of a comma-separated option list is written ",,".
std::string escapeQemuOptionValue(std::string_view value);

// The guest's MAC address, the same on every run (QEMU's locally administered 52:54:00 prefix).
inline constexpr char kGuestMac[] = "52:54:00:12:34:56";

// One -p as a QEMU user-network forwarding rule, "PROTO:HOSTADDR:HOSTPORT-GUESTADDR:GUESTPORT"
// (hostfwd=). The guest address is --ip's, or empty for slirp's first DHCP address.
std::string hostForwardRule(const PublishedPort& port, const std::optional<Ipv4Interface>& ip);

// Builds QEMU's argv. Two flavours share everything but the console plumbing:
//  - supervised (uk run): the console is a pipe-friendly stdio chardev whose input uk run
//    frames (uk.stdin=escaped), and the guest's status record goes to a control file;
//  - standalone (--print-cmd): the console is the user's terminal (Ctrl-C stops QEMU) and
//    the status comes back only through QEMU's exit code.
class QemuCommandBuilder {
public:
    // `accel` must be resolved (kvm or tcg) for a supervised launch; auto in a standalone
    // command lets QEMU pick (KVM when it initializes, else TCG).
    QemuCommandBuilder(const RunOptions& options, Accel accel);

    // Supervised launch: where the control records go, the host's wall clock in ns since
    // the epoch and 32 bytes of host entropy (64 hex digits).
    QemuCommandBuilder& supervised(std::filesystem::path controlFile, uint64_t realtimeNs,
                                   std::string seedHex);

    // The host's TSC frequency, passed as uk.tsc_hz under TCG (where the guest's TSC is the
    // host's); 0 leaves the guest to measure it.
    QemuCommandBuilder& hostTscHz(uint64_t hz);

    // On the user network: QEMU dumps the frames the guest receives and sends into these
    // files (FIFOs uk run reads, network_counters.h), 64 bytes of each.
    QemuCommandBuilder& dumpNetwork(std::filesystem::path received,
                                    std::filesystem::path transmitted);

    // The -append text: uk.* options, then "--" and the application arguments.
    std::string kernelCommandLine() const;
    // The complete argv; argv[0] is `qemuProgram`.
    std::vector<std::string> argv(const std::string& qemuProgram) const;

private:
    std::string machineOption() const;
    std::string netdevOption() const;

    RunOptions options_;
    Accel accel_;
    std::optional<std::filesystem::path> controlFile_;
    uint64_t realtimeNs_ = 0;
    uint64_t tscHz_ = 0;
    std::string seedHex_;
    std::optional<std::pair<std::filesystem::path, std::filesystem::path>> networkDump_;
};

// The library OS copies at most this many bytes of command line (CommandLine::kMaxChars
// less the terminating zero); longer ones are cut off, so uk run refuses them.
inline constexpr size_t kMaxKernelCommandLine = 4095;

} // namespace uk::loader
