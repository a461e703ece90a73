// `uk run`: a thin front end over the loader library.
#include <uk/loader/commands.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

#include <uk/loader/exit_status.h>
#include <uk/loader/host.h>
#include <uk/loader/host_facts.h>
#include <uk/loader/image_inspector.h>
#include <uk/loader/image_probe.h>
#include <uk/loader/instance_store.h>
#include <uk/loader/instance_supervisor.h>
#include <uk/loader/qemu_command.h>
#include <uk/loader/run_options.h>
#include <uk/loader/symbolizer.h>
#include <uk/loader/vm_session.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/shell.h>

namespace uk::loader {

namespace {

// A closed stdin, stdout or stderr would be reused by the first pipe uk run creates, and the
// relay would then read its own pipes as user input. /dev/null keeps the numbers taken.
void ensureStandardDescriptors() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (opened >= 0 && opened != fd) {
                ::dup2(opened, fd);
                ::close(opened);
            }
        }
    }
}

void checkCommandLineLength(const QemuCommandBuilder& builder) {
    size_t length = builder.kernelCommandLine().size();
    if (length > kMaxKernelCommandLine) {
        throw Error("the kernel command line (options, environment and arguments) is " +
                    std::to_string(length) + " bytes; the library OS takes at most " +
                    std::to_string(kMaxKernelCommandLine));
    }
}

// Appends " in FUNCTION at FILE:LINE" to backtrace frames, one symbolizer call per backtrace.
ConsoleOutputFilter::Annotate backtraceAnnotator(std::filesystem::path image) {
    auto symbolizer = Symbolizer::find();
    if (!symbolizer) {
        return {}; // the raw lines are still useful (llvm-symbolizer can be run by hand)
    }
    return [symbolizer = *symbolizer,
            image = std::move(image)](const std::vector<BacktraceFrame>& frames) {
        std::vector<uint64_t> addresses;
        for (const auto& f : frames) {
            addresses.push_back(f.lookupAddress());
        }
        std::vector<std::string> suffixes;
        for (const auto& loc : symbolizer.symbolize(image, addresses)) {
            suffixes.push_back(loc.describe());
        }
        return suffixes;
    };
}

// The first line of what QEMU said, or how it ended: the reason a KVM start failed.
std::string firstReason(const VmOutcome& outcome) {
    std::string text = outcome.qemuErrors.substr(0, outcome.qemuErrors.find('\n'));
    if (!text.empty()) {
        return text;
    }
    return outcome.qemuExit.exited() ? "exit status " + std::to_string(outcome.qemuExit.code)
                                     : "signal " + std::to_string(outcome.qemuExit.signal);
}

// auto picked KVM because /dev/kvm opens, but that does not prove KVM can run a guest
// (nested hosts often cannot: MSR errors, emulation failures). A start that fails before the
// guest said anything is retried once under TCG, with the input it had already consumed.
bool shouldRetryWithTcg(const RunOptions& options, Accel accel, const VmOutcome& outcome) {
    // A failure QEMU's diagnostics recognized (a port, a tap) is not KVM's and would only
    // happen again under TCG, and mark this host's KVM as broken on top.
    return options.accel == Accel::Auto && accel == Accel::Kvm && !outcome.guestSpoke &&
           !outcome.timedOut && outcome.stoppedBySignal == 0 && outcome.inputReplayable &&
           outcome.qemuExplanation.empty();
}

// QEMU's own message for a bad -initrd is vague; say which file and why first.
void checkInitrd(const std::filesystem::path& initrd) {
    if (initrd.empty()) {
        return;
    }
    std::error_code ec;
    auto status = std::filesystem::status(initrd, ec);
    if (ec || !std::filesystem::exists(status)) {
        throw Error("--initrd: " + initrd.string() + ": no such file");
    }
    if (!std::filesystem::is_regular_file(status)) {
        throw Error("--initrd: " + initrd.string() + ": not a regular file");
    }
    std::FILE* f = std::fopen(initrd.c_str(), "rb");
    if (f == nullptr) {
        throw Error("--initrd: cannot read " + initrd.string() + ": " + std::strerror(errno));
    }
    std::fclose(f);
}

// The checks that need no QEMU: the image, --initrd, and whether the memory holds the image.
// Sizes the guest memory when --mem is not given.
void checkImage(RunOptions& options) {
    const ImageInfo image = ImageProbe::probe(options.image);
    if (!options.startGate.empty() && !inspectImage(options.image).startGate) {
        throw Error("--start-gate: " + options.image.string() +
                    " was built by a uk from before the start gate: its guest would run the "
                    "program at once (build or convert it again)");
    }
    checkInitrd(options.initrd);
    applyDefaultMemory(options);
    // Without room for the image itself the guest never starts, and QEMU only says that it
    // reset: say why instead.
    constexpr uint64_t kMiB = 1024 * 1024;
    const uint64_t neededMiB = (image.loadEnd + kMiB - 1) / kMiB;
    if (options.memoryMiB < neededMiB) {
        throw Error(options.image.string() + " fills guest memory up to " +
                    std::to_string(neededMiB) + " MiB; --mem " + std::to_string(options.memoryMiB) +
                    "M cannot hold it (give it at least " + std::to_string(neededMiB) +
                    "M, more for what the program needs)");
    }
}

std::filesystem::path findQemu(const RunOptions& options) {
    auto qemu = fs::findProgram(options.qemu);
    if (!qemu) {
        throw Error("cannot find QEMU (" + options.qemu +
                    "); install Debian's qemu-system-x86 package or pass --qemu PATH");
    }
    return *qemu;
}

// Checked before booting so that the message names the option; QEMU's own would come only
// after it started, in its words.
void checkHostResources(const RunOptions& options) {
    if (options.net == NetMode::Tap) {
        checkTapUsable(options.tapInterface);
    }
    checkPublishedPorts(options.publish);
}

// The --start-gate FIFO, opened for reading and writing: opening never waits for a writer,
// and the FIFO never reports end of file while uk run holds it.
int openStartGate(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throwErrno("--start-gate: cannot open " + path.string());
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        ::close(fd);
        throw Error("--start-gate: " + path.string() + " is not a FIFO (make one with mkfifo)");
    }
    return fd;
}

// Boots the checked image and relays until the VM has ended; returns uk run's status.
int boot(const RunOptions& options, const std::filesystem::path& qemu) {
    HostFactsStore hostFacts;
    Accel accel = resolveAccel(options.accel, hostFacts.facts().kvmBroken);
    fs::TempDir temp("uk-run");
    SessionSettings session;
    session.controlFile = temp.path() / "control";
    session.timeoutText = options.timeoutText;
    session.annotate = backtraceAnnotator(std::filesystem::absolute(options.image));
    struct Gate {
        int fd = -1;
        ~Gate() {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    } gate;
    if (!options.startGate.empty()) {
        gate.fd = session.startGateFd = openStartGate(options.startGate);
        session.startWords = [](std::string_view text) { return startGateWords(text); };
    }
    auto started = std::chrono::steady_clock::now();
    std::fflush(stdout); // nothing of ours may overtake the guest's output

    for (;;) {
        QemuCommandBuilder builder(options, accel);
        builder.supervised(session.controlFile, realtimeNanoseconds(), randomSeedHex());
        if (!options.networkTotalsFile.empty() && options.net == NetMode::User) {
            session.networkDumpReceived = temp.path() / "net-received";
            session.networkDumpTransmitted = temp.path() / "net-sent";
            session.networkTotalsFile = options.networkTotalsFile;
            builder.dumpNetwork(session.networkDumpReceived, session.networkDumpTransmitted);
        }
        if (accel == Accel::Tcg) {
            builder.hostTscHz(hostFacts.tscHz());
        }
        checkCommandLineLength(builder);
        session.argv = builder.argv(qemu.string());
        session.keepInputForRetry = options.accel == Accel::Auto && accel == Accel::Kvm;
        if (options.timeout) {
            auto used = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            session.timeout = std::max(*options.timeout - used, std::chrono::milliseconds(1));
        }
        VmOutcome outcome = VmSession(session).run();
        if (shouldRetryWithTcg(options, accel, outcome)) {
            // Said once: the host is remembered (until it reboots) and later runs go
            // straight to TCG.
            std::fprintf(stderr,
                         "uk run: KVM could not start the guest (%s); running it under TCG "
                         "instead, and using TCG on this host from now on (until it reboots; "
                         "--accel kvm still tries KVM)\n",
                         firstReason(outcome).c_str());
            hostFacts.rememberKvmBroken(firstReason(outcome));
            accel = Accel::Tcg;
            session.replayInput = std::move(outcome.inputBeforeOutput);
            session.replayInputEnded = outcome.inputEndedBeforeOutput;
            session.startGateOpened = outcome.startGateOpened;
            continue;
        }
        if (accel == Accel::Kvm && !outcome.guestSpoke && !outcome.timedOut &&
            outcome.stoppedBySignal == 0 && outcome.qemuExplanation.empty()) {
            outcome.kvmFailed = true; // so the message suggests TCG
        }
        if (!outcome.startGateError.empty()) {
            std::fprintf(stderr, "uk run: --start-gate: %s\n", outcome.startGateError.c_str());
            return kStatusToolError;
        }
        RunVerdict verdict = decideExitStatus(outcome);
        if (!verdict.message.empty()) {
            std::fputs(verdict.message.c_str(), stderr);
        }
        return verdict.status;
    }
}

int run(RunOptions options) {
    checkImage(options);
    if (options.printCommand) {
        // auto stays auto: the script may run on another host.
        QemuCommandBuilder builder(options, options.accel);
        checkCommandLineLength(builder);
        std::printf("%s\n", shell::join(builder.argv(options.qemu)).c_str());
        return 0;
    }
    auto qemu = findQemu(options);
    checkHostResources(options);
    return boot(options, qemu);
}

// Errors of uk run itself become 125 with a message, as runCommand does for the foreground.
int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const Error& e) {
        std::fprintf(stderr, "uk run: %s\n", e.what());
        return kStatusToolError;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk run: internal error: %s\n", e.what());
        return kStatusToolError;
    }
}

std::string describePublished(const PublishedPort& p) {
    return formatIpv4(p.hostAddress) + ":" + std::to_string(p.hostPort) + "->" +
           std::to_string(p.guestPort) + "/" + std::string(protocolName(p.protocol));
}

// -d: everything that can fail at once is checked here, so that its error is uk run -d's;
// then the supervisor takes over (instance_supervisor.h) and this prints the name or id.
int runDetached(RunOptions options, const std::vector<std::string>& args) {
    checkImage(options);
    auto qemu = std::filesystem::absolute(findQemu(options));
    checkHostResources(options);
    // The supervisor works from "/": relative paths would no longer name the files.
    options.image = std::filesystem::absolute(options.image);
    if (!options.initrd.empty()) {
        options.initrd = std::filesystem::absolute(options.initrd);
    }
    InstanceConfig config;
    config.name = options.name;
    config.image = options.image.string();
    config.command = args;
    config.args = options.args;
    config.memoryMiB = options.memoryMiB;
    config.cpus = options.cpus;
    config.network = options.net == NetMode::User  ? "user"
                     : options.net == NetMode::Tap ? "tap"
                                                   : "none";
    config.tapInterface = options.tapInterface;
    for (const auto& p : options.publish) {
        config.ports.push_back(describePublished(p));
    }
    config.autoRemove = options.autoRemove;
    config.created = wallNow();
    InstanceStore store(stateDirectory());
    DetachOutcome outcome = startDetached(store, std::move(config), [&](const Instance& instance) {
        return guarded([&] {
            // slirp counts nothing: QEMU dumps the frames and uk run adds them up.
            options.networkTotalsFile = instance.networkTotalsPath();
            // Again, now that it counts: the ports were free a moment ago.
            checkHostResources(options);
            return boot(options, qemu);
        });
    });
    if (outcome.inSupervisor) {
        return outcome.status;
    }
    const InstanceConfig& c = outcome.instance.config;
    std::printf("%s\n", options.name.empty() ? c.id.c_str() : c.name.c_str());
    return 0;
}

} // namespace

int runCommand(const std::vector<std::string>& args) {
    ensureStandardDescriptors();
    try {
        RunOptions options = parseRunOptions(args);
        if (options.help) {
            std::fputs(runUsage().c_str(), stdout);
            return 0;
        }
        return options.detach ? runDetached(options, args) : run(options);
    } catch (const Error& e) {
        std::fprintf(stderr, "uk run: %s\n", e.what());
        return kStatusToolError;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk run: internal error: %s\n", e.what());
        return kStatusToolError;
    }
}

} // namespace uk::loader
