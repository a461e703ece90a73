#include <uk/loader/instance_store.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include <uk/loader/process_info.h>
#include <uk/support/fs.h>

namespace uk::loader {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kStateFile = "state.json";
constexpr const char* kLogFile = "log";
constexpr const char* kWaitersFile = "waiters";

bool isHex(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

void createEmptyFile(const stdfs::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throwErrno("cannot create " + path.string());
    }
    ::close(fd);
}

void makeRoot(const stdfs::path& root) {
    std::error_code ec;
    if (stdfs::is_directory(root, ec)) {
        return;
    }
    stdfs::create_directories(root, ec);
    if (ec && !stdfs::is_directory(root)) {
        throw Error("cannot create the state directory " + root.string() + ": " + ec.message() +
                    " (set UK_STATE_DIR to choose another)");
    }
    // The logs may hold what the applications print: the owner's alone.
    stdfs::permissions(root, stdfs::perms::owner_all, ec);
}

InstanceState readState(const stdfs::path& dir) {
    stdfs::path file = dir / kStateFile;
    std::error_code ec;
    if (!stdfs::exists(file, ec)) {
        return InstanceState{};
    }
    return parseStateJson(fs::readFile(file), file.string());
}

} // namespace

stdfs::path stateDirectory(const StateDirectoryInputs& in) {
    auto given = [](const char* value) { return value != nullptr && value[0] != '\0'; };
    if (given(in.ukStateDir)) {
        return in.ukStateDir;
    }
    if (given(in.xdgRuntimeDir)) {
        return stdfs::path(in.xdgRuntimeDir) / "uk";
    }
    if (in.root) {
        return "/run/uk";
    }
    if (given(in.home)) {
        return stdfs::path(in.home) / ".local" / "state" / "uk";
    }
    return {};
}

stdfs::path stateDirectory() {
    StateDirectoryInputs in;
    in.ukStateDir = std::getenv("UK_STATE_DIR");
    in.xdgRuntimeDir = std::getenv("XDG_RUNTIME_DIR");
    in.home = std::getenv("HOME");
    in.root = ::geteuid() == 0;
    stdfs::path dir = stateDirectory(in);
    if (dir.empty()) {
        throw Error("no state directory for detached instances: set UK_STATE_DIR (or "
                    "XDG_RUNTIME_DIR or HOME)");
    }
    return dir;
}

Instance InstanceStore::create(InstanceConfig config) const {
    makeRoot(root_);
    std::vector<Instance> existing = list();
    auto idTaken = [&](const std::string& id) {
        return std::any_of(existing.begin(), existing.end(),
                           [&](const Instance& i) { return i.config.id == id; });
    };
    if (config.id.empty()) {
        do {
            config.id = newInstanceId();
        } while (idTaken(config.id));
    }
    bool generated = config.name.empty();
    if (!generated) {
        checkInstanceName(config.name);
    }
    stdfs::path dir;
    for (unsigned attempt = 0;; ++attempt) {
        if (generated) {
            uint64_t random = std::stoull(config.id, nullptr, 16) + attempt * 7919;
            config.name = instanceNameFor(random);
            if (attempt >= 16) {
                config.name += "_" + config.id.substr(0, 4 + attempt - 16);
            }
        }
        dir = root_ / config.name;
        if (::mkdir(dir.c_str(), 0700) == 0) {
            break;
        }
        if (errno != EEXIST) {
            throwErrno("cannot create " + dir.string());
        }
        if (!generated) {
            std::string holder;
            if (auto other = load(dir)) {
                holder = " by instance " + other->config.id;
            }
            throw NameConflict("the name \"" + config.name + "\" is already in use" + holder +
                               "; remove it (uk rm " + config.name + ") or choose another name");
        }
    }
    try {
        createEmptyFile(dir / kLogFile);
        createEmptyFile(dir / kWaitersFile);
        fs::writeFileAtomic(dir / kConfigFile, formatConfigJson(config));
    } catch (...) {
        std::error_code ec;
        stdfs::remove_all(dir, ec);
        throw;
    }
    return Instance{dir, config, InstanceState{}};
}

std::optional<Instance> InstanceStore::load(const stdfs::path& dir) const {
    stdfs::path configFile = dir / kConfigFile;
    std::error_code ec;
    if (!stdfs::exists(configFile, ec)) {
        return std::nullopt;
    }
    Instance instance;
    instance.dir = dir;
    try {
        instance.config = parseConfigJson(fs::readFile(configFile), configFile.string());
        instance.state = readState(dir);
    } catch (const Error&) {
        // Removed while being read (uk rm, --rm), or damaged: not an instance to show.
        if (!stdfs::exists(configFile, ec)) {
            return std::nullopt;
        }
        throw;
    }
    instance.state = settleState(*this, instance);
    return instance;
}

std::vector<Instance> InstanceStore::list() const {
    std::vector<Instance> out;
    std::error_code ec;
    stdfs::directory_iterator it(root_, ec);
    if (ec) {
        return out; // no state directory yet: no instances
    }
    for (const auto& entry : it) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.' || !entry.is_directory(ec)) {
            continue;
        }
        try {
            if (auto instance = load(entry.path())) {
                out.push_back(std::move(*instance));
            }
        } catch (const Error&) {
            // A damaged instance does not hide the others; `uk rm -f NAME` removes it.
        }
    }
    std::sort(out.begin(), out.end(), [](const Instance& a, const Instance& b) {
        return a.config.created != b.config.created ? a.config.created > b.config.created
                                                    : a.config.name < b.config.name;
    });
    return out;
}

Instance InstanceStore::find(std::string_view ref) const {
    if (ref.empty()) {
        throw NoSuchInstance(ref);
    }
    // By name first: the directory is named after it (and a damaged one is still found, so
    // that `uk rm -f` can remove it).
    if (ref.find('/') == std::string_view::npos && ref[0] != '.') {
        if (auto instance = load(root_ / std::string(ref))) {
            return *instance;
        }
    }
    std::vector<Instance> all = list();
    for (const auto& i : all) {
        if (i.config.id == ref) {
            return i;
        }
    }
    if (isHex(ref)) {
        std::vector<const Instance*> matches;
        for (const auto& i : all) {
            if (i.config.id.compare(0, ref.size(), ref) == 0) {
                matches.push_back(&i);
            }
        }
        if (matches.size() == 1) {
            return *matches[0];
        }
        if (matches.size() > 1) {
            throw Error("the id prefix " + std::string(ref) + " matches " +
                        std::to_string(matches.size()) +
                        " instances; give more digits or the name");
        }
    }
    throw NoSuchInstance(ref);
}

Instance InstanceStore::reload(const Instance& instance) const {
    auto again = load(instance.dir);
    if (!again || again->config.id != instance.config.id) {
        throw NoSuchInstance(instance.config.name);
    }
    return *again;
}

void InstanceStore::writeState(const Instance& instance, const InstanceState& state) const {
    fs::writeFileAtomic(instance.dir / kStateFile, formatStateJson(state));
}

void InstanceStore::remove(const Instance& instance) const {
    std::error_code ec;
    stdfs::remove_all(instance.dir, ec);
    if (ec) {
        throw Error("cannot remove " + instance.dir.string() + ": " + ec.message());
    }
}

void InstanceStore::removeWhenUnwatched(const Instance& instance,
                                        std::chrono::milliseconds limit) const {
    int fd = ::open((instance.dir / kWaitersFile).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (::flock(fd, LOCK_EX | LOCK_NB) != 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    try {
        remove(instance);
    } catch (...) {
        if (fd >= 0) {
            ::close(fd);
        }
        throw;
    }
    if (fd >= 0) {
        ::close(fd);
    }
}

InstanceState settleState(const InstanceStore& store, const Instance& instance) {
    if (instance.state.phase != InstancePhase::Running || isAlive(instance.state.supervisor)) {
        return instance.state;
    }
    // The supervisor records the exit before it exits: read again, in case it just did.
    InstanceState now = readState(instance.dir);
    if (now.phase != InstancePhase::Running || now.supervisor != instance.state.supervisor) {
        return now;
    }
    now.phase = InstancePhase::Exited;
    now.exitCode = kStatusSupervisorKilled;
    now.finished = wallNow();
    now.note = "the supervisor (pid " + std::to_string(now.supervisor.pid) +
               ") ended without recording the exit status (killed, or the host rebooted)";
    try {
        store.writeState(instance, now);
    } catch (const Error&) {
        // Read-only for us (another user's state directory): still report it as exited.
    }
    return now;
}

WaitHold::WaitHold(const Instance& instance) {
    fd_ = ::open((instance.dir / kWaitersFile).c_str(), O_RDONLY | O_CLOEXEC);
    // Held exclusively only by a supervisor that is removing the instance: then the status is
    // already recorded, and waiting for the lock would only outwait the directory.
    if (fd_ >= 0 && ::flock(fd_, LOCK_SH | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

WaitHold::~WaitHold() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

} // namespace uk::loader
