#include <uk/loader/instance.h>

#include <sys/random.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace uk::loader {

namespace {

using nlohmann::json;

std::string printf1(const char* format, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// `count` decimal digits at text[pos...]; nullopt when they are not all digits.
std::optional<int> digitsAt(std::string_view text, size_t pos, size_t count) {
    if (pos + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (!isDigit(text[i])) {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// Optional times are absent from the files (and null in ps --json) until they happened.
void putTime(json& j, const char* key, WallTime time) {
    if (time != WallTime{}) {
        j[key] = formatTime(time);
    }
}

WallTime getTime(const json& j, const char* key, const std::string& source) {
    if (!j.contains(key) || j.at(key).is_null()) {
        return WallTime{};
    }
    auto time = parseTime(j.at(key).get<std::string>());
    if (!time) {
        throw Error(source + ": \"" + key +
                    "\" is not an RFC 3339 time: " + j.at(key).get<std::string>());
    }
    return *time;
}

template <typename T>
T getOr(const json& j, const char* key, T fallback) {
    return j.contains(key) && !j.at(key).is_null() ? j.at(key).get<T>() : fallback;
}

json parseObject(std::string_view text, const std::string& source) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw Error(source + ": not a JSON object (a damaged state file; uk rm -f removes it)");
    }
    return j;
}

// Words for the name generator: short, friendly, unambiguous.
constexpr const char* kAdjectives[] = {
    "agile",  "bold",   "brave",  "bright", "calm",  "clever", "cool",   "crisp",
    "eager",  "fast",   "fond",   "gentle", "glad",  "happy",  "hardy",  "jolly",
    "keen",   "kind",   "light",  "lively", "lucid", "merry",  "mighty", "neat",
    "nimble", "noble",  "plucky", "proud",  "quick", "quiet",  "rapid",  "ready",
    "sharp",  "shiny",  "silent", "sleek",  "smart", "snappy", "solid",  "spry",
    "steady", "sturdy", "sunny",  "swift",  "tidy",  "vivid",  "warm",   "witty"};
constexpr const char* kNouns[] = {
    "albatross", "badger",  "beaver", "bison",  "cheetah", "condor",  "crane",  "dolphin",
    "eagle",     "falcon",  "ferret", "finch",  "gazelle", "gecko",   "heron",  "ibis",
    "jaguar",    "kestrel", "koala",  "lemur",  "lynx",    "marmot",  "marten", "moose",
    "narwhal",   "ocelot",  "osprey", "otter",  "panda",   "pelican", "puffin", "quokka",
    "raven",     "robin",   "salmon", "seal",   "sparrow", "stork",   "swift",  "tapir",
    "tern",      "tiger",   "toucan", "turtle", "walrus",  "weasel",  "wombat", "wren"};

} // namespace

std::string_view phaseName(InstancePhase phase) {
    switch (phase) {
    case InstancePhase::Created:
        return "created";
    case InstancePhase::Running:
        return "running";
    case InstancePhase::Exited:
        return "exited";
    }
    return "?";
}

void checkInstanceName(std::string_view name) {
    constexpr size_t kMaxName = 64;
    std::string quoted = "'" + std::string(name) + "'";
    if (name.size() < 2) {
        throw Error("invalid name " + quoted + ": a name has at least two characters");
    }
    if (name.size() > kMaxName) {
        throw Error("invalid name " + quoted + ": a name has at most " + std::to_string(kMaxName) +
                    " characters");
    }
    auto alnum = [](char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    if (!alnum(name[0])) {
        throw Error("invalid name " + quoted + ": it must start with a letter or a digit");
    }
    for (char c : name) {
        if (!alnum(c) && c != '_' && c != '.' && c != '-') {
            throw Error("invalid name " + quoted +
                        ": only letters, digits, '_', '.' and '-' are allowed ([a-zA-Z0-9]"
                        "[a-zA-Z0-9_.-]+)");
        }
    }
}

std::string newInstanceId() {
    unsigned char bytes[6];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throwErrno("cannot read random bytes for an instance id");
        }
        got += static_cast<size_t>(n);
    }
    static const char kDigits[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id += kDigits[b >> 4];
        id += kDigits[b & 15];
    }
    return id;
}

std::string instanceNameFor(uint64_t random) {
    constexpr size_t kA = sizeof kAdjectives / sizeof kAdjectives[0];
    constexpr size_t kN = sizeof kNouns / sizeof kNouns[0];
    return std::string(kAdjectives[random % kA]) + "_" + kNouns[(random / kA) % kN];
}

std::string formatTime(WallTime time) {
    auto ns = time.time_since_epoch().count();
    int64_t seconds = ns / 1000000000;
    int64_t fraction = ns % 1000000000;
    if (fraction < 0) {
        fraction += 1000000000;
        --seconds;
    }
    time_t t = static_cast<time_t>(seconds);
    struct tm tm = {};
    ::gmtime_r(&t, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(fraction));
    return buf;
}

std::optional<WallTime> parseTime(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    auto year = digitsAt(text, 0, 4);
    auto month = digitsAt(text, 5, 2);
    auto day = digitsAt(text, 8, 2);
    auto hour = digitsAt(text, 11, 2);
    auto minute = digitsAt(text, 14, 2);
    auto second = digitsAt(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' ||
        text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
        text[16] != ':' || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 ||
        *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    size_t pos = 19;
    int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        size_t digits = 0;
        while (pos < text.size() && isDigit(text[pos])) {
            if (digits < 9) {
                nanos = nanos * 10 + (text[pos] - '0');
            }
            ++digits;
            ++pos;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (; digits < 9; ++digits) {
            nanos *= 10;
        }
    }
    if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
        return std::nullopt;
    }
    struct tm tm = {};
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    time_t seconds = ::timegm(&tm);
    return WallTime(std::chrono::nanoseconds(static_cast<int64_t>(seconds) * 1000000000 + nanos));
}

std::string humanDuration(std::chrono::nanoseconds d) {
    using namespace std::chrono;
    int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
    if (seconds < 1) {
        return "Less than a second";
    }
    if (seconds == 1) {
        return "1 second";
    }
    if (seconds < 60) {
        return std::to_string(seconds) + " seconds";
    }
    int64_t minutes = seconds / 60;
    if (minutes == 1) {
        return "About a minute";
    }
    if (minutes < 60) {
        return std::to_string(minutes) + " minutes";
    }
    auto hours = static_cast<int64_t>(std::llround(duration<double, std::ratio<3600>>(d).count()));
    if (hours == 1) {
        return "About an hour";
    }
    if (hours < 48) {
        return std::to_string(hours) + " hours";
    }
    if (hours < 24 * 7 * 2) {
        return std::to_string(hours / 24) + " days";
    }
    if (hours < 24 * 30 * 2) {
        return std::to_string(hours / 24 / 7) + " weeks";
    }
    if (hours < 24 * 365 * 2) {
        return std::to_string(hours / 24 / 30) + " months";
    }
    return std::to_string(seconds / 3600 / 24 / 365) + " years";
}

std::string statusText(const InstanceState& state, WallTime now) {
    switch (state.phase) {
    case InstancePhase::Created:
        return "Created";
    case InstancePhase::Running:
        return "Up " + humanDuration(now - state.started);
    case InstancePhase::Exited:
        return "Exited (" + std::to_string(state.exitCode) + ") " +
               humanDuration(now - state.finished) + " ago";
    }
    return "?";
}

std::string formatCpuTime(double seconds) {
    if (seconds < 10) {
        return printf1("%.2fs", seconds);
    }
    if (seconds < 60) {
        return printf1("%.1fs", seconds);
    }
    auto whole = static_cast<uint64_t>(seconds);
    char buf[64];
    if (whole < 3600) {
        std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(whole / 60),
                      static_cast<unsigned long long>(whole % 60));
    } else {
        std::snprintf(buf, sizeof buf, "%lluh%02llum",
                      static_cast<unsigned long long>(whole / 3600),
                      static_cast<unsigned long long>(whole / 60 % 60));
    }
    return buf;
}

std::string formatBytes(uint64_t bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
        value /= 1024;
        ++unit;
    }
    return printf1("%.4g", value) + kUnits[unit];
}

std::string formatConfigJson(const InstanceConfig& c) {
    json j;
    j["id"] = c.id;
    j["name"] = c.name;
    j["image"] = c.image;
    j["command"] = c.command;
    j["args"] = c.args;
    j["memoryMiB"] = c.memoryMiB;
    j["cpus"] = c.cpus;
    j["network"] = c.network;
    if (!c.tapInterface.empty()) {
        j["tapInterface"] = c.tapInterface;
    }
    j["ports"] = c.ports;
    j["autoRemove"] = c.autoRemove;
    putTime(j, "created", c.created);
    return j.dump(2) + "\n";
}

InstanceConfig parseConfigJson(std::string_view text, const std::string& source) {
    json j = parseObject(text, source);
    InstanceConfig c;
    try {
        c.id = j.at("id").get<std::string>();
        c.name = j.at("name").get<std::string>();
        c.image = j.at("image").get<std::string>();
        c.command = getOr(j, "command", std::vector<std::string>{});
        c.args = getOr(j, "args", std::vector<std::string>{});
        c.memoryMiB = getOr<uint64_t>(j, "memoryMiB", 0);
        c.cpus = getOr<unsigned>(j, "cpus", 1);
        c.network = getOr<std::string>(j, "network", "");
        c.tapInterface = getOr<std::string>(j, "tapInterface", "");
        c.ports = getOr(j, "ports", std::vector<std::string>{});
        c.autoRemove = getOr(j, "autoRemove", false);
        c.created = getTime(j, "created", source);
    } catch (const json::exception& e) {
        throw Error(source + ": " + e.what());
    }
    return c;
}

std::string formatStateJson(const InstanceState& s) {
    json j;
    j["phase"] = std::string(phaseName(s.phase));
    if (s.phase != InstancePhase::Created) {
        j["pid"] = s.supervisor.pid;
        j["pidStartTicks"] = s.supervisor.startTicks;
        j["bootId"] = s.supervisor.bootId;
    }
    putTime(j, "startedAt", s.started);
    if (s.phase == InstancePhase::Exited) {
        putTime(j, "finishedAt", s.finished);
        j["exitCode"] = s.exitCode;
    }
    if (!s.note.empty()) {
        j["note"] = s.note;
    }
    return j.dump(2) + "\n";
}

InstanceState parseStateJson(std::string_view text, const std::string& source) {
    json j = parseObject(text, source);
    InstanceState s;
    try {
        std::string phase = j.at("phase").get<std::string>();
        if (phase == "created") {
            s.phase = InstancePhase::Created;
        } else if (phase == "running") {
            s.phase = InstancePhase::Running;
        } else if (phase == "exited") {
            s.phase = InstancePhase::Exited;
        } else {
            throw Error(source + ": unknown phase '" + phase + "'");
        }
        if (s.phase != InstancePhase::Created) {
            s.supervisor.pid = j.at("pid").get<pid_t>();
            s.supervisor.startTicks = getOr<uint64_t>(j, "pidStartTicks", 0);
            s.supervisor.bootId = getOr<std::string>(j, "bootId", "");
        }
        s.started = getTime(j, "startedAt", source);
        s.finished = getTime(j, "finishedAt", source);
        s.exitCode = getOr(j, "exitCode", 0);
        s.note = getOr<std::string>(j, "note", "");
    } catch (const json::exception& e) {
        throw Error(source + ": " + e.what());
    }
    return s;
}

} // namespace uk::loader
