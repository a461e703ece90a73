#include <uk/runtime/container_state.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <uk/runtime/runtime_options.h>
#include <uk/support/fs.h>

namespace uk::runtime {

namespace stdfs = std::filesystem;
using json = nlohmann::json;

namespace {

// The spec version the state speaks (runc 1.1 prints "1.0.2-dev").
constexpr char kOciVersion[] = "1.0.2";

// /proc/PID/stat's fields after the command name (which may hold spaces and parentheses, so
// it ends at the last ')'): state is the first, starttime the 20th.
struct ProcStat {
    char state = 0;
    uint64_t startTime = 0;
    pid_t session = 0;
};

std::optional<ProcStat> readProcStat(pid_t pid) {
    std::string text;
    try {
        text = fs::readFile("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
        return std::nullopt;
    }
    size_t close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) {
        return std::nullopt;
    }
    std::vector<std::string> fields;
    size_t start = close + 2;
    while (start < text.size()) {
        size_t end = text.find(' ', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        fields.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    // fields[0] state, [1] ppid, [2] pgrp, [3] session, ..., [19] starttime
    if (fields.size() < 20 || fields[0].empty()) {
        return std::nullopt;
    }
    ProcStat s;
    s.state = fields[0][0];
    s.session = static_cast<pid_t>(std::strtol(fields[3].c_str(), nullptr, 10));
    s.startTime = std::strtoull(fields[19].c_str(), nullptr, 10);
    return s;
}

json hooksJson(const std::vector<Hook>& hooks) {
    json out = json::array();
    for (const auto& h : hooks) {
        json j{{"path", h.path}, {"args", h.args}, {"env", h.env}};
        if (h.timeoutSeconds) {
            j["timeout"] = *h.timeoutSeconds;
        }
        out.push_back(j);
    }
    return out;
}

std::vector<Hook> hooksFromJson(const json& j) {
    std::vector<Hook> out;
    for (const auto& h : j) {
        Hook hook;
        hook.path = h.at("path").get<std::string>();
        hook.args = h.at("args").get<std::vector<std::string>>();
        hook.env = h.at("env").get<std::vector<std::string>>();
        if (h.contains("timeout")) {
            hook.timeoutSeconds = h.at("timeout").get<int>();
        }
        out.push_back(std::move(hook));
    }
    return out;
}

json annotationsJson(const ContainerState& state) {
    json out = json::object();
    for (const auto& [key, value] : state.annotations) {
        out[key] = value;
    }
    return out;
}

json tapJson(const TapWiring& w, const stdfs::path& ns) {
    json addresses = json::array();
    for (const auto& a : w.addresses) {
        json one{{"address", formatInterfaceAddress(a)}};
        if (a.broadcast) {
            one["broadcast"] = formatAddress(*a.broadcast);
        }
        addresses.push_back(one);
    }
    json j{{"interface", w.interface},
           {"tap", w.tap},
           {"mac", w.mac},
           {"mtu", w.mtu},
           {"addresses", addresses},
           {"namespace", ns.string()}};
    if (w.gateway) {
        j["gateway"] = formatAddress(*w.gateway);
    }
    return j;
}

uint32_t addressFromJson(const json& j) {
    std::string text = j.get<std::string>();
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) {
        throw std::invalid_argument("not an IPv4 address: " + text);
    }
    return ntohl(a.s_addr);
}

TapWiring tapFromJson(const json& j, stdfs::path& ns) {
    TapWiring w;
    w.interface = j.at("interface").get<std::string>();
    w.tap = j.at("tap").get<std::string>();
    w.mac = j.at("mac").get<std::string>();
    w.mtu = j.at("mtu").get<unsigned>();
    for (const auto& one : j.at("addresses")) {
        std::string text = one.at("address").get<std::string>();
        size_t slash = text.find('/');
        InterfaceAddress a;
        a.address = addressFromJson(json(text.substr(0, slash)));
        a.prefix = slash == std::string::npos
                       ? 32
                       : static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
        if (one.contains("broadcast")) {
            a.broadcast = addressFromJson(one.at("broadcast"));
        }
        w.addresses.push_back(a);
    }
    if (j.contains("gateway")) {
        w.gateway = addressFromJson(j.at("gateway"));
    }
    ns = j.at("namespace").get<std::string>();
    return w;
}

} // namespace

const char* statusName(Status status) {
    switch (status) {
    case Status::Created:
        return "created";
    case Status::Running:
        return "running";
    case Status::Paused:
        return "paused";
    case Status::Stopped:
        return "stopped";
    }
    return "unknown";
}

StateDirectory::StateDirectory(stdfs::path root, std::string id)
    : root_(std::move(root)), id_(std::move(id)) {
    checkContainerId(id_);
    dir_ = root_ / id_;
}

bool StateDirectory::exists() const {
    struct stat st;
    return ::lstat(dir_.c_str(), &st) == 0;
}

bool StateDirectory::isUkContainer() const {
    struct stat st;
    return ::lstat(marker().c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void StateDirectory::create() const {
    std::error_code ec;
    stdfs::create_directories(root_, ec);
    if (ec) {
        throw Error("cannot create the state directory " + root_.string() + ": " + ec.message());
    }
    ::chmod(root_.c_str(), 0711);
    if (::mkdir(dir_.c_str(), 0700) != 0) {
        if (errno == EEXIST) {
            throw Error("container with id exists: " + id_);
        }
        throwErrno("cannot create " + dir_.string());
    }
}

ContainerState StateDirectory::load() const {
    std::string text;
    try {
        text = fs::readFile(marker());
    } catch (const Error&) {
        throw Error("container " + id_ + " does not exist");
    }
    return decodeState(text, marker().string());
}

void StateDirectory::save(const ContainerState& state) const {
    fs::writeFileAtomic(marker(), encodeState(state));
}

void StateDirectory::remove() const {
    std::error_code ec;
    stdfs::remove_all(dir_, ec);
    if (ec) {
        throw Error("cannot remove " + dir_.string() + ": " + ec.message());
    }
}

std::string encodeState(const ContainerState& s) {
    json cgroupDirs = json::array();
    for (const auto& d : s.cgroupDirs) {
        cgroupDirs.push_back(d.string());
    }
    json j{{"runtime", "uk"},
           {"id", s.id},
           {"pid", s.pid},
           {"pidStartTime", s.pidStartTime},
           {"bundle", s.bundle.string()},
           {"rootfs", s.rootfs.string()},
           {"initrd", s.initrd.string()},
           {"created", s.created},
           {"started", s.started},
           {"paused", s.paused},
           {"cgroupDirs", cgroupDirs},
           {"annotations", annotationsJson(s)},
           {"poststart", hooksJson(s.poststart)},
           {"poststop", hooksJson(s.poststop)},
           {"startLine", s.startLine}};
    if (s.tap) {
        j["tap"] = tapJson(*s.tap, s.tapNamespace);
    }
    return j.dump(2) + "\n";
}

ContainerState decodeState(const std::string& text, const std::string& what) {
    try {
        json j = json::parse(text);
        ContainerState s;
        s.id = j.at("id").get<std::string>();
        s.pid = j.at("pid").get<pid_t>();
        s.pidStartTime = j.at("pidStartTime").get<uint64_t>();
        s.bundle = j.at("bundle").get<std::string>();
        s.rootfs = j.at("rootfs").get<std::string>();
        s.initrd = j.at("initrd").get<std::string>();
        s.created = j.at("created").get<std::string>();
        s.started = j.at("started").get<bool>();
        s.paused = j.at("paused").get<bool>();
        for (const auto& d : j.at("cgroupDirs")) {
            s.cgroupDirs.emplace_back(d.get<std::string>());
        }
        for (const auto& [key, value] : j.at("annotations").items()) {
            s.annotations.emplace_back(key, value.get<std::string>());
        }
        s.poststart = hooksFromJson(j.at("poststart"));
        s.poststop = hooksFromJson(j.at("poststop"));
        s.startLine = j.value("startLine", std::string("0"));
        if (j.contains("tap")) {
            s.tap = tapFromJson(j.at("tap"), s.tapNamespace);
        }
        return s;
    } catch (const std::exception& e) { // json's, and std::stoul's
        throw Error(what + ": corrupt container state: " + e.what());
    }
}

std::string stateJson(const ContainerState& s, Status status) {
    json j{{"ociVersion", kOciVersion},
           {"id", s.id},
           {"pid", status == Status::Stopped ? 0 : s.pid},
           {"status", statusName(status)},
           {"bundle", s.bundle.string()},
           {"rootfs", s.rootfs.string()},
           {"created", s.created},
           {"owner", ""},
           {"annotations", annotationsJson(s)}};
    return j.dump(2) + "\n";
}

std::string hookStateJson(const ContainerState& s, const char* status) {
    json j{{"ociVersion", kOciVersion},
           {"id", s.id},
           {"status", status},
           {"pid", s.pid},
           {"bundle", s.bundle.string()},
           {"annotations", annotationsJson(s)}};
    return j.dump();
}

std::optional<uint64_t> processStartTime(pid_t pid) {
    auto stat = readProcStat(pid);
    if (!stat) {
        return std::nullopt;
    }
    return stat->startTime;
}

bool processRunning(pid_t pid, uint64_t startTime) {
    if (pid <= 0) {
        return false;
    }
    auto stat = readProcStat(pid);
    return stat && stat->state != 'Z' && stat->state != 'X' && stat->startTime == startTime;
}

Status currentStatus(const ContainerState& state) {
    if (!processRunning(state.pid, state.pidStartTime)) {
        return Status::Stopped;
    }
    if (!state.started) {
        return Status::Created;
    }
    return state.paused ? Status::Paused : Status::Running;
}

std::vector<pid_t> sessionProcesses(pid_t sid) {
    std::vector<pid_t> out;
    if (sid <= 1) {
        return out;
    }
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return out;
    }
    while (dirent* e = ::readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (*end != 0 || pid <= 0) {
            continue;
        }
        auto stat = readProcStat(static_cast<pid_t>(pid));
        if (stat && stat->session == sid && stat->state != 'Z' && stat->state != 'X') {
            out.push_back(static_cast<pid_t>(pid));
        }
    }
    ::closedir(proc);
    return out;
}

std::string rfc3339Now() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    ::gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", static_cast<long>(ts.tv_nsec));
    return buf;
}

} // namespace uk::runtime
