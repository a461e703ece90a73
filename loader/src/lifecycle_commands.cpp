// `uk ps`, `uk logs`, `uk stop`, `uk rm`, `uk wait` and `uk metrics`: thin front ends over the
// instance store (instance_store.h) and the host-side metrics (instance_metrics.h). Exit
// statuses follow docker's: 0, 1 when an instance is missing or an action failed (the others
// named are still handled), 125 for a wrong option.
#include <uk/loader/commands.h>
#include <uk/support/fs.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <uk/loader/instance_metrics.h>
#include <uk/loader/instance_store.h>
#include <uk/loader/process_info.h>
#include <uk/loader/run_options.h>

namespace uk::loader {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kStatusUsage = 125; // docker: an unknown flag or a bad flag value
constexpr int kStatusFailed = 1;  // docker: "No such container", "requires 1 argument", ...
constexpr auto kPollInterval = milliseconds(50);

// A wrong command line, with docker's status for it.
class CommandLineError : public Error {
public:
    CommandLineError(const std::string& message, int status) : Error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

struct OptionSpec {
    char shortName; // 0: none
    const char* longName;
    bool takesValue;
};

struct Arguments {
    std::set<std::string> flags;               // long names of the flags given
    std::map<std::string, std::string> values; // long name -> value (the last one given)
    std::vector<std::string> operands;
    bool has(const std::string& name) const { return flags.count(name) != 0; }
};

// getopt-like: "-a", "-aq", "-t 5", "-t5", "-t=5", "--time 5", "--time=5", "--" ends options.
Arguments parseArguments(const std::string& command, const std::vector<std::string>& args,
                         std::initializer_list<OptionSpec> specs) {
    Arguments a;
    auto unknown = [&](const std::string& word) {
        return CommandLineError("unknown option '" + word + "' (see 'uk " + command + " --help')",
                                kStatusUsage);
    };
    auto needsValue = [&](const std::string& option) {
        return CommandLineError(
            "option " + option + " needs a value (see 'uk " + command + " --help')", kStatusUsage);
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& w = args[i];
        if (w == "--") {
            a.operands.insert(a.operands.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1,
                              args.end());
            break;
        }
        if (w == "-h" || w == "--help") {
            a.flags.insert("help");
            continue;
        }
        if (w.size() > 2 && w.compare(0, 2, "--") == 0) {
            size_t eq = w.find('=');
            std::string name = w.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            auto spec = std::find_if(specs.begin(), specs.end(),
                                     [&](const OptionSpec& s) { return name == s.longName; });
            if (spec == specs.end()) {
                throw unknown(w);
            }
            if (!spec->takesValue) {
                if (eq != std::string::npos) {
                    throw CommandLineError("option --" + name + " takes no value", kStatusUsage);
                }
                a.flags.insert(name);
            } else if (eq != std::string::npos) {
                a.values[name] = w.substr(eq + 1);
            } else if (i + 1 < args.size()) {
                a.values[name] = args[++i];
            } else {
                throw needsValue("--" + name);
            }
            continue;
        }
        if (w.size() > 1 && w[0] == '-') {
            for (size_t k = 1; k < w.size(); ++k) {
                auto spec = std::find_if(specs.begin(), specs.end(),
                                         [&](const OptionSpec& s) { return s.shortName == w[k]; });
                if (spec == specs.end()) {
                    throw unknown(k == 1 ? w : "-" + std::string(1, w[k]));
                }
                if (!spec->takesValue) {
                    a.flags.insert(spec->longName);
                    continue;
                }
                std::string rest = w.substr(k + 1);
                if (!rest.empty()) {
                    a.values[spec->longName] = rest[0] == '=' ? rest.substr(1) : rest;
                } else if (i + 1 < args.size()) {
                    a.values[spec->longName] = args[++i];
                } else {
                    throw needsValue("-" + std::string(1, w[k]));
                }
                break;
            }
            continue;
        }
        a.operands.push_back(w);
    }
    return a;
}

void requireOperands(const std::string& command, const Arguments& a, const char* what) {
    if (a.operands.empty() && !a.has("help")) {
        throw CommandLineError("\"uk " + command + "\" requires at least one " + what +
                                   " (see 'uk " + command + " --help')",
                               kStatusFailed);
    }
}

unsigned parseCount(const std::string& option, const std::string& value) {
    if (value.empty() || value.size() > 9 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw CommandLineError(option + ": expected a whole number, got '" + value + "'",
                               kStatusUsage);
    }
    return static_cast<unsigned>(std::stoul(value));
}

// "TERM", "SIGTERM", "sigterm" or "15".
int parseSignal(const std::string& value) {
    static const std::pair<const char*, int> kNames[] = {
        {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}};
    if (!value.empty() &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        unsigned n = parseCount("--signal", value);
        if (n >= 1 && n < static_cast<unsigned>(NSIG)) {
            return static_cast<int>(n);
        }
    }
    std::string name = value;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    if (name.compare(0, 3, "SIG") == 0) {
        name = name.substr(3);
    }
    for (const auto& [n, sig] : kNames) {
        if (name == n) {
            return sig;
        }
    }
    throw CommandLineError("--signal: unknown signal '" + value +
                               "' (TERM, INT, HUP, QUIT, KILL, USR1, USR2 or a number)",
                           kStatusUsage);
}

void complain(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "uk %s: %s\n", command.c_str(), message.c_str());
}

// Runs a command body with uniform reporting: usage errors and uk::Error become messages
// with docker's statuses.
int guard(const std::string& command, const std::function<int()>& body) {
    try {
        return body();
    } catch (const CommandLineError& e) {
        complain(command, e.what());
        return e.status();
    } catch (const Error& e) {
        complain(command, e.what());
        return kStatusFailed;
    } catch (const std::exception& e) {
        complain(command, std::string("internal error: ") + e.what());
        return kStatusFailed;
    }
}

InstanceStore openStore() {
    return InstanceStore(stateDirectory());
}

using uk::fs::writeAll;

// The state now, or nullopt when the instance was removed meanwhile (--rm, uk rm).
std::optional<Instance> current(const InstanceStore& store, const Instance& instance) {
    try {
        return store.reload(instance);
    } catch (const NoSuchInstance&) {
        return std::nullopt;
    }
}

// Waits until the instance's supervisor has ended (up to `limit`); true when it has.
bool awaitEnd(const Instance& instance, std::optional<milliseconds> limit) {
    auto deadline = limit ? Clock::now() + *limit : Clock::time_point::max();
    for (;;) {
        if (!isAlive(instance.state.supervisor)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

// SIGKILL for the supervisor and its VM (which the kernel would kill with it anyway, through
// its parent-death signal), then the exit status 137 recorded.
void killInstance(const Instance& instance) {
    const ProcessIdentity& supervisor = instance.state.supervisor;
    std::optional<ProcessIdentity> vm;
    if (auto pid = findVmProcess(supervisor.pid)) {
        vm = identifyProcess(*pid);
    }
    if (isAlive(supervisor)) {
        ::kill(supervisor.pid, SIGKILL);
    }
    if (vm && isAlive(*vm)) {
        ::kill(vm->pid, SIGKILL);
    }
    // Both gone before this returns, so that nothing of the instance is left to see.
    auto deadline = Clock::now() + milliseconds(5000);
    while ((isAlive(supervisor) || (vm && isAlive(*vm))) && Clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(10));
    }
}

// ---------------------------------------------------------------------------------------
// uk ps

std::string imageName(const InstanceConfig& c) {
    return std::filesystem::path(c.image).filename().string();
}

std::string joinWords(const std::vector<std::string>& words, const char* separator) {
    std::string out;
    for (const auto& w : words) {
        out += (out.empty() ? "" : separator) + w;
    }
    return out;
}

// Columns separated by three spaces (as docker ps), without trailing blanks.
std::string formatTable(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (size_t c = 0; c < row.size(); ++c) {
            width[c] = std::max(width[c], row[c].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) {
                line += std::string(width[c] - row[c].size() + 3, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

nlohmann::json instanceJson(const Instance& i, const InstanceMetrics& m, WallTime now) {
    using nlohmann::json;
    const InstanceConfig& c = i.config;
    const InstanceState& s = i.state;
    auto time = [](WallTime t) { return t == WallTime{} ? json(nullptr) : json(formatTime(t)); };
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    json j;
    j["id"] = c.id;
    j["name"] = c.name;
    j["image"] = c.image;
    j["command"] = c.command;
    j["args"] = c.args;
    j["created"] = time(c.created);
    j["state"] = std::string(phaseName(s.phase));
    j["status"] = statusText(s, now);
    j["exitCode"] = s.phase == InstancePhase::Exited ? json(s.exitCode) : json(nullptr);
    j["startedAt"] = time(s.started);
    j["finishedAt"] = s.phase == InstancePhase::Exited ? time(s.finished) : json(nullptr);
    j["pid"] = i.running() ? json(s.supervisor.pid) : json(nullptr);
    j["qemuPid"] = m.vmPid != 0 ? json(m.vmPid) : json(nullptr);
    j["network"] = c.network;
    j["tapInterface"] = c.tapInterface.empty() ? json(nullptr) : json(c.tapInterface);
    j["ports"] = c.ports;
    j["autoRemove"] = c.autoRemove;
    j["cpus"] = c.cpus;
    j["cpuSeconds"] = optional(m.cpuSeconds);
    j["memoryRssBytes"] = optional(m.rssBytes);
    j["memoryLimitBytes"] = m.memoryLimitBytes;
    j["networkReceiveBytes"] = optional(m.receiveBytes);
    j["networkTransmitBytes"] = optional(m.transmitBytes);
    if (!s.note.empty()) {
        j["note"] = s.note;
    }
    j["stateDir"] = i.dir.string();
    return j;
}

int ps(const std::vector<std::string>& args) {
    Arguments a = parseArguments("ps", args,
                                 {{'a', "all", false}, {'q', "quiet", false}, {0, "json", false}});
    if (a.has("help")) {
        std::fputs(psUsage().c_str(), stdout);
        return 0;
    }
    if (!a.operands.empty()) {
        throw CommandLineError("unexpected argument '" + a.operands[0] + "' (see 'uk ps --help')",
                               kStatusUsage);
    }
    InstanceStore store = openStore();
    WallTime now = wallNow();
    std::vector<Instance> shown;
    for (auto& i : store.list()) {
        if (a.has("all") || i.running()) {
            shown.push_back(std::move(i));
        }
    }
    std::string out;
    if (a.has("quiet")) {
        for (const auto& i : shown) {
            out += i.config.id + "\n";
        }
    } else if (a.has("json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& i : shown) {
            list.push_back(instanceJson(i, sampleMetrics(i), now));
        }
        out = list.dump(2) + "\n";
    } else {
        std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "IMAGE", "CREATED", "STATUS",
                                                       "CPU", "MEM USAGE / LIMIT", "NET I/O",
                                                       "PORTS"}};
        for (const auto& i : shown) {
            InstanceMetrics m = sampleMetrics(i);
            std::string cpu = m.cpuSeconds ? formatCpuTime(*m.cpuSeconds) : "-";
            std::string mem = i.running() ? (m.rssBytes ? formatBytes(*m.rssBytes) : "-") + " / " +
                                                formatBytes(m.memoryLimitBytes)
                                          : "-";
            std::string net = "-";
            if (m.receiveBytes && m.transmitBytes) {
                net = formatBytes(*m.receiveBytes) + " / " + formatBytes(*m.transmitBytes);
            } else if (i.running() && i.config.network == "user") {
                net = "n/a"; // the user network has no host-side counter
            }
            rows.push_back({i.config.id, i.config.name, imageName(i.config),
                            humanDuration(now - i.config.created) + " ago",
                            statusText(i.state, now), cpu, mem, net,
                            joinWords(i.config.ports, ", ")});
        }
        out = formatTable(rows);
    }
    writeAll(1, out);
    return 0;
}

// ---------------------------------------------------------------------------------------
// uk logs

int logs(const std::vector<std::string>& args) {
    Arguments a = parseArguments("logs", args, {{'f', "follow", false}, {'n', "tail", true}});
    if (a.has("help")) {
        std::fputs(logsUsage().c_str(), stdout);
        return 0;
    }
    if (a.operands.size() != 1) {
        throw CommandLineError("\"uk logs\" requires exactly one instance (see 'uk logs --help')",
                               kStatusFailed);
    }
    std::optional<unsigned> tail;
    if (a.values.count("tail") && a.values["tail"] != "all") {
        tail = parseCount("--tail", a.values["tail"]);
    }
    InstanceStore store = openStore();
    Instance instance = store.find(a.operands[0]);
    int fd = ::open(instance.logPath().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throwErrno("cannot open the log of " + instance.config.name + " (" +
                   instance.logPath().string() + ")");
    }
    // The descriptor keeps the log readable even when a --rm instance goes meanwhile.
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    char buf[64 * 1024];
    auto readSome = [&]() -> ssize_t {
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                throwErrno("cannot read " + instance.logPath().string());
            }
            return n;
        }
    };
    if (tail) {
        std::string all;
        while (ssize_t n = readSome()) {
            all.append(buf, static_cast<size_t>(n));
        }
        size_t start = all.size();
        // The last `tail` lines; a final line without its newline counts as one.
        unsigned lines = 0;
        size_t end = !all.empty() && all.back() == '\n' ? all.size() - 1 : all.size();
        while (start > 0 && lines < *tail) {
            size_t nl = all.rfind('\n', end == 0 ? 0 : end - 1);
            if (nl == std::string::npos || end == 0) {
                start = 0;
                break;
            }
            start = nl + 1;
            end = nl;
            ++lines;
        }
        if (*tail == 0) {
            start = all.size();
        }
        if (!writeAll(1, std::string_view(all).substr(start))) {
            return 0; // the reader went away (uk logs NAME | head)
        }
    }
    for (;;) {
        ssize_t n = readSome();
        if (n > 0) {
            if (!writeAll(1, std::string_view(buf, static_cast<size_t>(n)))) {
                return 0;
            }
            continue;
        }
        if (!a.has("follow")) {
            return 0;
        }
        auto now = current(store, instance);
        if (!now || !now->running()) {
            // Ended: what it printed last was written before its status; one more pass.
            while ((n = readSome()) > 0) {
                if (!writeAll(1, std::string_view(buf, static_cast<size_t>(n)))) {
                    return 0;
                }
            }
            return 0;
        }
        std::this_thread::sleep_for(milliseconds(100));
    }
}

// ---------------------------------------------------------------------------------------
// uk stop, uk rm, uk wait

// Runs `action` for each named instance; a failure is reported and the rest still handled.
int forEachInstance(const std::string& command, const Arguments& a,
                    const std::function<void(const InstanceStore&, const std::string&)>& action) {
    InstanceStore store = openStore();
    int status = 0;
    for (const auto& ref : a.operands) {
        try {
            action(store, ref);
        } catch (const Error& e) {
            complain(command, e.what());
            status = kStatusFailed;
        }
    }
    return status;
}

int stop(const std::vector<std::string>& args) {
    Arguments a = parseArguments("stop", args, {{'t', "time", true}, {'s', "signal", true}});
    if (a.has("help")) {
        std::fputs(stopUsage().c_str(), stdout);
        return 0;
    }
    requireOperands("stop", a, "instance");
    unsigned seconds = a.values.count("time") ? parseCount("--time", a.values["time"]) : 10;
    int signal = a.values.count("signal") ? parseSignal(a.values["signal"]) : SIGTERM;
    return forEachInstance("stop", a, [&](const InstanceStore& store, const std::string& ref) {
        Instance instance = store.find(ref);
        if (instance.running()) {
            ::kill(instance.state.supervisor.pid, signal);
            if (!awaitEnd(instance, milliseconds(1000ull * seconds))) {
                killInstance(instance);
            }
            if (auto now = current(store, instance);
                now && now->config.autoRemove && !now->running()) {
                // Ended without its supervisor (killed): --rm is ours to carry out.
                store.removeWhenUnwatched(*now, milliseconds(2000));
            }
        }
        std::printf("%s\n", ref.c_str());
        std::fflush(stdout);
    });
}

int rm(const std::vector<std::string>& args) {
    Arguments a = parseArguments("rm", args, {{'f', "force", false}});
    if (a.has("help")) {
        std::fputs(rmUsage().c_str(), stdout);
        return 0;
    }
    requireOperands("rm", a, "instance");
    return forEachInstance("rm", a, [&](const InstanceStore& store, const std::string& ref) {
        Instance instance;
        try {
            instance = store.find(ref);
        } catch (const NoSuchInstance&) {
            throw;
        } catch (const Error&) {
            // A damaged instance: with -f, remove its directory all the same.
            std::filesystem::path dir = store.root() / ref;
            if (!a.has("force") || ref.find('/') != std::string::npos || ref[0] == '.' ||
                !std::filesystem::is_directory(dir)) {
                throw;
            }
            instance.dir = dir;
            store.remove(instance);
            std::printf("%s\n", ref.c_str());
            return;
        }
        if (instance.running()) {
            if (!a.has("force")) {
                throw Error("cannot remove running instance " + instance.config.name + " (" +
                            instance.config.id + "): stop it first (uk stop " + ref +
                            ") or use uk rm -f");
            }
            killInstance(instance);
        }
        store.remove(instance);
        std::printf("%s\n", ref.c_str());
        std::fflush(stdout);
    });
}

int wait(const std::vector<std::string>& args) {
    Arguments a = parseArguments("wait", args, {});
    if (a.has("help")) {
        std::fputs(waitUsage().c_str(), stdout);
        return 0;
    }
    requireOperands("wait", a, "instance");
    return forEachInstance("wait", a, [&](const InstanceStore& store, const std::string& ref) {
        Instance instance = store.find(ref);
        WaitHold hold(instance);
        for (;;) {
            auto now = current(store, instance);
            if (!now) {
                throw Error(ref + " was removed before its exit status could be read");
            }
            if (now->state.phase == InstancePhase::Exited) {
                std::printf("%d\n", now->state.exitCode);
                std::fflush(stdout);
                return;
            }
            std::this_thread::sleep_for(kPollInterval);
        }
    });
}

// ---------------------------------------------------------------------------------------
// uk metrics

std::string collectMetrics(const std::vector<std::string>& names) {
    InstanceStore store = openStore();
    std::vector<MetricsSample> samples;
    if (names.empty()) {
        for (auto& i : store.list()) {
            InstanceMetrics m = sampleMetrics(i);
            samples.push_back({std::move(i), m});
        }
    } else {
        for (const auto& ref : names) {
            Instance i = store.find(ref);
            InstanceMetrics m = sampleMetrics(i);
            samples.push_back({std::move(i), m});
        }
    }
    return formatPrometheus(samples);
}

volatile sig_atomic_t g_stopServing = 0;

void onStopServing(int) {
    g_stopServing = 1;
}

// One HTTP/1.0-style exchange: read the request head (2 s at most), answer, close.
void answer(int client, const std::vector<std::string>& names) {
    std::string request;
    char buf[4096];
    auto deadline = Clock::now() + milliseconds(2000);
    while (request.find("\r\n\r\n") == std::string::npos &&
           request.find("\n\n") == std::string::npos && request.size() < 16384) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
        pollfd p = {client, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
            return;
        }
        ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        request.append(buf, static_cast<size_t>(n));
    }
    std::string line = request.substr(0, request.find_first_of("\r\n"));
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
    std::string method = line.substr(0, sp1);
    std::string target = sp1 == std::string::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string path = target.substr(0, target.find('?'));
    std::string status = "200 OK";
    std::string type = "text/plain; version=0.0.4; charset=utf-8";
    std::string body;
    if (method != "GET" && method != "HEAD") {
        status = "405 Method Not Allowed";
        type = "text/plain; charset=utf-8";
        body = "only GET and HEAD\n";
    } else if (path != "/metrics" && path != "/") {
        status = "404 Not Found";
        type = "text/plain; charset=utf-8";
        body = "uk metrics serves /metrics\n";
    } else {
        try {
            body = collectMetrics(names);
        } catch (const Error& e) {
            status = "500 Internal Server Error";
            type = "text/plain; charset=utf-8";
            body = std::string(e.what()) + "\n";
        }
    }
    std::string head = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                       "\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n";
    writeAll(client, head + (method == "HEAD" ? "" : body));
}

int serveMetrics(const ListenAddress& listen, const std::vector<std::string>& names) {
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server < 0) {
        throwErrno("socket");
    }
    int one = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(listen.port);
    address.sin_addr.s_addr = htonl(listen.address);
    std::string where = formatIpv4(listen.address) + ":" + std::to_string(listen.port);
    if (::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(server, 16) != 0) {
        int e = errno;
        ::close(server);
        errno = e;
        throwErrno("--listen " + where + ": cannot listen there");
    }
    struct sigaction sa = {};
    sa.sa_handler = onStopServing;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::fprintf(stderr, "uk metrics: serving http://%s/metrics (Ctrl-C stops)\n", where.c_str());
    while (!g_stopServing) {
        pollfd p = {server, POLLIN, 0};
        if (::poll(&p, 1, 500) <= 0) {
            continue;
        }
        int client = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        answer(client, names);
        ::close(client);
    }
    ::close(server);
    return 0;
}

int metrics(const std::vector<std::string>& args) {
    Arguments a = parseArguments("metrics", args, {{0, "listen", true}});
    if (a.has("help")) {
        std::fputs(metricsUsage().c_str(), stdout);
        return 0;
    }
    if (a.values.count("listen")) {
        ListenAddress listen;
        try {
            listen = parseListenAddress(a.values["listen"]);
        } catch (const Error& e) {
            throw CommandLineError(e.what(), kStatusUsage);
        }
        return serveMetrics(listen, a.operands);
    }
    writeAll(1, collectMetrics(a.operands));
    return 0;
}

const char* kStateDirHelp = R"(
state:
  Detached instances live in $UK_STATE_DIR, else $XDG_RUNTIME_DIR/uk, else /run/uk (root)
  or ~/.local/state/uk, one directory per instance: config.json, state.json, log.
)";

} // namespace

int psCommand(const std::vector<std::string>& args) {
    return guard("ps", [&] { return ps(args); });
}
int logsCommand(const std::vector<std::string>& args) {
    return guard("logs", [&] { return logs(args); });
}
int stopCommand(const std::vector<std::string>& args) {
    return guard("stop", [&] { return stop(args); });
}
int rmCommand(const std::vector<std::string>& args) {
    return guard("rm", [&] { return rm(args); });
}
int waitCommand(const std::vector<std::string>& args) {
    return guard("wait", [&] { return wait(args); });
}
int metricsCommand(const std::vector<std::string>& args) {
    return guard("metrics", [&] { return metrics(args); });
}

std::string psUsage() {
    return std::string(R"(usage: uk ps [-a] [-q] [--json]

Lists the detached instances (uk run -d) that are running: id, name, image, when it was
created, its status ("Up 3 minutes", "Exited (3) 10 seconds ago"), and what it costs the host
now: QEMU's CPU time, QEMU's resident memory against the guest memory given (--mem), and
for --net tap the bytes the guest received / sent ("n/a" on the user network, which has no
host-side counter).

options:
  -a, --all     every instance, exited ones too
  -q, --quiet   only the ids
  --json        a JSON array, one object per instance (numbers in seconds and bytes;
                null where unknown)
  -h, --help    show this help
)") + kStateDirHelp;
}

std::string logsUsage() {
    return std::string(R"(usage: uk logs [-f] [-n LINES] INSTANCE

Prints what the instance printed (its console and uk run's messages, in order), by name,
id or id prefix.

options:
  -f, --follow       keep printing new output until the instance ends
  -n, --tail LINES   only the last LINES lines (or "all")
  -h, --help         show this help

exit status:
  0, or 1 when there is no such instance.
)") + kStateDirHelp;
}

std::string stopUsage() {
    return std::string(R"(usage: uk stop [-t SECONDS] [-s SIGNAL] INSTANCE...

Stops running instances: sends SIGTERM to each one's supervisor (the detached uk run, which
hands it on to the VM), waits up to SECONDS for it to end, then kills the supervisor and
its QEMU with SIGKILL (exit status 137). Prints each INSTANCE as it is stopped; stopping
one that has already exited succeeds.

options:
  -t, --time SECONDS   how long to wait before SIGKILL (default 10; 0: at once)
  -s, --signal SIGNAL  the first signal instead of SIGTERM (TERM, INT, HUP, KILL, ... or a
                       number)
  -h, --help           show this help

exit status:
  0, 1 when an instance does not exist (the others are still stopped), 125 for a wrong
  option.
)") + kStateDirHelp;
}

std::string rmUsage() {
    return std::string(R"(usage: uk rm [-f] INSTANCE...

Removes instances that have ended: their state directory and log. Prints each INSTANCE as
it is removed.

options:
  -f, --force   also a running instance (killed with SIGKILL first), or a damaged one
  -h, --help    show this help

exit status:
  0, 1 when an instance does not exist or is running without -f (the others are still
  removed), 125 for a wrong option.
)") + kStateDirHelp;
}

std::string waitUsage() {
    return std::string(R"(usage: uk wait INSTANCE...

Waits until each instance has ended and prints its exit status (one a line, in the order
given): the application's, 124 for --timeout, 125 when uk or QEMU failed, 128+N for signal
N (143 after uk stop, 137 when it had to be killed).

exit status:
  0, or 1 when an instance does not exist.
)") + kStateDirHelp;
}

std::string metricsUsage() {
    return std::string(R"(usage: uk metrics [--listen [ADDR:]PORT] [INSTANCE...]

Prints the metrics of the detached instances (all, or those named) in Prometheus's text
exposition format, measured on the host:

  uk_up                            1 while the VM runs, 0 once it has exited
  uk_instance_info                 1, with the image and network mode as labels
  uk_start_time_seconds            when it started (Unix time)
  uk_exit_code                     the exit status of an exited instance
  uk_cpu_seconds_total             QEMU's CPU time (user + system, all threads)
  uk_memory_rss_bytes              QEMU's resident memory (VmRSS)
  uk_memory_limit_bytes            the guest memory given (--mem)
  uk_network_receive_bytes_total   bytes the guest received / sent on its tap (--net tap
  uk_network_transmit_bytes_total  only: the user network has no host-side counter)

Each sample is labelled {id="...",name="..."}.

options:
  --listen [ADDR:]PORT   serve them over HTTP at http://ADDR:PORT/metrics for Prometheus
                         to scrape (ADDR default 127.0.0.1) until SIGINT/SIGTERM
  -h, --help             show this help
)") + kStateDirHelp;
}

} // namespace uk::loader
