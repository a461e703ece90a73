#include <uk/runtime/container_runtime.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include <uk/loader/image_inspector.h>
#include <uk/loader/run_options.h>
#include <uk/runtime/cgroups.h>
#include <uk/runtime/container_process.h>
#include <uk/runtime/hooks.h>
#include <uk/runtime/launch_plan.h>
#include <uk/runtime/tap_network.h>
#include <uk/support/fs.h>
#include <uk/support/shell.h>
#include <uk/toolchain/byte_sink.h>
#include <uk/toolchain/tree_packer.h>

namespace uk::runtime {

namespace stdfs = std::filesystem;

namespace {

// How long delete --force waits for the container's processes to go after SIGKILL.
constexpr int kKillWaitMs = 10000;

// Undoes a half-made container when create fails: the process, its cgroups, the archive and
// the state directory.
class CreateRollback {
public:
    explicit CreateRollback(const StateDirectory& dir) : dir_(dir) {}
    ~CreateRollback() {
        if (committed_) {
            return;
        }
        if (pid_ > 0) {
            signalSession(pid_, SIGKILL);
            ::kill(pid_, SIGKILL);
            // The child is ours until create returns: reap it, so no zombie is left.
            while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
        if (tap_ && !tapNamespace_.empty()) {
            try {
                inNetworkNamespace(tapNamespace_, [&] { unwireTap(*tap_); });
            } catch (const Error&) {
            }
        }
        removeCgroups(cgroupDirs_);
        if (!archive_.empty()) {
            ::unlink(archive_.c_str());
        }
        try {
            dir_.remove();
        } catch (const Error&) {
        }
    }
    CreateRollback(const CreateRollback&) = delete;
    CreateRollback& operator=(const CreateRollback&) = delete;

    void archive(const stdfs::path& path) { archive_ = path; }
    void process(pid_t pid) { pid_ = pid; }
    void cgroups(const std::vector<stdfs::path>& dirs) { cgroupDirs_ = dirs; }
    void tap(const TapWiring& wiring, const stdfs::path& ns) {
        tap_ = wiring;
        tapNamespace_ = ns;
    }
    void commit() { committed_ = true; }

private:
    const StateDirectory& dir_;
    stdfs::path archive_;
    pid_t pid_ = 0;
    std::vector<stdfs::path> cgroupDirs_;
    std::optional<TapWiring> tap_;
    stdfs::path tapNamespace_;
    bool committed_ = false;
};

// A descriptor closed when it goes out of scope, unless taken (set to -1).
struct OwnedFd {
    int fd = -1;
    OwnedFd() = default;
    ~OwnedFd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
};

// The archive for container ID: a new file named after it (IDs may repeat across roots).
stdfs::path newArchive(const std::string& id, int* fd) {
    stdfs::path dir = archiveDirectory();
    std::error_code ec;
    stdfs::create_directories(dir, ec);
    if (ec) {
        throw Error("cannot create " + dir.string() + ": " + ec.message());
    }
    std::string name = (dir / (id.substr(0, 64) + "-XXXXXX.cpio")).string();
    *fd = ::mkostemps(name.data(), 5, O_CLOEXEC);
    if (*fd < 0) {
        throwErrno("cannot create an archive in " + dir.string());
    }
    return name;
}

void runHooksWarning(RuntimeLog& log, const std::vector<Hook>& hooks, std::string_view stage,
                     const std::string& stateJson) {
    try {
        runHooks(hooks, stage, stateJson);
    } catch (const Error& e) {
        log.warning(e.what());
    }
}

// The host's resolver files, for a guest whose container names only a loopback name server.
std::vector<std::string> hostResolvConfs() {
    std::vector<std::string> out;
    for (const char* path : {"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}) {
        try {
            out.push_back(fs::readFile(path));
        } catch (const Error&) {
        }
    }
    return out;
}

// Writes the uk run command the container process execs at create's go-ahead (words
// separated by NUL bytes: ContainerProcessSpec::argvFile), and returns it.
std::vector<std::string> writeRunArgs(const StateDirectory& dir,
                                      const std::vector<std::string>& ukRun,
                                      const std::vector<std::string>& args) {
    std::vector<std::string> command = ukRun;
    command.insert(command.end(), args.begin(), args.end());
    std::string words;
    for (const auto& w : command) {
        words += w;
        words.push_back('\0');
    }
    fs::writeFileAtomic(dir.runArgs(), words);
    return command;
}

// Words separated by single spaces (uk run --start-gate's settings hold no quotes).
std::string spaced(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

// The tap network (tap_network.h) in the container's network namespace, once the hooks have
// set it up: the wiring, uk run's words for it and the guest's settings (for a guest booted
// on a prepared tap, which gets them at start), or nullopt (`mode` Auto and no interface to
// take over): the user network, or no network for a guest on a prepared tap. Throws
// BundleError when `mode` is Tap and there is none.
struct TapPlan {
    TapWiring wiring;
    std::vector<std::string> ukRunArgs;
    std::vector<std::string> settings;
    std::vector<std::string> notes;
};
std::optional<TapPlan> wireTapNetwork(const BundleSpec& spec, NetworkMode mode, pid_t pid,
                                      const std::vector<std::string>& userArgs, bool prepared,
                                      const std::string& what, RuntimeLog& log,
                                      const std::string& id) {
    const std::string forced =
        what + ": " + kNetworkAnnotation + " (or $" + kNetworkEnvironment + ") is tap, but ";
    if (spec.network == NetworkNamespace::Host) {
        if (mode == NetworkMode::Tap) {
            throw BundleError(forced + "the container shares the host's network namespace "
                                       "(linux.namespaces has no network entry); uk-runtime "
                                       "wires a tap only in the container's own");
        }
        return std::nullopt;
    }
    const stdfs::path ns = spec.network == NetworkNamespace::Join
                               ? spec.networkPath
                               : stdfs::path("/proc/" + std::to_string(pid) + "/ns/net");
    if (mode == NetworkMode::Auto && spec.network == NetworkNamespace::Join &&
        spec.networkPath.string().rfind("/proc/", 0) == 0) {
        // Another running container's namespace (docker run --network container:NAME): its
        // address stays its own unless the tap is asked for.
        log.info("container " + id + ": QEMU's user network in the network namespace of " +
                 spec.networkPath.string() + ", another process's (" + kNetworkAnnotation +
                 "=tap would take its interface over)");
        return std::nullopt;
    }
    TapPlan plan;
    const std::vector<std::string> dns =
        guestNameServers(containerResolvConf(spec), hostResolvConfs(), plan.notes);
    std::string why;
    bool wired = false;
    bool failed = false; // wiring failed (Auto: the user network, with a warning)
    inNetworkNamespace(ns, [&] {
        auto found = findContainerInterface(why);
        if (!found) {
            return;
        }
        plan.wiring = *found;
        plan.ukRunArgs = tapRunArgs(userArgs, plan.wiring, dns);
        plan.settings = tapSettings(plan.wiring, dns);
        try {
            loader::parseRunOptions(plan.ukRunArgs);
            loader::startGateWords(spaced(plan.settings));
        } catch (const loader::UsageError& e) {
            why = std::string("uk run cannot take the interface's settings: ") + e.what();
            return;
        }
        try {
            wireTap(plan.wiring); // undoes itself when it fails
        } catch (const Error& e) {
            if (mode == NetworkMode::Tap) {
                throw;
            }
            why = e.what();
            failed = true;
            return;
        }
        wired = true;
    });
    if (!wired) {
        if (mode == NetworkMode::Tap) {
            throw BundleError(forced + why);
        }
        const std::string line =
            "container " + id + ": " +
            (prepared ? "no network for the guest, loopback only"
                      : "QEMU's user network in the container's network namespace") +
            " (" + why + ")";
        failed ? log.warning(line) : log.info(line);
        return std::nullopt;
    }
    for (const auto& other : plan.wiring.others) {
        plan.notes.push_back(other +
                             " keeps its address in the network namespace: the guest "
                             "has one network card, on " +
                             plan.wiring.interface);
    }
    if (plan.wiring.addresses.size() > 1) {
        plan.notes.push_back(plan.wiring.interface + "'s other IPv4 addresses are not the "
                                                     "guest's (it takes the first)");
    }
    return plan;
}

} // namespace

stdfs::path archiveDirectory() {
    if (const char* dir = std::getenv("UK_RUNTIME_DATA_DIR"); dir != nullptr && *dir != 0) {
        return dir;
    }
    return "/var/lib/uk-runtime/archives";
}

stdfs::path findUkProgram() {
    if (const char* uk = std::getenv("UK_RUNTIME_UK"); uk != nullptr && *uk != 0) {
        if (::access(uk, X_OK) != 0) {
            throw Error(std::string("UK_RUNTIME_UK=") + uk + ": not an executable program");
        }
        return uk;
    }
    stdfs::path beside;
    try {
        beside = fs::selfExecutable().parent_path() / "uk";
        if (::access(beside.c_str(), X_OK) == 0) {
            return beside;
        }
    } catch (const Error&) {
    }
    if (auto inPath = fs::findProgram("uk")) {
        return stdfs::absolute(*inPath);
    }
    throw Error("cannot find the uk command: not next to uk-runtime (" + beside.string() +
                ") nor in PATH; set UK_RUNTIME_UK");
}

void ContainerRuntime::create(const CreateOptions& options, const BundleSpec& spec) {
    const std::string what = (spec.bundle / "config.json").string();
    StateDirectory dir = directory(options.id);
    if (dir.exists()) {
        throw Error("container with id exists: " + options.id);
    }
    if (spec.terminal && options.consoleSocket.empty()) {
        throw BundleError(what + ": process.terminal is true but no --console-socket was given "
                                 "to send the terminal to");
    }
    if (!spec.terminal && !options.consoleSocket.empty()) {
        throw BundleError(what + ": --console-socket was given but process.terminal is false");
    }

    const stdfs::path kernel = spec.rootfs / kKernelInRootfs;
    loader::ImageReport report;
    try {
        report = loader::inspectImage(kernel);
    } catch (const Error& e) {
        throw BundleError("bundle " + spec.bundle.string() +
                          ": the uk kernel cannot be used: " + e.what());
    }
    if (!report.startGate) {
        // Its guest would run the program at once and take the start for input.
        throw BundleError("bundle " + spec.bundle.string() + ": the uk kernel " + kernel.string() +
                          " was built by a uk from before the start gate (create boots the "
                          "guest, start runs the program): convert the image again");
    }
    const stdfs::path uk = findUkProgram();
    const NetworkMode networkMode = networkModeFor(spec, what);

    // Listing the tree gives the archive's size, so resources are checked before the archive
    // is written. The mounts' files go into it too (planMountCopies).
    MountCopies mounts =
        planMountCopies(spec, mountModeFor(spec, what),
                        report.config ? report.config->volumes : std::vector<std::string>{}, what);
    std::optional<toolchain::TreePacker> packer;
    try {
        packer.emplace(spec.rootfs, toolchain::TreePacker::Options{.skip = {kUkDirInRootfs},
                                                                   .grafts = mounts.grafts});
    } catch (const toolchain::GraftError& e) {
        throw BundleError(what + ": mounts: " + e.what());
    }
    ImageNeeds needs;
    needs.kernelBytes = report.size;
    needs.rootfsBytes = packer->archiveSize();
    if (report.config) {
        needs.exposedPorts = report.config->exposedPorts;
        needs.workingDir = report.config->workingDir;
        needs.user = report.config->user;
    }

    dir.create();
    CreateRollback rollback(dir);
    OwnedFd archiveFd;
    const stdfs::path archive = newArchive(options.id, &archiveFd.fd);
    rollback.archive(archive);

    LaunchPlan plan = planLaunch(spec, needs, kernel, archive, what);
    try {
        loader::parseRunOptions(plan.ukRunArgs);
    } catch (const loader::UsageError& e) {
        throw BundleError(what + ": uk run cannot take this container's settings: " + e.what());
    }
    if (::mkfifo(dir.execFifo().c_str(), 0600) != 0) {
        throwErrno("cannot create " + dir.execFifo().string());
    }
    if (::mkdir(dir.tmpDir().c_str(), 0700) != 0) {
        throwErrno("cannot create " + dir.tmpDir().string());
    }

    // uk run boots the guest up to its application's entry as soon as the network is known,
    // and `start` opens the gate: what start-to-exit then waits for is the program itself.
    // When hooks will give the container's new namespace its interface (Docker's
    // libnetwork-setkey), the guest does not wait for them: it boots on a tap made now, and
    // the interface's settings (or none) come with the start.
    const bool hooks = !spec.hooks.prestart.empty() || !spec.hooks.createRuntime.empty() ||
                       !spec.hooks.createContainer.empty();
    bool preparedTap =
        networkMode != NetworkMode::User && spec.network == NetworkNamespace::New && hooks;
    const std::vector<std::string> ukRun = {uk.string(), "run", "--start-gate",
                                            dir.execFifo().string()};
    const std::vector<std::string> bootArgs =
        preparedTap ? preparedTapRunArgs(plan.ukRunArgs) : plan.ukRunArgs;
    ContainerProcessSpec process;
    process.argv = ukRun;
    process.argv.insert(process.argv.end(), bootArgs.begin(), bootArgs.end());
    process.network = spec.network;
    process.networkPath = spec.networkPath;
    process.terminal = spec.terminal;
    process.consoleSocket = options.consoleSocket;
    process.preserveFds = options.preserveFds;
    process.tmpDir = dir.tmpDir();
    process.argvFile = dir.runArgs();
    SpawnedProcess spawned;
    spawnContainerProcess(process, spawned);
    const pid_t pid = spawned.pid;
    rollback.process(pid);

    // The archive is written while the container process sets itself up (making a network
    // namespace alone takes milliseconds).
    toolchain::FileSink sink(archiveFd.fd, archive);
    packer->write(sink);
    sink.flush();
    if (::close(std::exchange(archiveFd.fd, -1)) != 0) {
        throwErrno("cannot write " + archive.string());
    }
    awaitContainerProcess(spawned);

    ContainerState state;
    state.id = options.id;
    state.pid = pid;
    state.pidStartTime = processStartTime(pid).value_or(0);
    state.bundle = spec.bundle;
    state.rootfs = spec.rootfs;
    state.initrd = archive;
    state.created = rfc3339Now();
    state.annotations = spec.annotations;
    state.poststart = spec.hooks.poststart;
    state.poststop = spec.hooks.poststop;
    if (!spec.cgroupsPath.empty()) {
        std::vector<std::string> warnings;
        state.cgroupDirs =
            joinCgroups(cgroupRelativePath(spec.cgroupsPath, global_.systemdCgroup), pid, warnings);
        rollback.cgroups(state.cgroupDirs);
        for (const auto& w : warnings) {
            log_.warning(w);
        }
    }
    dir.save(state);
    if (preparedTap) {
        try {
            inNetworkNamespace("/proc/" + std::to_string(pid) + "/ns/net", [] { prepareTap(); });
        } catch (const Error& e) {
            if (networkMode == NetworkMode::Tap) {
                throw BundleError(what + ": " + kNetworkAnnotation + " (or $" +
                                  kNetworkEnvironment + ") is tap, but " + e.what());
            }
            // No tap to boot on (no /dev/net/tun, say): the guest boots after the hooks, on
            // what they leave (the tap, when wiring works then, else the user network).
            log_.warning("container " + options.id + ": " + e.what() +
                         "; the guest boots after the hooks");
            preparedTap = false;
            process.argv = writeRunArgs(dir, ukRun, plan.ukRunArgs);
        }
    }
    if (preparedTap) {
        bootContainerProcess(spawned);
    }

    // Docker's network arrives here: its prestart hook moves the container's interface into
    // the network namespace of the pid it reads from the state.
    const std::string hookState = hookStateJson(state, "created");
    runHooks(spec.hooks.prestart, "prestart", hookState);
    runHooks(spec.hooks.createRuntime, "createRuntime", hookState);
    runHooks(spec.hooks.createContainer, "createContainer", hookState);

    // The network is there now: the guest takes over the container's interface through a
    // tap, or stays on QEMU's user network (the words planLaunch gave).
    std::vector<std::string> command = process.argv;
    if (preparedTap) {
        state.startLine = "--no-network";
    }
    if (networkMode != NetworkMode::User) {
        auto tap = wireTapNetwork(spec, networkMode, pid, plan.ukRunArgs, preparedTap, what, log_,
                                  options.id);
        if (tap) {
            state.tap = tap->wiring;
            if (preparedTap) {
                state.startLine = spaced(tap->settings); // the booted guest gets them at start
            } else {
                if (spec.network == NetworkNamespace::Join) {
                    state.tapNamespace = spec.networkPath;
                    rollback.tap(tap->wiring, spec.networkPath);
                }
                command = writeRunArgs(dir, ukRun, tap->ukRunArgs);
                dir.save(state);
            }
            const TapWiring& w = tap->wiring;
            log_.info("container " + options.id + ": the guest takes over " + w.interface + " (" +
                      (w.addresses.empty() ? "" : formatInterfaceAddress(w.addresses[0])) +
                      (w.gateway ? ", gateway " + formatAddress(*w.gateway) : "") + ", MAC " +
                      w.mac + ") through the tap " + w.tap +
                      (preparedTap ? ", its settings at start" : ""));
            for (const auto& n : tap->notes) {
                log_.warning("container " + options.id + ": " + n);
            }
        }
    }

    if (!options.pidFile.empty()) {
        fs::writeFileAtomic(options.pidFile, std::to_string(pid));
    }
    dir.save(state);
    if (!spawned.booted()) {
        bootContainerProcess(spawned);
    }
    rollback.commit();
    for (const auto& w : plan.warnings) {
        log_.warning("container " + options.id + ": " + w);
    }
    for (const auto& w : mounts.warnings) {
        log_.warning("container " + options.id + ": " + w);
    }
    for (const auto& v : mounts.imageFiles) {
        log_.info("container " + options.id + ": " + v +
                  " is an anonymous volume: the guest has the image's own files there");
    }
    for (const auto& g : mounts.grafts) {
        log_.info("container " + options.id + ": /" + g.at + " copied into the guest" +
                  (g.source.empty() ? " (an empty directory)" : " from " + g.source.string()));
    }
    log_.info("created uk container " + options.id + " (pid " + std::to_string(pid) +
              "): " + shell::join(command));
}

void ContainerRuntime::start(const std::string& id) {
    StateDirectory dir = directory(id);
    ContainerState state = dir.load();
    switch (currentStatus(state)) {
    case Status::Created:
        break;
    case Status::Stopped:
        throw Error("cannot start a container that has stopped");
    case Status::Running:
    case Status::Paused:
        throw Error("cannot start an already running container");
    }
    releaseContainerProcess(dir.execFifo(), state.startLine,
                            [&] { return processRunning(state.pid, state.pidStartTime); });
    ::unlink(dir.execFifo().c_str());
    state.started = true;
    dir.save(state);
    runHooksWarning(log_, state.poststart, "poststart", hookStateJson(state, "running"));
}

std::string ContainerRuntime::state(const std::string& id) {
    ContainerState state = directory(id).load();
    return stateJson(state, currentStatus(state));
}

void ContainerRuntime::kill(const KillOptions& options) {
    ContainerState state = directory(options.id).load();
    Status status = currentStatus(state);
    if (status == Status::Stopped) {
        if (options.all) {
            signalSession(state.pid, options.signal); // whatever QEMU outlived uk run
            return;
        }
        throw Error("container not running");
    }
    if (options.all || options.signal == SIGKILL) {
        signalSession(state.pid, options.signal);
    }
    if (::kill(state.pid, options.signal) != 0 && errno != ESRCH) {
        throwErrno("cannot signal the container process " + std::to_string(state.pid));
    }
    if (status == Status::Paused && options.signal != SIGKILL) {
        // A stopped uk run cannot act on the signal until it runs again.
        signalSession(state.pid, SIGCONT);
    }
}

void ContainerRuntime::remove(const DeleteOptions& options) {
    StateDirectory dir = directory(options.id);
    std::optional<ContainerState> state;
    try {
        state = dir.load();
    } catch (const Error& e) {
        if (!options.force) {
            throw;
        }
        log_.warning(std::string(e.what()) + "; removing it anyway");
    }
    if (state) {
        Status status = currentStatus(*state);
        if ((status == Status::Running || status == Status::Paused) && !options.force) {
            throw Error("cannot delete container " + options.id +
                        " that is not stopped: " + statusName(status));
        }
        // Created (waiting on the FIFO) goes without --force, as with runc; and whatever
        // QEMU outlived uk run goes too.
        if (!killSessionAndWait(state->pid, state->pidStartTime, kKillWaitMs)) {
            throw Error("container " + options.id + ": its processes did not exit after SIGKILL");
        }
        if (state->tap && !state->tapNamespace.empty() &&
            ::access(state->tapNamespace.c_str(), F_OK) == 0) {
            // A namespace that outlives the container (a pod's) gets its address back.
            try {
                inNetworkNamespace(state->tapNamespace, [&] { unwireTap(*state->tap); });
            } catch (const Error& e) {
                log_.warning("container " + options.id + ": cannot undo the tap wiring in " +
                             state->tapNamespace.string() + ": " + e.what());
            }
        }
        runHooksWarning(log_, state->poststop, "poststop", hookStateJson(*state, "stopped"));
        removeCgroups(state->cgroupDirs);
        if (!state->initrd.empty()) {
            ::unlink(state->initrd.c_str());
        }
    }
    dir.remove();
}

std::string ContainerRuntime::processes(const PsOptions& options) {
    ContainerState state = directory(options.id).load();
    std::vector<pid_t> pids;
    if (currentStatus(state) != Status::Stopped) {
        pids = sessionProcesses(state.pid);
    }
    if (options.json) {
        return nlohmann::json(pids).dump() + "\n";
    }
    std::string table = "PID\n";
    for (pid_t p : pids) {
        table += std::to_string(p) + "\n";
    }
    return table;
}

void ContainerRuntime::pause(const std::string& id) {
    StateDirectory dir = directory(id);
    ContainerState state = dir.load();
    if (currentStatus(state) != Status::Running) {
        throw Error("container not running");
    }
    signalSession(state.pid, SIGSTOP);
    state.paused = true;
    dir.save(state);
}

void ContainerRuntime::resume(const std::string& id) {
    StateDirectory dir = directory(id);
    ContainerState state = dir.load();
    if (currentStatus(state) != Status::Paused) {
        throw Error("container not paused");
    }
    signalSession(state.pid, SIGCONT);
    state.paused = false;
    dir.save(state);
}

std::string featuresJson() {
    nlohmann::json j{
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.1.0"},
        {"hooks", {"prestart", "createRuntime", "createContainer", "poststart", "poststop"}},
        {"mountOptions", nlohmann::json::array()},
        {"linux",
         {{"namespaces", {"network"}},
          {"capabilities", nlohmann::json::array()},
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
          {"seccomp", {{"enabled", false}}},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}}}},
        {"annotations",
         {{"io.uk.runtime.kernel", std::string("/") + kKernelInRootfs},
          {"io.uk.runtime.otherBundles", "runc"},
          {kNetworkAnnotation, "auto|tap|user"}}}};
    return j.dump(2) + "\n";
}

} // namespace uk::runtime
