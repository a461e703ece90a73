// The guest's network configuration, from the kernel command line that uk run writes
// (uk.ip=ADDR/PREFIX, uk.gw=ADDR, uk.dns=ADDR (up to three), uk.hostname=NAME; no uk.ip:
// DHCP), and the files that make it visible to libc: /etc/resolv.conf and /etc/hosts, as a
// container runtime provides them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

namespace uk {
class CommandLine;
}
namespace uk::vfs {
struct Context;
}

namespace uk::net {

struct Config {
    static constexpr size_t kMaxDns = 3;
    static constexpr size_t kMaxMmioDevices = 8;
    // Addresses in host byte order; 0 = not set.
    uint32_t ip = 0;
    uint32_t prefix = 0; // with ip
    uint32_t gateway = 0;
    uint32_t dns[kMaxDns] = {};
    size_t dnsCount = 0;
    char hostname[65] = {}; // at most 64 bytes, as Linux (HOST_NAME_MAX)
    uint8_t mac[6] = {};    // with haveMac: the card's address instead of its own
    bool haveMac = false;
    uint32_t mtu = 0;       // uk.mtu; 0: the card's
    bool noNetwork = false; // uk.nonet: loopback only
    // The virtio-mmio devices QEMU's microvm announced (virtio_mmio.device= words), probed
    // when the stack starts.
    VirtioMmioSpec mmio[kMaxMmioDevices] = {};
    size_t mmioCount = 0;

    bool useDhcp() const { return ip == 0; }
    // Whether uk run described a network (an address, name servers or a host name).
    bool described() const { return ip != 0 || dnsCount > 0 || hostname[0] != 0; }
    uint32_t netmask() const { return prefix == 0 ? 0 : ~0u << (32 - prefix); }
};

// "10.0.2.15" (four decimal parts 0-255) in host byte order; false when it does not parse.
bool parseIpv4(const char* text, uint32_t* out);
// "10.0.2.15/24" (prefix 1-32, default 24 when absent).
bool parseIpv4Prefix(const char* text, uint32_t* ip, uint32_t* prefix);

// Reads the uk.ip/uk.gw/uk.dns/uk.hostname options and the monitor's virtio_mmio.device=
// words; a value that does not parse is logged through `complain` (the word) and ignored.
Config parseConfig(const CommandLine& cmdline, void (*complain)(const char* option));

// The configuration boot read (for the stack, which starts later).
void setBootConfig(const Config& config);
const Config& bootConfig();
// The words that came with the start (uk.gate), `words` separated by spaces: when they hold
// any network option (uk.ip, uk.gw, uk.dns, uk.mac, uk.mtu, uk.nonet), those replace the
// boot configuration's address, gateway, name servers, MAC, MTU and uk.nonet, and the resolver
// files are written again. Values that do not parse are logged and ignored.
void applyStartOptions(const char* words);

// Writes /etc/resolv.conf (the name servers, when there are any) and adds the usual
// localhost lines and the host name to /etc/hosts (made if missing), as Docker does for a
// container. Returns 0 or -errno of the first failure.
long writeResolverFiles(vfs::Context& ctx, const Config& config);

// "10.0.2.15" into `out` (16 bytes of room).
void formatIpv4(uint32_t ip, char* out);

} // namespace uk::net
