#include <uk/loader/export.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include <uk/loader/image_probe.h>
#include <uk/loader/qemu_command.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/shell.h>

namespace uk::loader {

namespace {

namespace stdfs = std::filesystem;

// Firecracker's limits (src/vmm/src/arch/x86_64/layout.rs, vmm_config/machine_config.rs):
// the command line with its terminating zero, and the vCPUs of one microVM.
constexpr size_t kFirecrackerCommandLineMax = 2048 - 1;
constexpr unsigned kFirecrackerMaxVcpus = 32;
// What Firecracker adds for the network card: " virtio_mmio.device=4K@0xd0000000:5", with
// room to spare for the address and IRQ of later versions.
constexpr size_t kFirecrackerDeviceWordRoom = 64;

// uk run's options that take a value, so that a value such as `-e --embed` is not taken
// for one of uk export's own options.
const std::set<std::string_view> kRunOptionsWithValue = {
    "--mem",  "--cpus", "--accel",   "--machine",  "--timeout",    "--initrd", "--qemu",
    "--net",  "-p",     "--publish", "--ip",       "--gw",         "--dns",    "-u",
    "--user", "-e",     "--env",     "--hostname", "--entrypoint",
};

bool isOption(const std::string& word, std::string_view name) {
    return word == name || (word.size() > name.size() && word.compare(0, name.size(), name) == 0 &&
                            word[name.size()] == '=');
}

// Replaces every "@KEY@" in `text`.
void substitute(std::string& text, std::string_view key, std::string_view value) {
    std::string marker = "@" + std::string(key) + "@";
    for (size_t at = text.find(marker); at != std::string::npos;
         at = text.find(marker, at + value.size())) {
        text.replace(at, marker.size(), value);
    }
}

// The QEMU command of the script: QemuCommandBuilder's standalone argv, one option (with its
// values) a line, with the program, the accelerator, the image and the kernel command line
// taken from the script's variables.
std::string scriptQemuCommand(const RunOptions& options) {
    std::vector<std::string> argv = QemuCommandBuilder(options, Accel::Auto).argv("qemu");
    std::vector<std::string> lines = {"\"$qemu\""};
    bool accelDone = false;
    bool appendDone = false;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& w = argv[i];
        bool hasValue = i + 1 < argv.size() && (argv[i + 1].empty() || argv[i + 1][0] != '-');
        if (w == "-accel" || w == "-cpu") {
            if (!accelDone) {
                lines.emplace_back("\"$@\"");
                accelDone = true;
            }
            i += hasValue ? 1 : 0;
        } else if (w == "-kernel") {
            lines.emplace_back("-kernel \"$image\"");
            ++i;
        } else if (w == "-append") {
            lines.emplace_back("-append \"$cmdline\"");
            appendDone = true;
            ++i; // its value may start with "-" ("-- ARGS"): always one word
        } else {
            std::string line = shell::quote(w);
            while (i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-') {
                line += " " + shell::quote(argv[++i]);
            }
            lines.push_back(line);
        }
    }
    if (!appendDone) {
        lines.emplace_back("-append \"$cmdline\"");
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        out += (i == 0 ? "    " : "        ") + lines[i];
        out += i + 1 < lines.size() ? " \\\n" : " <&3 3<&- 2>\"$tmp/qemu.err\" &\n";
    }
    return out;
}

constexpr std::string_view kScriptTemplate = R"SH(#!/bin/sh
# Boots the uk image @IMAGE_NAME@ under QEMU, as `uk run` would, on a host without uk:
# written by `uk export`. It needs a POSIX shell, QEMU (qemu-system-x86_64) and the usual
# tools (sed, grep, mktemp@EMBED_TOOLS@).
# @IMAGE_NOTE@
#
# usage: @SCRIPT_NAME@ [ARGS...]
#   ARGS go to the application after the arguments baked in below (with none baked in,
#   they replace the image's default arguments, as in `uk run IMAGE -- ARGS`). The
#   terminal (or pipe) is the guest's console; Ctrl-C stops QEMU.
#
# environment:
#   QEMU      the QEMU binary (default: @QEMU_DEFAULT@, looked up in PATH)
#   UK_ACCEL  auto: KVM where it can run the guest, else TCG (QEMU's emulator); kvm; or
#             tcg (default: @ACCEL_DEFAULT@)
#
# exit status: the application's, as far as QEMU's exit code carries it ((status << 1) | 1,
# so its low 7 bits: a status of 128 or more comes back less 128); 125 when QEMU failed or
# the guest stopped without a status; 128+N when signal N stopped QEMU.

set -u
me=${0##*/}
cmdline=@CMDLINE@
qemu=${QEMU:-@QEMU_DEFAULT@}
accel=${UK_ACCEL:-@ACCEL_DEFAULT@}
pid=
rc=0

die() {
    printf '%s: %s\n' "$me" "$1" >&2
    exit 125
}

# ukword WORD: WORD as the guest's command-line parser reads it back: in double quotes,
# with '"' and '\' escaped, when it is empty or holds blanks, quotes or backslashes.
ukword() {
    case $1 in
    '' | *[[:space:]\"\\]*) ;;
    *)
        printf '%s' "$1"
        return
        ;;
    esac
    set -- "$(printf '%s.' "$1" | sed 's/[\\"]/\\&/g')"
    printf '"%s"' "${1%.}"
}

if [ $# -gt 0 ]; then
@ARGS_SEPARATOR@    for arg in "$@"; do
        cmdline="$cmdline $(ukword "$arg")"
    done
fi
if [ ${#cmdline} -gt 4095 ]; then
    die "the kernel command line is ${#cmdline} bytes long; the library OS takes at most 4095"
fi
case $accel in
auto | kvm | tcg) ;;
*) die "UK_ACCEL must be auto, kvm or tcg, not '$accel'" ;;
esac
command -v "$qemu" >/dev/null 2>&1 ||
    die "cannot find QEMU ($qemu): install it (Debian, Ubuntu: apt install qemu-system-x86) or set QEMU=/path/to/qemu-system-x86_64"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uk-export.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
@IMAGE_SETUP@
# Signals for the script go on to QEMU, which stops the guest and exits.
forward() {
    if [ -n "$pid" ]; then
        kill -s "$1" "$pid" 2>/dev/null
    else
        exit $((128 + $2))
    fi
}
trap 'forward HUP 1' HUP
trap 'forward INT 2' INT
trap 'forward TERM 15' TERM

# QEMU runs in the background, so that signals can be passed on; descriptor 3 keeps the
# script's input for it (a background command would get /dev/null).
if true <&0 2>/dev/null; then exec 3<&0; else exec 3</dev/null; fi

# run_qemu auto|kvm|tcg: boots the image; sets rc to QEMU's exit status.
run_qemu() {
    case $1 in
    kvm) set -- -accel kvm -cpu host ;;
    tcg) set -- -accel tcg -cpu max ;;
    *) set -- -accel kvm -accel tcg -cpu max ;;
    esac
@QEMU_COMMAND@    pid=$!
    while :; do
        wait "$pid" 2>/dev/null # no "Aborted" from the shell: QEMU's failure is said below
        rc=$?
        kill -0 "$pid" 2>/dev/null || break
    done
    pid=
}

# What QEMU said on stderr, less the notes of its fallback from KVM to TCG.
qemu_errors() {
    if grep -q 'falling back to tcg' "$tmp/qemu.err"; then
        grep -v -i -e kvm -e 'falling back to tcg' "$tmp/qemu.err"
    else
        cat "$tmp/qemu.err"
    fi
}

# Whether QEMU itself failed rather than the guest ending with a status. QEMU's own errors
# exit with 1, as status 0 does: they are told apart by what QEMU said (warnings aside).
qemu_failed() {
    case $rc in
    0) return 1 ;;
    1) qemu_errors | grep -q -v 'warning:' ;;
    *) [ $((rc % 2)) -eq 0 ] ;;
    esac
}

run_qemu "$accel"
if [ "$accel" = auto ] && qemu_failed && grep -q -i kvm "$tmp/qemu.err"; then
    # /dev/kvm opened but KVM cannot run this guest (nested virtualization, often): QEMU
    # stops before the guest starts. Once more under TCG.
    printf '%s: KVM could not run the guest (%s); running it under TCG instead (UK_ACCEL=tcg skips KVM)\n' \
        "$me" "$(grep -v 'warning:' "$tmp/qemu.err" | head -n 1)" >&2
    run_qemu tcg
fi
qemu_errors >&2
if qemu_failed; then
    if [ "$rc" -gt 128 ]; then
        die "QEMU was killed by signal $((rc - 128))"
    fi
    die "QEMU failed (exit status $rc)"
fi
if [ "$rc" -eq 0 ]; then
    signal=$(sed -n 's/.*terminating on signal \([0-9][0-9]*\).*/\1/p' "$tmp/qemu.err" | head -n 1)
    if [ -n "$signal" ]; then
        exit $((128 + signal))
    fi
    die "the guest stopped without an exit status (it reset, or its CPU faulted)"
fi
exit $(((rc - 1) / 2))
)SH";

constexpr std::string_view kEmbedMarker = "__UK_IMAGE_BASE64__";

void checkOutputPath(const char* option, const stdfs::path& path) {
    if (path.empty()) {
        return;
    }
    if (path.filename().empty() || path.filename() == "." || path.filename() == "..") {
        throw Error(std::string(option) + " " + path.string() + ": expected a file name");
    }
    stdfs::path dir = path.has_parent_path() ? path.parent_path() : stdfs::path(".");
    std::error_code ec;
    auto dirStatus = stdfs::status(dir, ec);
    if (!stdfs::exists(dirStatus)) {
        throw Error(std::string(option) + " " + path.string() + ": the directory " + dir.string() +
                    " does not exist");
    }
    if (!stdfs::is_directory(dirStatus)) {
        throw Error(std::string(option) + " " + path.string() + ": " + dir.string() +
                    " is not a directory");
    }
    auto status = stdfs::status(path, ec);
    if (stdfs::exists(status) && !stdfs::is_regular_file(status)) {
        throw Error(std::string(option) + " " + path.string() +
                    " exists and is not a regular file");
    }
}

// Whether two paths name the same file, existing or not.
bool sameFile(const stdfs::path& a, const stdfs::path& b) {
    std::error_code ec;
    return stdfs::weakly_canonical(a, ec) == stdfs::weakly_canonical(b, ec);
}

void writeOutput(fs::PendingOutput& pending, const std::string& text, mode_t mode) {
    std::FILE* f = std::fopen(pending.path().c_str(), "wb");
    if (f == nullptr) {
        throwErrno("cannot write " + pending.path().string());
    }
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        throwErrno("cannot write " + pending.path().string());
    }
    if (::chmod(pending.path().c_str(), mode) != 0) {
        throwErrno("cannot set the mode of " + pending.path().string());
    }
}

} // namespace

ExportOptions parseExportOptions(const std::vector<std::string>& args) {
    ExportOptions o;
    std::vector<std::string> runArgs;
    size_t i = 0;
    auto valueOf = [&](const std::string& word, std::string_view name) -> std::string {
        std::string value;
        if (word.size() > name.size() && word[name.size()] == '=') {
            value = word.substr(name.size() + 1);
        } else if (i + 1 >= args.size()) {
            throw UsageError(std::string(name) + " needs a value (see 'uk export --help')");
        } else {
            value = args[++i];
        }
        if (value.empty()) {
            throw UsageError(std::string(name) + ": the value is empty");
        }
        return value;
    };
    for (; i < args.size(); ++i) {
        const std::string& w = args[i];
        if (w == "--") {
            runArgs.insert(runArgs.end(), args.begin() + static_cast<std::ptrdiff_t>(i),
                           args.end());
            break;
        }
        if (w == "-h" || w == "--help") {
            o.help = true;
            return o;
        }
        if (isOption(w, "--script")) {
            o.script = valueOf(w, "--script");
        } else if (isOption(w, "--firecracker")) {
            o.firecracker = valueOf(w, "--firecracker");
        } else if (w == "--embed") {
            o.embed = true;
        } else if (isOption(w, "--tap")) {
            runArgs.push_back("--net=tap:" + valueOf(w, "--tap"));
        } else if (w == "--print-cmd" || isOption(w, "--timeout") || isOption(w, "--initrd")) {
            std::string name = w.substr(0, w.find('='));
            const char* why = name == "--print-cmd" ? "the script is the command"
                              : name == "--timeout" ? "run the script under timeout(1) instead"
                                                    : "pack the tree into the image instead "
                                                      "(uk pack)";
            throw UsageError(name + " is not an option of uk export (" + why + ")");
        } else {
            runArgs.push_back(w);
            if (kRunOptionsWithValue.count(w) != 0 && i + 1 < args.size()) {
                runArgs.push_back(args[++i]);
            }
        }
    }
    try {
        o.run = parseRunOptions(runArgs);
    } catch (const UsageError& e) {
        // uk run's messages point at its own help.
        std::string text = e.what();
        const std::string runHelp = "'uk run --help'";
        if (size_t at = text.find(runHelp); at != std::string::npos) {
            text.replace(at, runHelp.size(), "'uk export --help'");
        }
        if (size_t at = text.find("(usage: uk run"); at != std::string::npos) {
            text = text.substr(0, at) + "(usage: uk export IMAGE --script FILE [options])";
        }
        throw UsageError(text);
    }
    if (o.script.empty() && o.firecracker.empty()) {
        throw UsageError("nothing to write: give --script FILE, --firecracker FILE or both");
    }
    if (o.embed && o.script.empty()) {
        throw UsageError("--embed puts the image into the script: it needs --script FILE");
    }
    if (!o.run.publish.empty() && o.script.empty()) {
        throw UsageError("-p " + o.run.publish.front().spec +
                         ": Firecracker has no user-mode network to publish ports from; give "
                         "it a tap (--tap IFNAME) and reach the guest at its own address");
    }
    return o;
}

std::string launchScript(const RunOptions& options, const ScriptImage& image,
                         std::string_view scriptName) {
    std::string text(kScriptTemplate);
    std::string imageName = stdfs::path(image.path).filename().string();
    std::string setup;
    std::string note;
    if (image.contents) {
        note = "The image is inside this script (base64, after its last line of code): the\n"
               "# script unpacks it into a temporary file at each run.";
        setup = "image=$tmp/" + shell::quote(imageName) + "\n" + "sed '1,/^" +
                std::string(kEmbedMarker) +
                "$/d' \"$0\" | base64 -d >\"$image\" 2>/dev/null && [ -s \"$image\" ] ||\n"
                "    die \"cannot unpack the image inside $0 (with sed and base64)\"\n";
    } else {
        bool absolute = stdfs::path(image.path).is_absolute();
        note = absolute ? "The image is " + image.path + "."
                        : "The image is " + image.path +
                              ", beside this script: copy or move them together.";
        if (absolute) {
            setup = "image=" + shell::quote(image.path) + "\n";
        } else {
            setup = "case $0 in\n"
                    "*/*) here=${0%/*} ;;\n"
                    "*) here=. ;;\n"
                    "esac\n"
                    "image=$here/" +
                    shell::quote(image.path) + "\n";
        }
        setup += "[ -r \"$image\" ] || die \"cannot read the image $image\"\n";
    }
    substitute(text, "IMAGE_NOTE", note);
    substitute(text, "IMAGE_SETUP", setup);
    substitute(text, "EMBED_TOOLS", image.contents ? ", base64" : "");
    substitute(text, "IMAGE_NAME", imageName);
    substitute(text, "SCRIPT_NAME", scriptName);
    substitute(text, "QEMU_DEFAULT", shell::quote(options.qemu));
    substitute(text, "ACCEL_DEFAULT", accelName(options.accel));
    std::string cmdline = QemuCommandBuilder(options, Accel::Auto).kernelCommandLine();
    substitute(text, "CMDLINE", cmdline.empty() ? "''" : shell::quote(cmdline));
    // Without arguments baked in, the script's own need the "--" that starts them.
    substitute(text, "ARGS_SEPARATOR",
               options.args.empty() ? "    cmdline=${cmdline:+$cmdline }--\n" : "");
    substitute(text, "QEMU_COMMAND", scriptQemuCommand(options));
    if (image.contents) {
        text += std::string(kEmbedMarker) + "\n" + base64Lines(*image.contents);
    }
    return text;
}

std::string firecrackerBootArgs(const RunOptions& options) {
    RunOptions o = options;
    if (o.net != NetMode::Tap) {
        o.net = NetMode::None; // Firecracker has no user-mode network
        o.publish.clear();
        o.ip.reset();
        o.gateway.reset();
        o.dns.clear();
        o.dhcp = false;
    }
    std::string line = QemuCommandBuilder(o, Accel::Auto).kernelCommandLine();
    for (char c : line) {
        if (c < ' ' || c > '~') {
            throw Error("Firecracker takes only printable ASCII on the kernel command line, and "
                        "the options or arguments hold byte " +
                        std::to_string(static_cast<unsigned char>(c)) +
                        " (a tab, a newline or a non-ASCII character)");
        }
    }
    size_t room =
        kFirecrackerCommandLineMax - (o.net == NetMode::Tap ? kFirecrackerDeviceWordRoom : 0);
    if (line.size() > room) {
        throw Error("the kernel command line is " + std::to_string(line.size()) +
                    " bytes long; Firecracker takes at most " + std::to_string(room) +
                    (o.net == NetMode::Tap ? " beside its network device" : ""));
    }
    if (o.net == NetMode::Tap) {
        // Firecracker splits boot_args at the first " -- " and inserts its
        // virtio_mmio.device= word before it; inside a quoted word that would corrupt it.
        RunOptions withoutArgs = o;
        withoutArgs.args.clear();
        std::string optionsPart = QemuCommandBuilder(withoutArgs, Accel::Auto).kernelCommandLine();
        size_t separator =
            o.args.empty() || optionsPart.empty() ? std::string::npos : optionsPart.size();
        if (line.find(" -- ") != separator) {
            throw Error("an option or argument holds \" -- \", where Firecracker would insert its "
                        "network device into the kernel command line; leave it out, or the "
                        "network (--tap)");
        }
    }
    return line;
}

std::string firecrackerConfig(const RunOptions& options, const stdfs::path& kernel) {
    if (options.cpus > kFirecrackerMaxVcpus) {
        throw Error("--cpus " + std::to_string(options.cpus) + ": Firecracker runs at most " +
                    std::to_string(kFirecrackerMaxVcpus) + " vCPUs");
    }
    nlohmann::ordered_json config;
    // boot_args is always given: without it Firecracker would pass its own default words
    // ("reboot=k panic=1 ..."), which the guest would take for application arguments.
    config["boot-source"] = {{"kernel_image_path", kernel.string()},
                             {"boot_args", firecrackerBootArgs(options)}};
    config["drives"] = nlohmann::ordered_json::array();
    config["machine-config"] = {{"vcpu_count", options.cpus}, {"mem_size_mib", options.memoryMiB}};
    if (options.net == NetMode::Tap) {
        config["network-interfaces"] =
            nlohmann::ordered_json::array({{{"iface_id", "net0"},
                                            {"host_dev_name", options.tapInterface},
                                            {"guest_mac", kGuestMac}}});
    }
    return config.dump(2) + "\n";
}

std::string base64Lines(std::string_view data) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    constexpr size_t kLine = 76;
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4 * (kLine + 1) / kLine + 2);
    size_t column = 0;
    auto put = [&](char c) {
        out += c;
        if (++column == kLine) {
            out += '\n';
            column = 0;
        }
    };
    for (size_t i = 0; i < data.size(); i += 3) {
        uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16;
        size_t left = data.size() - i;
        if (left > 1) {
            n |= static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
        }
        if (left > 2) {
            n |= static_cast<unsigned char>(data[i + 2]);
        }
        put(kAlphabet[(n >> 18) & 63]);
        put(kAlphabet[(n >> 12) & 63]);
        put(left > 1 ? kAlphabet[(n >> 6) & 63] : '=');
        put(left > 2 ? kAlphabet[n & 63] : '=');
    }
    if (column != 0) {
        out += '\n';
    }
    return out;
}

std::vector<std::string> exportImage(ExportOptions options) {
    RunOptions& run = options.run;
    const ImageInfo image = ImageProbe::probe(run.image);
    applyDefaultMemory(run);
    constexpr uint64_t kMiB = 1024 * 1024;
    const uint64_t neededMiB = (image.loadEnd + kMiB - 1) / kMiB;
    if (run.memoryMiB < neededMiB) {
        throw Error(run.image.string() + " fills guest memory up to " + std::to_string(neededMiB) +
                    " MiB; --mem " + std::to_string(run.memoryMiB) +
                    "M cannot hold it (give it at least " + std::to_string(neededMiB) + "M)");
    }
    size_t length = QemuCommandBuilder(run, Accel::Auto).kernelCommandLine().size();
    if (length > kMaxKernelCommandLine) {
        throw Error("the kernel command line (options, environment and arguments) is " +
                    std::to_string(length) + " bytes; the library OS takes at most " +
                    std::to_string(kMaxKernelCommandLine));
    }
    checkOutputPath("--script", options.script);
    checkOutputPath("--firecracker", options.firecracker);
    for (const auto& [option, path] :
         {std::pair{"--script", options.script}, std::pair{"--firecracker", options.firecracker}}) {
        if (!path.empty() && sameFile(path, run.image)) {
            throw Error(std::string(option) + " " + path.string() +
                        " is the image itself; write it elsewhere");
        }
    }
    if (!options.script.empty() && !options.firecracker.empty() &&
        sameFile(options.script, options.firecracker)) {
        throw Error("--script and --firecracker name the same file, " + options.script.string());
    }

    // Every text first, so that an error leaves no file behind.
    std::string scriptText;
    std::string configText;
    const stdfs::path imageAbsolute = stdfs::weakly_canonical(stdfs::absolute(run.image));
    if (!options.script.empty()) {
        ScriptImage where;
        if (options.embed) {
            where.path = run.image.filename().string();
            where.contents = fs::readFile(run.image);
        } else {
            stdfs::path dir =
                stdfs::weakly_canonical(stdfs::absolute(options.script).parent_path());
            stdfs::path relative = imageAbsolute.lexically_relative(dir);
            where.path = relative.empty() ? imageAbsolute.string() : relative.string();
        }
        scriptText = launchScript(run, where, options.script.filename().string());
    }
    if (!options.firecracker.empty()) {
        configText = firecrackerConfig(run, imageAbsolute);
    }

    std::vector<std::string> written;
    std::optional<fs::PendingOutput> script;
    std::optional<fs::PendingOutput> config;
    if (!options.script.empty()) {
        script.emplace(options.script);
        writeOutput(*script, scriptText, 0755);
    }
    if (!options.firecracker.empty()) {
        config.emplace(options.firecracker);
        writeOutput(*config, configText, 0644);
    }
    if (script) {
        script->commit();
        written.push_back("wrote " + options.script.string() + " (boots " +
                          (options.embed ? "the image inside it" : run.image.string()) +
                          " with QEMU: " + options.script.string() + " [ARGS...])");
    }
    if (config) {
        config->commit();
        written.push_back("wrote " + options.firecracker.string() +
                          " (firecracker --no-api --config-file " + options.firecracker.string() +
                          ")");
    }
    return written;
}

std::string exportUsage() {
    return R"(usage: uk export IMAGE --script FILE [--embed] [--firecracker FILE] [options] [-- ARGS...]
       uk export IMAGE --firecracker FILE [options] [-- ARGS...]

Writes launch files that boot a uk image without uk: a shell script for QEMU, a
Firecracker configuration, or both. The options and ARGS are uk run's, baked in.

outputs:
  --script FILE        a POSIX sh script that boots the image with plain QEMU
                       (qemu-system-x86_64 from PATH, or $QEMU): KVM where it can run the
                       guest, else TCG; the same machine, devices and kernel command line as
                       `uk run --print-cmd`. It exits with the application's status (its low
                       7 bits: QEMU's exit code carries no more) and passes its own
                       arguments to the application after ARGS; its input reaches the
                       application, but not the end of it. The image is found beside the
                       script (by its path relative to the script's directory), so copy the
                       two together
  --embed              put the image into the script (base64) instead: one file to copy
  --firecracker FILE   a Firecracker configuration (firecracker --no-api --config-file FILE):
                       the image (absolute path) as a PVH kernel, the kernel command line as
                       boot_args, vCPUs, memory, and with --tap a network interface. Not
                       checked against Firecracker here; the guest cannot pass its exit
                       status to Firecracker

options baked in (as uk run's; see 'uk run --help'):
  --mem SIZE, --cpus N, --machine TYPE (QEMU only), --accel MODE (the script's default
  for $UK_ACCEL), --net none|user|tap:IFNAME, --tap IFNAME (--net tap:IFNAME),
  -p [HOSTIP:]HOSTPORT:GUESTPORT[/udp] (QEMU's user network, so the script only), -e
  NAME=VALUE, --entrypoint PROGRAM, -u UID[:GID], --ip, --gw, --dns, --dhcp, --hostname,
  -v, --strace, --qemu PATH (the script's default QEMU)
  Firecracker has no user network: its VM gets a network card only with --tap.

  -h, --help           show this help

exit status:
  0 when the files were written, 1 when the image is missing, not a uk image, or a file
  cannot be written (nothing is left half-written), 2 for a wrong command line.
)";
}

} // namespace uk::loader
