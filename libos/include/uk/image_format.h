// uk image format and host <-> guest protocol.
//
// This is the only header shared between the library OS (guest) and the host tools
// (toolchain, loader, converters). It must stay freestanding: no allocation, no exceptions,
// no library headers beyond <stddef.h>/<stdint.h>. docs/image-format.md describes the same
// contract in prose; keep the two in step.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::image {

// ---------------------------------------------------------------------------------------------
// Devices the guest talks to.

// QEMU isa-debug-exit: writing V exits QEMU with status (V << 1) | 1. Only the low 7 bits of
// an exit status survive that encoding, so uk run reads the full status from the control
// channel below and uses the QEMU exit code only as a fallback.
inline constexpr uint16_t kDebugExitPort = 0xf4;

// Control channel: a write-only I/O port (QEMU isa-debugcon) on which the guest writes
// newline-terminated records. Writes to a port with no device behind it are ignored, so the
// guest always writes them. Before "exit" and "panic" the guest waits until the console's
// transmitter is empty, so every byte of its output is with the host by then (QEMU exits
// right after, and would drop bytes still in its UART model).
//   "exit N\n"      the application ended with shell-style status N (0..255; 128+signal when
//                   a signal or CPU fault ended it)
//   "panic\n"       the library OS itself failed; the reason was printed on the console
//   "stdin-ready\n" the console receiver is set up: input sent from now on is not lost
//                   (enabling the UART's FIFO at boot discards whatever was in flight, so a
//                   host that relays input waits for this record before it sends any)
inline constexpr uint16_t kControlPort = 0xe9;
inline constexpr char kControlExitRecord[] = "exit ";
inline constexpr char kControlPanicRecord[] = "panic";
inline constexpr char kControlStdinReadyRecord[] = "stdin-ready";

// ---------------------------------------------------------------------------------------------
// Kernel command line.
//
//   [uk.OPTION[=VALUE] ...] [--] [APP-ARG ...]
//
// Words before the first "--" that start with "uk." are library OS options; every other
// word (and everything after "--") is an application argument that replaces the image's
// default Cmd. Words may be quoted with double quotes; a backslash escapes the next character.
inline constexpr char kOptionPrefix[] = "uk.";
inline constexpr char kOptVerbose[] = "uk.verbose"; // boot log on the console
inline constexpr char kOptStrace[] = "uk.strace";   // print every system call
inline constexpr char kOptStdin[] = "uk.stdin";     // "raw" (default) or "escaped", see below
inline constexpr char kOptTime[] = "uk.time";       // wall clock at launch, ns since the epoch
inline constexpr char kOptSeed[] = "uk.seed";       // 64 hex digits of host entropy
inline constexpr char kOptEnv[] = "uk.env";         // uk.env=NAME=VALUE, repeatable
// uk.entrypoint=PATH replaces the image's Entrypoint with [PATH] and drops its Cmd (as
// `docker run --entrypoint`); application arguments still follow.
inline constexpr char kOptEntrypoint[] = "uk.entrypoint";
// uk.user=UID:GID (decimal) replaces the image's User and drops its Group records.
inline constexpr char kOptUser[] = "uk.user";
// The host's TSC frequency in Hz. Under QEMU TCG the guest's TSC is the host's, and nothing
// else tells the guest its rate exactly; the guest checks the hint against the PIT.
inline constexpr char kOptTscHz[] = "uk.tsc_hz";
// The guest's network configuration (uk run --ip, --gw, --dns, --hostname), applied to its one
// network card. IPv4 addresses are dotted quads.
// uk.ip=ADDR/PREFIX: a static address and its prefix length (10.0.2.15/24). Absent, the guest
// asks DHCP for its address, gateway and DNS servers.
inline constexpr char kOptIp[] = "uk.ip";
// uk.gw=ADDR: the default gateway; absent with uk.ip, only the local network is reachable.
inline constexpr char kOptGateway[] = "uk.gw";
// uk.dns=ADDR, repeatable (at most kMaxDnsServers, in order of preference): DNS servers, used
// instead of the ones DHCP names.
inline constexpr char kOptDns[] = "uk.dns";
inline constexpr size_t kMaxDnsServers = 3;
// uk.hostname=NAME: the host name (uname's nodename), RFC 1123 labels, at most 64 bytes.
inline constexpr char kOptHostname[] = "uk.hostname";
// uk.mac=XX:XX:XX:XX:XX:XX: the address the guest's network card uses instead of the one the
// device reports (a container's interface that the guest takes over after the card was made).
inline constexpr char kOptMac[] = "uk.mac";
// uk.mtu=N: the largest IP packet the guest sends (68-65535; the card's own when larger), as
// the interface a container's guest takes over may have a smaller one (an overlay network).
inline constexpr char kOptMtu[] = "uk.mtu";
// uk.nonet: no network at all, loopback only, whatever cards there are.
inline constexpr char kOptNoNetwork[] = "uk.nonet";
// uk.workdir=DIR: the application's working directory, instead of the image's WorkingDir
// (uk run --workdir; an OCI runtime's process.cwd).
inline constexpr char kOptWorkdir[] = "uk.workdir";
// uk.gate: boot up to the application's entry (root file system, program loaded, stack
// built), then wait for kStdinEscape kStdinStart on the console before entering it, as a
// container's init waits for `start` after `create` (uk run --start-gate). A signal that
// arrives first ends the guest as it would an application that had not changed it.
inline constexpr char kOptStartGate[] = "uk.gate";
// Bytes every library OS that honours uk.gate (and the start's words) carries in its
// read-only data, so that a host can tell an image built before them (which would run its
// program at once, and take the start for input) without booting it.
inline constexpr char kAbiStartGateMarker[] = "uk-abi: start-gate 1";

// With uk.stdin=escaped the console input is framed so the host can signal end of input:
// kStdinEscape kStdinEscape is a literal kStdinEscape byte, kStdinEscape kStdinEof is end of
// file, and kStdinEscape kStdinSignal N (1-64) sends signal N to the application's first
// process (how uk run passes on the SIGTERM of `docker stop`, or Ctrl-C's SIGINT), and
// kStdinEscape kStdinStart opens the start gate (uk.gate). The start is followed by words up to
// a '\n' (none: the '\n' alone), options that replace the command line's network settings
// (uk.ip, uk.gw, uk.dns, uk.mac, uk.mtu, uk.nonet) when there are any: a container's network is
// known only after its guest booted. uk run always uses this framing; a bare QEMU serial line has
// no end of file.
inline constexpr uint8_t kStdinEscape = 0x10;
inline constexpr uint8_t kStdinEof = 0x04;
inline constexpr uint8_t kStdinSignal = 0x13;
inline constexpr uint8_t kStdinStart = 0x02;

// ---------------------------------------------------------------------------------------------
// Console lines the host rewrites.
//
// When a fault or panic prints a backtrace, each frame is one line of the form
//   "[uk]   #<n> 0x<16 hex digits>\n"
// uk run symbolizes these against the image and appends " in FUNCTION at FILE:LINE".
// Frames after #0 are return addresses; symbolizers should look up address - 1.
inline constexpr char kBacktracePrefix[] = "[uk]   #";

// ---------------------------------------------------------------------------------------------
// Image configuration: the ELF section ".uk.config" (allocated, read-only) holds
//
//   ConfigHeader, then `count` records, each a RecordHeader followed by `length` bytes of
//   payload and zero padding up to the next multiple of 8.
//
// All integers are little endian. Repeated records keep their order (argv order, env order).
inline constexpr char kConfigSection[] = ".uk.config";
// The root file system `uk pack` embeds: a cpio "newc" archive in its own allocated section
// (see docs/image-format.md). A root file system passed at run time (-initrd) wins.
inline constexpr char kInitrdSection[] = ".uk.initrd";
inline constexpr char kConfigMagic[8] = {'U', 'K', 'C', 'O', 'N', 'F', 'I', 'G'};
inline constexpr uint32_t kConfigVersion = 1;

struct ConfigHeader {
    char magic[8];
    uint32_t version;
    uint32_t count; // number of records
    uint64_t size;  // total size in bytes, header included
};
static_assert(sizeof(ConfigHeader) == 24);

enum class ConfigTag : uint32_t {
    Entrypoint = 1,  // one record per word of the entrypoint (argv[0] first)
    Cmd = 2,         // one record per default argument; replaced by command-line arguments
    Env = 3,         // "NAME=VALUE"
    WorkingDir = 4,  // absolute path
    User = 5,        // "UID:GID" in decimal: the credentials the first process starts with
    Group = 6,       // one record per supplementary group id (decimal), with User
    ExposedPort = 7, // "PORT/PROTO" (e.g. "80/tcp"), carried from an OCI image; informational
    Volume = 8,      // absolute path, carried from an OCI image; informational
    Label = 9,       // "KEY=VALUE", carried from an OCI image; informational
};

struct RecordHeader {
    ConfigTag tag;
    uint32_t length; // payload bytes, padding excluded
};
static_assert(sizeof(RecordHeader) == 8);

inline constexpr size_t configAlign(size_t n) {
    return (n + 7) & ~size_t{7};
}

// Iterates the records of a configuration blob without allocating. Every accessor checks
// bounds, so a corrupt or truncated blob yields valid() == false instead of a wild read.
class ConfigReader {
public:
    struct Record {
        ConfigTag tag;
        const char* data;
        uint32_t length;
    };

    ConfigReader(const void* blob, size_t available) : base_(static_cast<const char*>(blob)) {
        if (base_ == nullptr || available < sizeof(ConfigHeader)) {
            return;
        }
        ConfigHeader h;
        copy(&h, base_, sizeof h);
        for (size_t i = 0; i < sizeof kConfigMagic; ++i) {
            if (h.magic[i] != kConfigMagic[i]) {
                return;
            }
        }
        if (h.version != kConfigVersion || h.size < sizeof(ConfigHeader) || h.size > available) {
            return;
        }
        size_ = h.size;
        count_ = h.count;
        // Validate every record once up front so iteration cannot run off the end.
        size_t offset = sizeof(ConfigHeader);
        for (uint32_t i = 0; i < count_; ++i) {
            if (size_ - offset < sizeof(RecordHeader)) {
                return;
            }
            RecordHeader r;
            copy(&r, base_ + offset, sizeof r);
            offset += sizeof(RecordHeader);
            if (size_ - offset < r.length) {
                return;
            }
            offset += configAlign(r.length);
            if (offset > size_) {
                return;
            }
        }
        valid_ = true;
    }

    bool valid() const { return valid_; }
    uint32_t count() const { return valid_ ? count_ : 0; }

    // Calls fn(const Record&) for each record in order.
    template <typename Fn>
    void forEach(Fn&& fn) const {
        if (!valid_) {
            return;
        }
        size_t offset = sizeof(ConfigHeader);
        for (uint32_t i = 0; i < count_; ++i) {
            RecordHeader r;
            copy(&r, base_ + offset, sizeof r);
            offset += sizeof(RecordHeader);
            fn(Record{r.tag, base_ + offset, r.length});
            offset += configAlign(r.length);
        }
    }

private:
    static void copy(void* dst, const void* src, size_t n) {
        auto* d = static_cast<char*>(dst);
        auto* s = static_cast<const char*>(src);
        for (size_t i = 0; i < n; ++i) {
            d[i] = s[i];
        }
    }

    const char* base_;
    size_t size_ = 0;
    uint32_t count_ = 0;
    bool valid_ = false;
};

// ---------------------------------------------------------------------------------------------
// Compressed images (`uk build --strip`). The boot segment (the ELF header as loaded, the PVH
// note and the .uk.boot sections) stays as linked; every other loadable segment moves into
// one more PT_LOAD, the payload, placed above the highest byte the image occupies. The boot
// section ".uk.boot.payload" holds a BootPayloadLink whose physAddr the compressor sets to
// the payload's address (0: not compressed); the boot code unpacks before anything else.
//
// The payload: BootPayloadHeader, `segmentCount` BootPayloadSegment, then each segment's raw
// DEFLATE stream (RFC 1951) in the same order. All integers little endian.
inline constexpr char kBootPayloadSection[] = ".uk.boot.payload";
inline constexpr uint64_t kBootPayloadLinkMagic = 0x314b4e494c4b55ull; // "UKLINK1"
inline constexpr uint64_t kBootPayloadMagic = 0x31444c59504b55ull;     // "UKPYLD1"
inline constexpr uint32_t kBootPayloadMaxSegments = 16;

struct BootPayloadLink {
    uint64_t magic;    // kBootPayloadLinkMagic
    uint64_t physAddr; // where the payload is loaded; 0 for an image that is not compressed
};
static_assert(sizeof(BootPayloadLink) == 16);

struct BootPayloadHeader {
    uint64_t magic; // kBootPayloadMagic
    uint32_t segmentCount;
    uint32_t reserved;
};
static_assert(sizeof(BootPayloadHeader) == 16);

struct BootPayloadSegment {
    uint64_t physAddr;   // where the segment's bytes go
    uint64_t fileSize;   // bytes the stream decodes to
    uint64_t memSize;    // bytes in memory: the rest (.bss) is zeroed
    uint64_t streamSize; // bytes of its DEFLATE stream
};
static_assert(sizeof(BootPayloadSegment) == 32);

} // namespace uk::image
