// The container's network for the guest, as Kata Containers and urunc wire it: inside the
// container's network namespace, once the runtime's hooks (Docker's libnetwork-setkey, CNI)
// have given it an interface with an IPv4 address (eth0 on a Docker network), uk-runtime
//   * makes a tap device (kTapName) and brings it up with the interface's MTU,
//   * redirects every frame arriving on the interface to the tap and every frame the guest
//     sends on the tap out of the interface (tc: an ingress qdisc on each, a u32 filter that
//     matches everything, mirred egress redirect to the other one),
//   * takes the interface's IPv4 addresses away from the namespace's own stack,
// and `uk run --net tap:TAP --mac MAC --ip ADDR/PREFIX --gw GW --dns ...` gives the guest
// the interface's address, MAC, default gateway and name servers. Docker's port mappings and
// other containers reach the guest at the container's address, with nothing in between.
// All of it is rtnetlink and /dev/net/tun: no ip or tc program is needed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>

namespace uk::runtime {

// How a uk container's guest reaches the network.
enum class NetworkMode {
    Auto, // tap when the namespace has an interface with an IPv4 address, else user
    Tap,  // tap, or an error at create
    User, // QEMU's user network inside the namespace, exposed ports forwarded (-p)
};

// The annotation that chooses (auto, tap, user); without it $UK_RUNTIME_NETWORK, else auto.
inline constexpr char kNetworkAnnotation[] = "io.uk.network";
inline constexpr char kNetworkEnvironment[] = "UK_RUNTIME_NETWORK";
// The tap uk-runtime makes in the container's namespace.
inline constexpr char kTapName[] = "uk-tap0";

const char* networkModeName(NetworkMode mode);

// The mode for `spec`: its io.uk.network annotation, else $UK_RUNTIME_NETWORK, else Auto.
// Throws BundleError (naming `what`) for a value that is none of auto, tap, user.
NetworkMode networkModeFor(const BundleSpec& spec, const std::string& what);

// One IPv4 address of an interface, as the kernel holds it.
struct InterfaceAddress {
    uint32_t address = 0; // host byte order
    unsigned prefix = 32;
    std::optional<uint32_t> broadcast;
};

// What the guest takes over from the container's interface, and what delete gives back.
struct TapWiring {
    std::string interface;                   // "eth0"
    std::string tap = kTapName;              //
    std::string mac;                         // the interface's: the guest's --mac
    unsigned mtu = 1500;                     // the interface's
    std::vector<InterfaceAddress> addresses; // the interface's IPv4 addresses; [0] the guest's
    std::optional<uint32_t> gateway;         // the namespace's default route through it
    std::vector<std::string> others;         // other interfaces with IPv4 addresses: unused
};

// "172.18.0.2", "172.18.0.2/16".
std::string formatAddress(uint32_t address);
std::string formatInterfaceAddress(const InterfaceAddress& a);

// Runs `fn` on a thread that has joined the network namespace at `path` (a bind mount such as
// /var/run/netns/NAME, or /proc/PID/ns/net); the calling thread stays where it is. An
// exception `fn` throws is rethrown here. Throws uk::Error when the namespace cannot be joined.
void inNetworkNamespace(const std::filesystem::path& path, const std::function<void()>& fn);

// In the current thread's network namespace: the interface the guest should take over (the
// one holding the default route, else the first up, non-loopback Ethernet interface with an
// IPv4 address), or nullopt with `why` set when there is none. A wiring left behind by an
// earlier uk container (a kTapName tap whose alias records it) is undone first, so its
// interface is found with its addresses again.
std::optional<TapWiring> findContainerInterface(std::string& why);

// In the current thread's network namespace: makes the tap (or takes prepareTap's) and the
// redirects and removes the interface's IPv4 addresses. On failure undoes what it did (a
// prepared tap stays) and throws uk::Error.
void wireTap(const TapWiring& wiring);

// In the current thread's network namespace, before the guest boots and before the hooks give
// the namespace its interface: makes kTapName (up, unwired, marked as uk-runtime's), for QEMU
// to attach to; wireTap later wires it. Throws uk::Error when the namespace has one already.
void prepareTap();

// In the current thread's network namespace: removes the tap and the interface's ingress
// qdisc and gives the interface its addresses and default route back. Throws uk::Error.
void unwireTap(const TapWiring& wiring);

// The name servers for a guest on the container's network: IPv4 `nameserver` lines of
// `resolvConf` (the text of the container's /etc/resolv.conf), leaving out loopback ones
// (Docker's embedded 127.0.0.11 lives on the namespace's loopback, which the guest does not
// see: `notes` says so); none left: those of `hostResolvConfs` (the host's files, in order,
// the first with usable servers wins), as Docker does for a container. At most 3.
std::vector<std::string> guestNameServers(const std::string& resolvConf,
                                          const std::vector<std::string>& hostResolvConfs,
                                          std::vector<std::string>& notes);

// The container's /etc/resolv.conf text: the file bind-mounted there (Docker's), else
// ROOTFS/etc/resolv.conf when it is a regular file; "" when there is neither.
std::string containerResolvConf(const BundleSpec& spec);

// uk run's words with the tap in place of the user network: every `-p VALUE` before
// --entrypoint is dropped, and `--net tap:TAP --mac MAC --ip ADDR/PREFIX [--gw GW]
// [--dns D]...` is inserted before --entrypoint.
std::vector<std::string> tapRunArgs(const std::vector<std::string>& userArgs,
                                    const TapWiring& wiring, const std::vector<std::string>& dns);

// The guest's side of `wiring`: --mac MAC --ip ADDR/PREFIX [--gw GW] [--dns D]..., as uk run
// takes them on its command line or at the start (--start-gate).
std::vector<std::string> tapSettings(const TapWiring& wiring, const std::vector<std::string>& dns);

// uk run's words for a guest on prepareTap's tap, booted before the wiring is known: as
// tapRunArgs, with `--net tap:uk-tap0` alone; the settings come with the start.
std::vector<std::string> preparedTapRunArgs(const std::vector<std::string>& userArgs);

} // namespace uk::runtime
