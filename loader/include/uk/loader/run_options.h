// What `uk run` was asked to do: the parsed command line, independent of how it is carried out.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/image_format.h>
#include <uk/support/error.h>

namespace uk::loader {

enum class MachineType { Microvm, Q35, Pc };
enum class Accel { Auto, Kvm, Tcg };
// --net: no NIC, QEMU's user-mode network (slirp: no privileges needed), or a host tap.
enum class NetMode { None, User, Tap };
enum class PortProtocol { Tcp, Udp };

std::string_view machineName(MachineType machine);
std::string_view accelName(Accel accel);
std::string_view protocolName(PortProtocol protocol);

// IPv4 addresses are kept as 32-bit numbers in host byte order (10.0.2.15 = 0x0a00020f).
// Dotted quad only: four decimal numbers 0-255 without leading zeros, since inet_aton's
// shorter and octal forms ("10.1", "010.0.0.1") are more often typos than intent.
std::optional<uint32_t> parseIpv4(std::string_view text);
std::string formatIpv4(uint32_t address);

// QEMU's user-mode network, as slirp sets it up unless told otherwise: the guest's network,
// the host side (gateway), its DNS forwarder, and the first address its DHCP server offers.
inline constexpr uint32_t kUserNetwork = 0x0a000200; // 10.0.2.0/24
inline constexpr unsigned kUserPrefix = 24;
inline constexpr uint32_t kUserGateway = 0x0a000202; // 10.0.2.2
inline constexpr uint32_t kUserDns = 0x0a000203;     // 10.0.2.3
inline constexpr uint32_t kUserGuest = 0x0a00020f;   // 10.0.2.15
// The guest takes at most this many DNS servers (uk.dns), as resolv.conf's MAXNS.
inline constexpr size_t kMaxDnsServers = image::kMaxDnsServers;

// One -p/--publish: a host port that QEMU's user network forwards to a guest port.
struct PublishedPort {
    std::string spec;         // as written after -p, for messages
    uint32_t hostAddress = 0; // 0 (0.0.0.0): every address of the host
    uint16_t hostPort = 0;
    uint16_t guestPort = 0;
    PortProtocol protocol = PortProtocol::Tcp;

    bool operator==(const PublishedPort&) const = default;
};

// "[HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]", as docker run -p (without its port ranges, IPv6
// and host ports picked by the runtime). Throws UsageError naming the spec and the problem.
PublishedPort parsePublish(std::string_view spec);

// A static guest address with its network prefix length (--ip 10.0.2.20/24).
struct Ipv4Interface {
    uint32_t address = 0;
    unsigned prefix = 24;

    bool operator==(const Ipv4Interface&) const = default;
};

// The least memory uk run gives a guest when --mem is not given.
constexpr uint64_t kDefaultMemoryFloorMiB = 128;

struct RunOptions {
    std::filesystem::path image;
    // Guest memory. Without --mem (memoryGiven false) this is only the floor until
    // applyDefaultMemory sizes it for the image: see defaultMemoryMiB.
    uint64_t memoryMiB = kDefaultMemoryFloorMiB;
    bool memoryGiven = false;
    unsigned cpus = 1;
    Accel accel = Accel::Auto;
    MachineType machine = MachineType::Microvm;
    // Wall-clock limit for the whole VM; nullopt = none.
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText; // as the user wrote it, for messages
    bool printCommand = false;
    bool verbose = false;
    bool strace = false;
    // A root file system (cpio newc archive) handed to the guest as its initrd (QEMU -initrd,
    // a PVH module); empty = none (the guest uses the image's embedded one, if any).
    std::filesystem::path initrd;
    std::vector<std::string> env; // "NAME=VALUE", in command-line order
    // --entrypoint: replaces the image's Entrypoint and drops its Cmd (docker run's rule);
    // "" leaves no entrypoint (ARGS name the program). nullopt: the image's.
    std::optional<std::string> entrypoint;
    std::string user; // --user: "UID" or "UID:GID" (decimal); empty: the image's
    // --net: a virtio-net device on QEMU's user-mode network (the default), on a host tap
    // interface (tapInterface), or none.
    NetMode net = NetMode::User;
    std::string tapInterface;
    std::vector<PublishedPort> publish; // -p, in command-line order (user network only)
    // The guest's network configuration as given (--ip, --gw, --dns, --dhcp); see
    // guestNetwork for what the guest is told.
    std::optional<Ipv4Interface> ip;
    std::optional<uint32_t> gateway;
    std::vector<uint32_t> dns;
    bool dhcp = false;
    std::string hostname; // --hostname; empty: the image's default
    std::string workdir;  // --workdir: the app's working directory; empty: the image's
    std::string mac;      // --mac: the NIC's address; empty: kGuestMac
    unsigned mtu = 0;     // --mtu: the guest's MTU (68-1500); 0: the card's (1500)
    // --start-gate: a FIFO; the guest boots up to its application's entry and enters it once
    // a byte is written there (how uk-runtime's create and start split a container's boot).
    std::filesystem::path startGate;
    // Not an option: where a detached instance on the user network keeps its byte counters
    // (network_counters.h); empty: none are kept.
    std::filesystem::path networkTotalsFile;
    std::vector<std::string> args; // application arguments (after "--")
    std::string qemu = "qemu-system-x86_64";
    // -d/--detach: run as a detached instance (instance_supervisor.h), named --name (else a
    // generated name), removed when it ends with --rm. --rm alone changes nothing: a
    // foreground run keeps no state.
    bool detach = false;
    std::string name;
    bool autoRemove = false;
    bool help = false;
};

// A command line uk run cannot accept. runCommand prints it and exits 125.
class UsageError : public Error {
public:
    using Error::Error;
};

// Parses the words after "uk run". Throws UsageError for unknown options, bad values and a
// missing image. With --help, returns at once with `help` set (the rest is not checked).
// `-e NAME` without "=" takes NAME's value from the environment of uk run (as docker run
// does) and is dropped when NAME is not set there.
RunOptions parseRunOptions(const std::vector<std::string>& args);

// What the guest is told about its network (uk.ip, uk.gw, uk.dns on its command line). --ip,
// --gw and --dns as given; on --net user without --ip and --dhcp, the addresses QEMU's user
// network hands out over DHCP anyway (10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3), so the
// guest is configured at once instead of waiting for a DHCP exchange. No `ip`: the guest asks
// DHCP (and uses `dns`, when given, instead of the servers DHCP names).
struct GuestNetwork {
    std::optional<Ipv4Interface> ip;
    std::optional<uint32_t> gateway;
    std::vector<uint32_t> dns;
};
GuestNetwork guestNetwork(const RunOptions& options);

// What a write to the --start-gate FIFO asks for, as guest words for the start (uk.ip=...,
// separated by spaces; "" for "0" or nothing): --ip, --gw, --dns, --mac, --no-network,
// separated by white space. Throws UsageError for anything else.
std::string startGateWords(std::string_view text);

// "4M", "512M", "1G", "2048" (bare number = MiB), "65536K"; case-insensitive, optional "iB"
// or "B". Returns MiB. Throws UsageError for anything else, sizes that are not whole MiB,
// and sizes below the 2 MiB the library OS needs.
uint64_t parseMemorySize(std::string_view text);

// The memory uk run gives a guest when --mem is not given: the guest unpacks its root file
// system (the initrd embedded in the image, or --initrd) into RAM, so an image needs about
// twice its size plus room to run: max(128 MiB, 2 x (imageBytes + initrdBytes) + 64 MiB),
// rounded up to a multiple of 2 MiB.
uint64_t defaultMemoryMiB(uint64_t imageBytes, uint64_t initrdBytes);

// Without --mem, sets options.memoryMiB to defaultMemoryMiB of the image's (and --initrd's)
// size on disk; with --mem, leaves it. Throws Error when a file cannot be measured.
void applyDefaultMemory(RunOptions& options);

// "--timeout" values: positive seconds, decimals allowed ("0.5"). Throws UsageError.
std::chrono::milliseconds parseTimeout(std::string_view text);

// The text `uk run --help` prints.
std::string runUsage();

} // namespace uk::loader
