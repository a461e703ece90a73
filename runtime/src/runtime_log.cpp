#include <uk/runtime/runtime_log.h>
#include <uk/support/fs.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include <uk/runtime/container_state.h>

namespace uk::runtime {

namespace {

// logrus's text format quotes a value when it holds anything beyond a plain word.
std::string quoteText(std::string_view value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

using uk::fs::writeAll;

} // namespace

RuntimeLog::RuntimeLog(const std::filesystem::path& file, LogFormat format, bool debug)
    : format_(format), debug_(debug) {
    if (file.empty()) {
        return;
    }
    fd_ = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        std::fprintf(stderr, "uk-runtime: cannot open the log %s: %s\n", file.c_str(),
                     std::strerror(errno));
    }
}

RuntimeLog::~RuntimeLog() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::string RuntimeLog::formatLine(LogFormat format, std::string_view level,
                                   std::string_view message, std::string_view time) {
    if (format == LogFormat::Json) {
        nlohmann::json j{{"level", level}, {"msg", message}, {"time", time}};
        // Invalid UTF-8 (a path) is replaced rather than throwing.
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return "time=" + quoteText(time) + " level=" + std::string(level) +
           " msg=" + quoteText(message);
}

void RuntimeLog::write(std::string_view level, std::string_view message) {
    if (fd_ >= 0) {
        writeAll(fd_, formatLine(format_, level, message, rfc3339Now()) + "\n");
    }
}

void RuntimeLog::error(std::string_view message) {
    write("error", message);
    writeAll(STDERR_FILENO, "uk-runtime: " + std::string(message) + "\n");
}

void RuntimeLog::warning(std::string_view message) {
    write("warning", message);
    if (fd_ < 0) {
        writeAll(STDERR_FILENO, "uk-runtime: warning: " + std::string(message) + "\n");
    }
}

void RuntimeLog::info(std::string_view message) {
    write("info", message);
}

void RuntimeLog::debug(std::string_view message) {
    if (debug_) {
        write("debug", message);
    }
}

} // namespace uk::runtime
