#include <uk/loader/run_options.h>

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
                o.userNet = true;
            } else if (v == "none") {
                o.userNet = false;
            } else {
                throw UsageError("--net: expected none or user, got " + inQuotes(v));
            }
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
    if (o.userNet && o.machine != MachineType::Microvm) {
        throw UsageError("--net user needs --machine microvm for now (uk's virtio-net driver "
                         "speaks virtio-mmio; its PCI transport is not there yet)");
    }
    return o;
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
  --net none|user    user: a virtio-net device on QEMU's user-mode network (microvm;
                     the guest finds it and logs its MAC address; sockets over it are
                     not there yet). Default none
  -u, --user UID[:GID]
                     run as user UID and group GID (decimal ids) instead of the image's
                     user, without its supplementary groups; GID defaults to UID's group
                     in the image's /etc/passwd, or 0
  -v, --verbose      the library OS logs its boot steps on the console
  --strace           the library OS prints every system call the application makes
  --qemu PATH        the QEMU binary (default: qemu-system-x86_64 from PATH)
  --print-cmd        print a standalone QEMU command line for this image and these options,
                     and exit without booting
  -h, --help         show this help

exit status:
  the application's exit status (0-255; 128+N when signal or CPU fault N ended it),
  124 when --timeout stopped the VM, 125 when uk run or QEMU failed, or the library OS
  panicked, 129/130/143 when SIGHUP/SIGINT/SIGTERM stopped uk run (and the VM).

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
