#include <uk/loader/process_info.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <uk/support/text.h>

namespace uk::loader {

namespace {

std::optional<uint64_t> parseNumber(std::string_view digits) {
    if (digits.empty() || digits.size() > 19) {
        return std::nullopt;
    }
    uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value;
}

// A small /proc file in one read (their contents are generated on read; no need for streams).
std::optional<std::string> readSmallFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
}

// The whitespace-separated words of `text`.
std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) {
            ++i;
        }
        size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.push_back(text.substr(start, i - start));
        }
    }
    return out;
}

} // namespace

std::optional<ProcStat> parseProcStat(std::string_view text) {
    // "PID (COMM) S PPID ...": COMM may hold anything, so it ends at the last ')'.
    size_t open = text.find('(');
    size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    ProcStat st;
    st.comm = std::string(text.substr(open + 1, close - open - 1));
    // After ")": field 3 (state) onwards.
    auto rest = words(text.substr(close + 1));
    constexpr size_t kFirst = 3; // rest[0] is field 3
    auto field = [&](size_t n) -> std::optional<uint64_t> {
        return n - kFirst < rest.size() ? parseNumber(rest[n - kFirst]) : std::nullopt;
    };
    if (rest.size() < 24 - kFirst + 1 || rest[0].size() != 1) {
        return std::nullopt;
    }
    st.state = rest[0][0];
    auto ppid = field(4);
    auto utime = field(14);
    auto stime = field(15);
    auto start = field(22);
    auto rss = field(24);
    if (!ppid || !utime || !stime || !start || !rss) {
        return std::nullopt;
    }
    st.ppid = static_cast<pid_t>(*ppid);
    st.utimeTicks = *utime;
    st.stimeTicks = *stime;
    st.startTicks = *start;
    st.rssPages = *rss;
    return st;
}

std::optional<uint64_t> parseStatusBytes(std::string_view statusText, std::string_view field) {
    for (std::string_view line : text::splitLines(statusText)) {
        if (line.size() <= field.size() || line.substr(0, field.size()) != field ||
            line[field.size()] != ':') {
            continue;
        }
        auto w = words(line.substr(field.size() + 1));
        if (w.empty()) {
            return std::nullopt;
        }
        auto value = parseNumber(w[0]);
        if (!value) {
            return std::nullopt;
        }
        if (w.size() >= 2 && (w[1] == "kB" || w[1] == "KB" || w[1] == "kb")) {
            return *value * 1024;
        }
        return *value;
    }
    return std::nullopt;
}

std::optional<ProcStat> readProcStat(pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    auto text = readSmallFile("/proc/" + std::to_string(pid) + "/stat");
    return text ? parseProcStat(*text) : std::nullopt;
}

std::optional<uint64_t> readRssBytes(pid_t pid) {
    auto text = readSmallFile("/proc/" + std::to_string(pid) + "/status");
    return text ? parseStatusBytes(*text, "VmRSS") : std::nullopt;
}

std::string currentBootId() {
    auto text = readSmallFile("/proc/sys/kernel/random/boot_id");
    if (!text) {
        return "";
    }
    while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) {
        text->pop_back();
    }
    return *text;
}

std::optional<ProcessIdentity> identifyProcess(pid_t pid) {
    auto st = readProcStat(pid);
    if (!st || st->state == 'Z' || st->state == 'X') {
        return std::nullopt;
    }
    return ProcessIdentity{pid, st->startTicks, currentBootId()};
}

bool isAlive(const ProcessIdentity& identity) {
    if (identity.pid <= 0) {
        return false;
    }
    if (!identity.bootId.empty() && identity.bootId != currentBootId()) {
        return false; // recorded before the host rebooted
    }
    auto st = readProcStat(identity.pid);
    return st && st->state != 'Z' && st->state != 'X' && st->startTicks == identity.startTicks;
}

std::vector<pid_t> childProcesses(pid_t pid) {
    std::vector<pid_t> children;
    std::string task = "/proc/" + std::to_string(pid) + "/task";
    bool haveChildrenFiles = false;
    if (DIR* d = ::opendir(task.c_str())) {
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.') {
                continue;
            }
            auto text = readSmallFile(task + "/" + e->d_name + "/children");
            if (!text) {
                continue;
            }
            haveChildrenFiles = true;
            for (std::string_view w : words(*text)) {
                if (auto child = parseNumber(w)) {
                    children.push_back(static_cast<pid_t>(*child));
                }
            }
        }
        ::closedir(d);
    }
    if (haveChildrenFiles) {
        return children;
    }
    // Kernels without CONFIG_PROC_CHILDREN: every process's parent.
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d)) {
            auto candidate = parseNumber(e->d_name);
            if (!candidate) {
                continue;
            }
            auto st = readProcStat(static_cast<pid_t>(*candidate));
            if (st && st->ppid == pid) {
                children.push_back(static_cast<pid_t>(*candidate));
            }
        }
        ::closedir(d);
    }
    return children;
}

double clockTicksPerSecond() {
    long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? static_cast<double>(ticks) : 100.0;
}

} // namespace uk::loader
