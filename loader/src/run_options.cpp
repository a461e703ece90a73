#include <uk/loader/run_options.h>

#include <uk/image_format.h>
#include <uk/loader/instance.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace uk::loader {

namespace {

constexpr uint64_t kMinMemoryMiB = 2;       // the image loads at 1 MiB and needs room above it
constexpr uint64_t kMaxMemoryMiB = 1 << 22; // 4 TiB: far beyond any host, catches typos
constexpr unsigned kMaxCpus = 255;          // QEMU's limit without an x2APIC IOMMU

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
        if (x != y) {
            return false;
        }
    }
    return true;
}

// Decimal digits only (no sign, no spaces), without overflow.
std::optional<uint64_t> parseUnsigned(std::string_view digits) {
    if (digits.empty()) {
        return std::nullopt;
    }
    uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (value > (std::numeric_limits<uint64_t>::max() - d) / 10) {
            return std::nullopt;
        }
        value = value * 10 + d;
    }
    return value;
}

std::string inQuotes(std::string_view s) {
    return "'" + std::string(s) + "'";
}

bool isBlankChar(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool validEnvName(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        if (c == '=' || c == 0) {
            return false;
        }
    }
    return true;
}

void addEnv(RunOptions& o, const std::string& word) {
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (!validEnvName(name)) {
        throw UsageError("--env: expected NAME=VALUE, got " + inQuotes(word));
    }
    if (eq != std::string::npos) {
        o.env.push_back(word);
    } else if (const char* host = std::getenv(name.c_str()); host != nullptr) {
        o.env.push_back(name + "=" + host);
    }
}

// "UID" or "UID:GID", decimal ids below 2^32 - 1 (which means "unchanged" to Linux).
std::string checkedUser(const std::string& value) {
    auto id = [](std::string_view digits) {
        auto v = parseUnsigned(digits);
        return v && *v < std::numeric_limits<uint32_t>::max();
    };
    size_t colon = value.find(':');
    bool ok = colon == std::string::npos ? id(value)
                                         : id(std::string_view(value).substr(0, colon)) &&
                                               id(std::string_view(value).substr(colon + 1));
    if (!ok) {
        throw UsageError("--user: expected UID or UID:GID (decimal ids), got " + inQuotes(value));
    }
    return value;
}

// Why `address` cannot be a host's own address (or a server's), or "" when it can be.
std::string unicastProblem(uint32_t address) {
    if ((address >> 24) == 0) {
        return "is not a host address (0.0.0.0/8 stands for \"this network\")";
    }
    if ((address >> 24) == 127) {
        return "is a loopback address (inside the guest it would be the guest itself)";
    }
    if ((address >> 28) == 0xe) {
        return "is a multicast address";
    }
    if ((address >> 28) == 0xf) {
        return "is reserved (240.0.0.0/4, the broadcast address among them)";
    }
    return "";
}

uint32_t netmask(unsigned prefix) {
    return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

// "ADDR[/PREFIX]" for --ip; the prefix defaults to /24, the size of most small networks.
Ipv4Interface parseInterface(const std::string& text) {
    size_t slash = text.find('/');
    auto address = parseIpv4(std::string_view(text).substr(0, slash));
    if (!address) {
        throw UsageError("--ip: expected an IPv4 address with an optional prefix length, like "
                         "10.0.2.20 or 192.168.7.2/24, got " +
                         inQuotes(text));
    }
    Ipv4Interface ip{*address, 24};
    if (slash != std::string::npos) {
        auto prefix = parseUnsigned(std::string_view(text).substr(slash + 1));
        if (!prefix || *prefix < 1 || *prefix > 32) {
            throw UsageError("--ip: the prefix length after '/' must be from 1 to 32, got " +
                             inQuotes(text));
        }
        ip.prefix = static_cast<unsigned>(*prefix);
    }
    if (std::string why = unicastProblem(ip.address); !why.empty()) {
        throw UsageError("--ip: " + formatIpv4(ip.address) + " " + why);
    }
    // /31 and /32 have no network or broadcast address (RFC 3021).
    uint32_t host = ip.address & ~netmask(ip.prefix);
    if (ip.prefix <= 30 && (host == 0 || host == ~netmask(ip.prefix))) {
        throw UsageError("--ip: " + formatIpv4(ip.address) + " is the " +
                         (host == 0 ? "network" : "broadcast") + " address of " +
                         formatIpv4(ip.address & netmask(ip.prefix)) + "/" +
                         std::to_string(ip.prefix) + "; give the guest an address inside it");
    }
    return ip;
}

// --gw and --dns: one unicast IPv4 address.
uint32_t parseServerAddress(std::string_view option, const std::string& text) {
    auto address = parseIpv4(text);
    if (!address) {
        throw UsageError(std::string(option) + ": expected an IPv4 address like 10.0.2.2, got " +
                         inQuotes(text));
    }
    if (std::string why = unicastProblem(*address); !why.empty()) {
        throw UsageError(std::string(option) + ": " + text + " " + why);
    }
    return *address;
}

// A unicast Ethernet address written as six hex pairs separated by ':' (lowercased).
unsigned checkedMtu(const std::string& text) {
    auto v = parseUnsigned(text);
    if (!v || *v < 68 || *v > 1500) {
        throw UsageError("--mtu: expected a number from 68 to 1500 (the network card's own), "
                         "got " +
                         inQuotes(text));
    }
    return static_cast<unsigned>(*v);
}

std::string checkedMac(const std::string& mac) {
    auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    bool ok = mac.size() == 17;
    for (size_t i = 0; ok && i < mac.size(); ++i) {
        ok = i % 3 == 2 ? mac[i] == ':' : hex(mac[i]);
    }
    if (!ok) {
        throw UsageError("--mac: expected six hex pairs separated by ':' (52:54:00:12:34:56), "
                         "got " +
                         inQuotes(mac));
    }
    std::string lower = mac;
    for (char& c : lower) {
        c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    int first = std::stoi(lower.substr(0, 2), nullptr, 16);
    if (first & 1) {
        throw UsageError("--mac: " + inQuotes(mac) +
                         " is a multicast address; a NIC needs a "
                         "unicast one (the first byte even)");
    }
    return lower;
}

// What Linux takes as a host name (at most 64 bytes, HOST_NAME_MAX) and DNS as a name
// (RFC 1123): dot-separated labels of 1 to 63 letters, digits and '-', none starting or
// ending with '-'.
std::string checkedHostname(const std::string& name) {
    auto bad = [&](const std::string& why) {
        return UsageError("--hostname: " + why + " (got " + inQuotes(name) +
                          "; a host name is letters, digits and '-', in labels separated by '.')");
    };
    constexpr size_t kMaxHostname = 64;
    constexpr size_t kMaxLabel = 63;
    if (name.empty()) {
        throw bad("the name is empty");
    }
    if (name.size() > kMaxHostname) {
        throw bad("longer than " + std::to_string(kMaxHostname) + " characters");
    }
    size_t start = 0;
    for (;;) {
        size_t dot = name.find('.', start);
        std::string_view label = std::string_view(name).substr(
            start, dot == std::string::npos ? std::string::npos : dot - start);
        if (label.empty()) {
            throw bad("an empty label (two dots in a row, or a dot at either end)");
        }
        if (label.size() > kMaxLabel) {
            throw bad("a label longer than " + std::to_string(kMaxLabel) + " characters");
        }
        for (char c : label) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-';
            if (!ok) {
                throw bad(inQuotes(std::string(1, c)) + " is not allowed");
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            throw bad("a label starts or ends with '-'");
        }
        if (dot == std::string::npos) {
            return name;
        }
        start = dot + 1;
    }
}

// Linux interface names: 1 to 15 bytes (IFNAMSIZ less the terminating zero), no '/', ':' or
// blanks, not "." or "..".
std::string checkedTapName(const std::string& value) {
    std::string name = value.substr(4); // after "tap:"
    auto bad = [&](const std::string& why) { return UsageError("--net " + value + ": " + why); };
    constexpr size_t kMaxInterfaceName = 15;
    if (name.empty()) {
        throw bad("give the tap interface's name: tap:IFNAME (for example tap:tap0)");
    }
    if (name.size() > kMaxInterfaceName) {
        throw bad("an interface name has at most " + std::to_string(kMaxInterfaceName) +
                  " characters");
    }
    if (name == "." || name == "..") {
        throw bad("not an interface name");
    }
    for (char c : name) {
        if (c == '/' || c == ':' || isBlankChar(c) || c == 0) {
            throw bad("an interface name cannot contain " + inQuotes(std::string(1, c)));
        }
    }
    return name;
}

std::string describePort(const PublishedPort& p) {
    return std::to_string(p.hostPort) + "/" + std::string(protocolName(p.protocol));
}

// The network options together: what each network allows, and what they imply.
void checkNetwork(const RunOptions& o) {
    if (o.net == NetMode::None) {
        if (!o.publish.empty()) {
            throw UsageError("-p " + o.publish.front().spec +
                             ": publishing a port needs the user network, but --net none gives "
                             "the guest no network (leave --net out: user is the default)");
        }
        const char* given = o.ip             ? "--ip"
                            : o.gateway      ? "--gw"
                            : !o.dns.empty() ? "--dns"
                            : o.dhcp         ? "--dhcp"
                                             : nullptr;
        if (given != nullptr) {
            throw UsageError(std::string(given) +
                             " configures the guest's network, but --net none gives it none");
        }
        return;
    }
    if (o.net == NetMode::Tap && !o.publish.empty()) {
        throw UsageError("-p " + o.publish.front().spec +
                         ": publishing ports is a feature of QEMU's user network (--net user); "
                         "on --net tap:" +
                         o.tapInterface +
                         " the guest is reached at its own address on that interface");
    }
    if (o.dhcp && o.ip) {
        throw UsageError("--ip and --dhcp: choose one (a static address, or one from DHCP)");
    }
    if (o.dhcp && o.gateway) {
        throw UsageError("--gw and --dhcp: with --dhcp the DHCP server names the gateway");
    }
    if (o.dns.size() > kMaxDnsServers) {
        throw UsageError("--dns: at most " + std::to_string(kMaxDnsServers) + " servers, got " +
                         std::to_string(o.dns.size()));
    }
    if (o.net == NetMode::User) {
        // slirp routes and answers only inside its own network (10.0.2.0/24 as uk run starts
        // it), with itself at .2 (gateway) and .3 (DNS); any other address would leave the
        // guest cut off, and port forwarding aims at the --ip address.
        if (o.ip) {
            std::string given = formatIpv4(o.ip->address) + "/" + std::to_string(o.ip->prefix);
            if ((o.ip->address & netmask(kUserPrefix)) != kUserNetwork ||
                o.ip->prefix != kUserPrefix) {
                throw UsageError("--ip " + given +
                                 ": QEMU's user network (--net user) is 10.0.2.0/24; give an "
                                 "address in it (10.0.2.15 is the default) or use --net "
                                 "tap:IFNAME for another network");
            }
            if (o.ip->address == kUserGateway || o.ip->address == kUserDns) {
                throw UsageError("--ip " + given + ": " + formatIpv4(o.ip->address) +
                                 " is the user network's own " +
                                 (o.ip->address == kUserGateway ? "gateway" : "DNS server") +
                                 " address; give the guest another one (10.0.2.15 is the "
                                 "default)");
            }
        }
        if (o.gateway && *o.gateway != kUserGateway) {
            throw UsageError("--gw " + formatIpv4(*o.gateway) +
                             ": QEMU's user network (--net user) routes only through " +
                             formatIpv4(kUserGateway) + " (leave --gw out)");
        }
    } else if (o.gateway) {
        if (!o.ip) {
            throw UsageError("--gw needs --ip (without --ip the guest asks DHCP, which names "
                             "the gateway)");
        }
        uint32_t mask = netmask(o.ip->prefix);
        std::string net = formatIpv4(o.ip->address & mask) + "/" + std::to_string(o.ip->prefix);
        if ((*o.gateway & mask) != (o.ip->address & mask)) {
            throw UsageError("--gw " + formatIpv4(*o.gateway) + " is not in the guest's network " +
                             net + " (from --ip)");
        }
        if (*o.gateway == o.ip->address) {
            throw UsageError("--gw " + formatIpv4(*o.gateway) +
                             " is the guest's own address (--ip)");
        }
    }
    // QEMU would fail on the second forwarding rule for a host port; say which two.
    for (size_t i = 0; i < o.publish.size(); ++i) {
        for (size_t j = i + 1; j < o.publish.size(); ++j) {
            const PublishedPort& a = o.publish[i];
            const PublishedPort& b = o.publish[j];
            bool overlap =
                a.hostAddress == b.hostAddress || a.hostAddress == 0 || b.hostAddress == 0;
            if (a.protocol == b.protocol && a.hostPort == b.hostPort && overlap) {
                throw UsageError("-p " + a.spec + " and -p " + b.spec + " both publish host port " +
                                 describePort(a));
            }
        }
    }
}

} // namespace

std::string_view machineName(MachineType machine) {
    switch (machine) {
    case MachineType::Microvm:
        return "microvm";
    case MachineType::Q35:
        return "q35";
    case MachineType::Pc:
        return "pc";
    }
    return "?";
}

std::string_view accelName(Accel accel) {
    switch (accel) {
    case Accel::Auto:
        return "auto";
    case Accel::Kvm:
        return "kvm";
    case Accel::Tcg:
        return "tcg";
    }
    return "?";
}

std::string_view protocolName(PortProtocol protocol) {
    return protocol == PortProtocol::Udp ? "udp" : "tcp";
}

std::optional<uint32_t> parseIpv4(std::string_view text) {
    uint32_t value = 0;
    size_t start = 0;
    for (int part = 0; part < 4; ++part) {
        size_t end = part < 3 ? text.find('.', start) : text.size();
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        std::string_view digits = text.substr(start, end - start);
        if (digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
            return std::nullopt;
        }
        auto n = parseUnsigned(digits);
        if (!n || *n > 255) {
            return std::nullopt;
        }
        value = value << 8 | static_cast<uint32_t>(*n);
        start = end + 1;
    }
    return value;
}

std::string formatIpv4(uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

PublishedPort parsePublish(std::string_view spec) {
    PublishedPort p;
    p.spec = std::string(spec);
    auto bad = [&](const std::string& why) { return UsageError("-p " + p.spec + ": " + why); };
    std::string_view rest = spec;
    if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
        std::string_view protocol = rest.substr(slash + 1);
        if (protocol == "tcp") {
            p.protocol = PortProtocol::Tcp;
        } else if (protocol == "udp") {
            p.protocol = PortProtocol::Udp;
        } else {
            throw bad("expected the protocol tcp or udp after '/', got " + inQuotes(protocol));
        }
        rest = rest.substr(0, slash);
    }
    size_t colons = static_cast<size_t>(std::count(rest.begin(), rest.end(), ':'));
    if ((!rest.empty() && rest[0] == '[') || colons > 2) {
        throw bad("only IPv4 host addresses can be published (QEMU's user network forwards "
                  "IPv4 only)");
    }
    if (colons == 0) {
        throw bad("expected [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp], for example 8080:80 (uk run "
                  "does not pick a host port itself)");
    }
    if (colons == 2) {
        size_t colon = rest.find(':');
        std::string_view host = rest.substr(0, colon);
        auto address = parseIpv4(host);
        if (!address) {
            throw bad("expected an IPv4 host address like 127.0.0.1 before the host port, got " +
                      inQuotes(host));
        }
        if ((*address >> 28) >= 0xe) {
            throw bad(std::string(host) + " is not an address the host can listen on");
        }
        p.hostAddress = *address;
        rest = rest.substr(colon + 1);
    }
    size_t colon = rest.find(':');
    auto port = [&](std::string_view text, const char* which) -> uint16_t {
        if (text.find('-') != std::string_view::npos) {
            throw bad("port ranges are not supported; give one -p for each port");
        }
        if (text.empty()) {
            throw bad(std::string("the ") + which +
                      " port is missing (uk run does not pick one itself)");
        }
        auto n = parseUnsigned(text);
        if (!n || *n < 1 || *n > 65535) {
            throw bad(std::string("the ") + which + " port must be a number from 1 to 65535, got " +
                      inQuotes(text));
        }
        return static_cast<uint16_t>(*n);
    };
    p.hostPort = port(rest.substr(0, colon), "host");
    p.guestPort = port(rest.substr(colon + 1), "guest");
    return p;
}

GuestNetwork guestNetwork(const RunOptions& options) {
    GuestNetwork g;
    if (options.net == NetMode::None) {
        return g;
    }
    g.ip = options.ip;
    g.gateway = options.gateway;
    g.dns = options.dns;
    if (options.net == NetMode::User && !options.dhcp) {
        if (!g.ip) {
            g.ip = Ipv4Interface{kUserGuest, kUserPrefix};
        }
        if (!g.gateway) {
            g.gateway = kUserGateway;
        }
        if (g.dns.empty()) {
            g.dns.push_back(kUserDns);
        }
    }
    return g;
}

uint64_t parseMemorySize(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return UsageError("--mem: " + why + " (got " + inQuotes(text) +
                          "; examples: 64M, 512M, 1G, or a bare number of MiB)");
    };
    size_t digitsEnd = 0;
    while (digitsEnd < text.size() && text[digitsEnd] >= '0' && text[digitsEnd] <= '9') {
        ++digitsEnd;
    }
    auto number = parseUnsigned(text.substr(0, digitsEnd));
    if (!number) {
        throw bad("expected a size");
    }
    std::string_view unit = text.substr(digitsEnd);
    if (!unit.empty() && unit[0] == '.') {
        throw bad("fractions are not accepted; use a smaller unit (1536M, not 1.5G)");
    }
    // Accept "M", "MB", "MiB" alike: in memory sizes everyone means powers of two.
    if (unit.size() >= 2 && (equalsIgnoreCase(unit.substr(unit.size() - 2), "ib"))) {
        unit.remove_suffix(2);
    } else if (unit.size() == 2 && (unit[1] == 'b' || unit[1] == 'B')) {
        unit.remove_suffix(1);
    }
    uint64_t kib;
    uint64_t perUnitKiB;
    if (unit.empty() || equalsIgnoreCase(unit, "m")) {
        perUnitKiB = 1024;
    } else if (equalsIgnoreCase(unit, "k")) {
        perUnitKiB = 1;
    } else if (equalsIgnoreCase(unit, "g")) {
        perUnitKiB = 1024 * 1024;
    } else if (equalsIgnoreCase(unit, "t")) {
        perUnitKiB = 1024 * 1024 * 1024;
    } else {
        throw bad("unknown unit " + inQuotes(unit));
    }
    if (*number > std::numeric_limits<uint64_t>::max() / perUnitKiB) {
        throw bad("too large");
    }
    kib = *number * perUnitKiB;
    if (kib % 1024 != 0) {
        throw bad("must be a whole number of MiB");
    }
    uint64_t mib = kib / 1024;
    if (mib < kMinMemoryMiB) {
        throw bad("the library OS needs at least " + std::to_string(kMinMemoryMiB) + " MiB");
    }
    if (mib > kMaxMemoryMiB) {
        throw bad("too large");
    }
    return mib;
}

std::chrono::milliseconds parseTimeout(std::string_view text) {
    auto bad = [&] {
        return UsageError("--timeout: expected a number of seconds greater than 0, got " +
                          inQuotes(text));
    };
    // Digits with at most one decimal point; strtod alone would take "1e3", "inf", " 5".
    bool point = false;
    bool digit = false;
    for (char c : text) {
        if (c == '.' && !point) {
            point = true;
        } else if (c >= '0' && c <= '9') {
            digit = true;
        } else {
            throw bad();
        }
    }
    if (!digit) {
        throw bad();
    }
    std::string copy(text);
    errno = 0;
    double seconds = std::strtod(copy.c_str(), nullptr);
    // A year is far more than anyone means; it also keeps the milliseconds in range.
    if (errno != 0 || !(seconds > 0) || seconds > 366.0 * 24 * 3600) {
        throw bad();
    }
    auto ms = static_cast<int64_t>(std::ceil(seconds * 1000));
    return std::chrono::milliseconds(ms);
}

uint64_t defaultMemoryMiB(uint64_t imageBytes, uint64_t initrdBytes) {
    constexpr uint64_t kMiB = 1024 * 1024;
    constexpr uint64_t kHeadroomMiB = 64; // the library OS, the program, its heap and stacks
    // Whole MiB, rounded up, so that nothing overflows for any size a file can have.
    uint64_t treeMiB = (imageBytes + kMiB - 1) / kMiB + (initrdBytes + kMiB - 1) / kMiB;
    uint64_t mib = 2 * treeMiB + kHeadroomMiB;
    mib = (mib + 1) & ~uint64_t{1}; // a multiple of 2 MiB, one large page
    return std::max(mib, kDefaultMemoryFloorMiB);
}

void applyDefaultMemory(RunOptions& options) {
    if (options.memoryGiven) {
        return;
    }
    auto sizeOf = [](const std::filesystem::path& path) -> uint64_t {
        if (path.empty()) {
            return 0;
        }
        std::error_code ec;
        uint64_t size = std::filesystem::file_size(path, ec);
        if (ec) {
            throw Error("cannot measure " + path.string() +
                        " to size the guest memory: " + ec.message() + " (--mem SIZE avoids that)");
        }
        return size;
    };
    options.memoryMiB = defaultMemoryMiB(sizeOf(options.image), sizeOf(options.initrd));
}

RunOptions parseRunOptions(const std::vector<std::string>& args) {
    RunOptions o;
    bool haveImage = false;
    size_t i = 0;
    // Splits "--name=value" and fetches the value of "--name value".
    auto valueOf = [&](const std::string& word, std::string_view name) -> std::string {
        if (word.size() > name.size() && word[name.size()] == '=') {
            return word.substr(name.size() + 1);
        }
        if (i + 1 >= args.size()) {
            throw UsageError(std::string(name) + " needs a value (see 'uk run --help')");
        }
        return args[++i];
    };
    auto is = [](const std::string& word, std::string_view name) {
        return word == name ||
               (word.size() > name.size() && word.compare(0, name.size(), name) == 0 &&
                word[name.size()] == '=');
    };

    for (; i < args.size(); ++i) {
        const std::string& w = args[i];
        if (w == "--") {
            o.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        if (w == "-h" || w == "--help") {
            o.help = true;
            return o;
        }
        if (w == "-v" || w == "--verbose") {
            o.verbose = true;
        } else if (w == "-d" || w == "--detach") {
            o.detach = true;
        } else if (w == "--rm") {
            o.autoRemove = true;
        } else if (is(w, "--name")) {
            o.name = valueOf(w, "--name");
            try {
                checkInstanceName(o.name);
            } catch (const Error& e) {
                throw UsageError(std::string("--name: ") + e.what());
            }
        } else if (w == "--strace") {
            o.strace = true;
        } else if (w == "--print-cmd") {
            o.printCommand = true;
        } else if (is(w, "--mem")) {
            o.memoryMiB = parseMemorySize(valueOf(w, "--mem"));
            o.memoryGiven = true;
        } else if (is(w, "--cpus")) {
            std::string v = valueOf(w, "--cpus");
            auto n = parseUnsigned(v);
            if (!n || *n < 1 || *n > kMaxCpus) {
                throw UsageError("--cpus: expected a number from 1 to " + std::to_string(kMaxCpus) +
                                 ", got " + inQuotes(v));
            }
            o.cpus = static_cast<unsigned>(*n);
        } else if (is(w, "--accel")) {
            std::string v = valueOf(w, "--accel");
            if (v == "auto") {
                o.accel = Accel::Auto;
            } else if (v == "kvm") {
                o.accel = Accel::Kvm;
            } else if (v == "tcg") {
                o.accel = Accel::Tcg;
            } else {
                throw UsageError("--accel: expected auto, kvm or tcg, got " + inQuotes(v));
            }
        } else if (is(w, "--machine")) {
            std::string v = valueOf(w, "--machine");
            if (v == "microvm") {
                o.machine = MachineType::Microvm;
            } else if (v == "q35") {
                o.machine = MachineType::Q35;
            } else if (v == "pc") {
                o.machine = MachineType::Pc;
            } else {
                throw UsageError("--machine: expected microvm, q35 or pc, got " + inQuotes(v));
            }
        } else if (is(w, "--timeout")) {
            o.timeoutText = valueOf(w, "--timeout");
            o.timeout = parseTimeout(o.timeoutText);
        } else if (is(w, "--initrd")) {
            o.initrd = valueOf(w, "--initrd");
            if (o.initrd.empty()) {
                throw UsageError("--initrd: expected the path of a cpio (newc) archive");
            }
        } else if (is(w, "--qemu")) {
            o.qemu = valueOf(w, "--qemu");
            if (o.qemu.empty()) {
                throw UsageError("--qemu: expected the path of a QEMU binary");
            }
        } else if (is(w, "--entrypoint")) {
            o.entrypoint = valueOf(w, "--entrypoint");
        } else if (is(w, "--net")) {
            std::string v = valueOf(w, "--net");
            if (v == "user") {
                o.net = NetMode::User;
            } else if (v == "none") {
                o.net = NetMode::None;
            } else if (v.compare(0, 4, "tap:") == 0 || v == "tap") {
                o.net = NetMode::Tap;
                o.tapInterface = checkedTapName(v == "tap" ? "tap:" : v);
            } else {
                throw UsageError("--net: expected none, user or tap:IFNAME, got " + inQuotes(v));
            }
        } else if (w == "-p" || is(w, "--publish")) {
            o.publish.push_back(parsePublish(valueOf(w, w == "-p" ? "-p" : "--publish")));
        } else if (w.size() > 2 && w.compare(0, 2, "-p") == 0) {
            // -p8080:80, as getopt allows; "-p=8080:80" as Go's flag parsers (docker) allow.
            o.publish.push_back(parsePublish(w[2] == '=' ? w.substr(3) : w.substr(2)));
        } else if (is(w, "--ip")) {
            o.ip = parseInterface(valueOf(w, "--ip"));
        } else if (is(w, "--gw")) {
            o.gateway = parseServerAddress("--gw", valueOf(w, "--gw"));
        } else if (is(w, "--dns")) {
            o.dns.push_back(parseServerAddress("--dns", valueOf(w, "--dns")));
        } else if (w == "--dhcp") {
            o.dhcp = true;
        } else if (is(w, "--hostname")) {
            o.hostname = checkedHostname(valueOf(w, "--hostname"));
        } else if (w == "-w" || is(w, "--workdir")) {
            o.workdir = valueOf(w, w == "-w" ? "-w" : "--workdir");
            if (o.workdir.empty() || o.workdir[0] != '/') {
                throw UsageError("--workdir: expected an absolute path in the guest, got " +
                                 inQuotes(o.workdir));
            }
        } else if (is(w, "--start-gate")) {
            o.startGate = valueOf(w, "--start-gate");
            if (o.startGate.empty()) {
                throw UsageError("--start-gate: expected the path of a FIFO");
            }
        } else if (is(w, "--mac")) {
            o.mac = checkedMac(valueOf(w, "--mac"));
        } else if (is(w, "--mtu")) {
            o.mtu = checkedMtu(valueOf(w, "--mtu"));
        } else if (w == "-u" || is(w, "--user")) {
            o.user = checkedUser(valueOf(w, w == "-u" ? "-u" : "--user"));
        } else if (w == "-e" || is(w, "--env")) {
            addEnv(o, valueOf(w, w == "-e" ? "-e" : "--env"));
        } else if (w.size() > 2 && w.compare(0, 2, "-e") == 0) {
            addEnv(o, w.substr(2)); // -eNAME=VALUE, as getopt allows
        } else if (w.size() > 1 && w[0] == '-') {
            throw UsageError("unknown option " + inQuotes(w) + " (see 'uk run --help')");
        } else if (!haveImage) {
            if (w.empty()) {
                throw UsageError("the image path is empty");
            }
            o.image = w;
            haveImage = true;
        } else {
            throw UsageError("unexpected argument " + inQuotes(w) +
                             ": application arguments go after '--' (uk run IMAGE [options] "
                             "-- ARGS...)");
        }
    }
    if (!haveImage) {
        throw UsageError("no image given (usage: uk run IMAGE [options] [-- ARGS...])");
    }
    checkNetwork(o);
    if (!o.name.empty() && !o.detach) {
        throw UsageError("--name names a detached instance: add -d (uk run -d --name " + o.name +
                         " IMAGE)");
    }
    if (!o.startGate.empty() && (o.detach || o.printCommand)) {
        throw UsageError(std::string("--start-gate and ") + (o.detach ? "-d" : "--print-cmd") +
                         ": the start gate is for a uk run in the foreground");
    }
    if (o.detach && o.printCommand) {
        throw UsageError("-d and --print-cmd: --print-cmd only prints a command, there is "
                         "nothing to detach");
    }
    return o;
}

std::string startGateWords(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!word.empty()) {
                words.push_back(std::move(word));
                word.clear();
            }
        } else {
            word.push_back(c);
        }
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    if (words.empty() || (words.size() == 1 && words[0] == "0")) {
        return "";
    }
    std::vector<std::string> guest;
    bool ip = false, gateway = false, mac = false, mtu = false, none = false;
    size_t dns = 0;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= words.size()) {
                throw UsageError(w + " needs a value");
            }
            return words[++i];
        };
        if (w == "--ip" && !ip) {
            Ipv4Interface a = parseInterface(value());
            guest.push_back(std::string(image::kOptIp) + "=" + formatIpv4(a.address) + "/" +
                            std::to_string(a.prefix));
            ip = true;
        } else if (w == "--gw" && !gateway) {
            guest.push_back(std::string(image::kOptGateway) + "=" +
                            formatIpv4(parseServerAddress("--gw", value())));
            gateway = true;
        } else if (w == "--dns" && dns < kMaxDnsServers) {
            guest.push_back(std::string(image::kOptDns) + "=" +
                            formatIpv4(parseServerAddress("--dns", value())));
            ++dns;
        } else if (w == "--mac" && !mac) {
            guest.push_back(std::string(image::kOptMac) + "=" + checkedMac(value()));
            mac = true;
        } else if (w == "--mtu" && !mtu) {
            guest.push_back(std::string(image::kOptMtu) + "=" +
                            std::to_string(checkedMtu(value())));
            mtu = true;
        } else if (w == "--no-network" && !none) {
            guest.push_back(image::kOptNoNetwork);
            none = true;
        } else {
            throw UsageError("unexpected " + inQuotes(w) +
                             " (the start takes --ip, --gw, --dns (at most " +
                             std::to_string(kMaxDnsServers) + "), --mac, --mtu and --no-network, " +
                             "each once, or \"0\")");
        }
    }
    if (none && (ip || gateway || dns > 0 || mac || mtu)) {
        throw UsageError("--no-network with network settings");
    }
    if (gateway && !ip) {
        throw UsageError("--gw without --ip");
    }
    std::string out;
    for (const auto& g : guest) {
        out += (out.empty() ? "" : " ") + g;
    }
    return out;
}

std::string runUsage() {
    return R"(usage: uk run IMAGE [options] [-- ARGS...]

Boots a uk image under QEMU with this terminal (or pipe) as its console and exits with the
application's exit status. ARGS replace the image's default arguments (argv[0] comes from the
image, or from --entrypoint). uk run's standard input reaches the application; end of input (end of a pipe, or
Ctrl-D on a terminal) is end of file inside the guest.

options:
  --mem SIZE         guest memory: 64M, 512M, 1G, or a bare number of MiB (default: the
                     larger of 128M and twice the image's size, --initrd included, plus
                     64M, rounded up to 2M: the guest unpacks its files into RAM)
  --cpus N           virtual CPUs (default 1)
  --accel MODE       auto, kvm or tcg (default auto: kvm when /dev/kvm can be opened
                     read-write, otherwise tcg, QEMU's emulator)
  --machine TYPE     microvm, q35 or pc (default microvm, the fastest to boot)
  --timeout SECONDS  stop the VM after SECONDS (decimals allowed) and exit with 124
  --initrd FILE      a cpio archive (newc, as `cpio -o -H newc` writes) to unpack as the
                     root file system, instead of the one embedded in the image (if any)
  -e, --env NAME=VALUE
                     set an environment variable in the application (repeatable);
                     -e NAME passes uk run's own value of NAME, if set
  --entrypoint PROGRAM
                     run PROGRAM (a path or a name looked up in PATH) instead of the
                     image's entrypoint; the image's default arguments are dropped, ARGS
                     follow PROGRAM (as docker run --entrypoint)
  --net MODE         the guest's network card (virtio-net) and where it is plugged in:
                     user (default): QEMU's user-mode network, no privileges needed; the
                       guest is 10.0.2.15/24 behind QEMU's NAT (gateway 10.0.2.2, DNS
                       10.0.2.3) and reaches what the host reaches
                     tap:IFNAME: the host's tap interface IFNAME, made beforehand for
                       uk run's user (ip tuntap add dev IFNAME mode tap user NAME) or,
                       with root or CAP_NET_ADMIN, created by QEMU (unconfigured)
                     none: no network card
  -p, --publish [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]
                     forward HOSTPORT on the host (on HOSTIP, default 0.0.0.0: every
                     address) to GUESTPORT in the guest, as docker run -p; tcp unless
                     /udp; repeatable; user network only. uk run checks that it can bind
                     each host port before it boots
  --ip ADDR[/PREFIX] the guest's static IPv4 address (prefix default 24). On the user
                     network an address in 10.0.2.0/24 (default 10.0.2.15); on a tap,
                     without --ip the guest asks DHCP
  --gw ADDR          the guest's default gateway (with --ip; on the user network only
                     10.0.2.2, the default there)
  --dns ADDR         a DNS server for the guest (repeatable, at most 3; default on the
                     user network 10.0.2.3; with DHCP, used instead of the server's)
  --dhcp             on the user network, make the guest ask QEMU's DHCP server for its
                     address instead of being told the one that server hands out
  --hostname NAME    the guest's host name: letters, digits and '-', labels separated
                     by '.', at most 64 characters (default: "uk")
  --mac ADDR         the network card's MAC address, six hex pairs with ':' (default
                     52:54:00:12:34:56); a unicast address
  --mtu N            the guest's MTU, 68 to 1500 (default: the card's, 1500): for a
                     path with a smaller one, as an overlay network's tap
  -w, --workdir DIR  the application's working directory in the guest (an absolute path;
                     default: the image's WorkingDir, else /), as docker run -w
  -u, --user UID[:GID]
                     run as user UID and group GID (decimal ids) instead of the image's
                     user, without its supplementary groups; GID defaults to UID's group
                     in the image's /etc/passwd, or 0
  -d, --detach       run in the background as a detached instance and print its name
                     (with --name) or its id; see uk ps, logs, stop, rm, wait, metrics.
                     Its input is empty, its output goes to its log (uk logs)
  --name NAME        the detached instance's name: letters, digits, '_', '.', '-' (default:
                     a generated adjective_noun); unique in the state directory
  --rm               remove the detached instance's state when it ends
  --start-gate FIFO  boot the guest and load the application (root file system unpacked,
                     program loaded), let it run ahead up to its first system call that
                     could show outside the guest, then wait for one write to the FIFO
                     before going on, as a container's create and start split its launch
                     (uk-runtime uses this); a stop signal before then ends the run with
                     128 + the signal. The write is "0", or network settings known only
                     by then: --ip ADDR/PREFIX, --gw ADDR, --dns ADDR (at most 3), --mac
                     ADDR (the card keeps its own; the guest sends and receives as ADDR),
                     --mtu N, or --no-network (loopback only); they replace the command
                     line's
  -v, --verbose      the library OS logs its boot steps on the console
  --strace           the library OS prints every system call the application makes
  --qemu PATH        the QEMU binary (default: qemu-system-x86_64 from PATH)
  --print-cmd        print a standalone QEMU command line for this image and these options,
                     and exit without booting
  -h, --help         show this help

exit status:
  the application's exit status (0-255; 128+N when signal or CPU fault N ended it),
  124 when --timeout stopped the VM, 125 when uk run or QEMU failed, or the library OS
  panicked. With -d: 0 once the instance has started (uk wait prints its status), 125
  when it could not start (a bad image or option, a name in use).

signals:
  SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to uk run go to the
  application (its first process), as docker run passes them on: one that ends on
  SIGTERM gives 143. The third SIGTERM/SIGINT/SIGHUP/SIGQUIT stops the VM from outside
  (status 128 + the signal), a fourth kills QEMU at once.

--print-cmd:
  The printed command is meant to be kept as a launch script; it runs the guest on the
  terminal directly (Ctrl-C stops QEMU). It has no control channel and no end-of-input
  framing, so the application's exit status comes back only through QEMU's exit code,
  which is (status << 1) | 1: status 0 gives 1, 3 gives 7, and only the low 7 bits of
  the status survive (QEMU's own errors exit with 1 too). The wall clock comes from the
  emulated RTC instead of uk run's clock, and the random seed from the CPU (RDRAND).
  With --accel auto the command lets QEMU pick: KVM where it initializes, TCG elsewhere.
)";
}

} // namespace uk::loader
