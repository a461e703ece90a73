// uk-runtime's log: what containerd's shim reads back when a command fails. With --log FILE,
// lines are appended there, as logrus writes them for runc: JSON objects with
// --log-format json ({"level":"error","msg":"...","time":"..."}), `time="..." level=error
// msg="..."` otherwise. Errors (and warnings without --log) also go to stderr.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <uk/runtime/runtime_options.h>

namespace uk::runtime {

class RuntimeLog {
public:
    // A log file that cannot be opened is reported on stderr; messages then go there only.
    RuntimeLog(const std::filesystem::path& file, LogFormat format, bool debug);
    ~RuntimeLog();
    RuntimeLog(const RuntimeLog&) = delete;
    RuntimeLog& operator=(const RuntimeLog&) = delete;

    void error(std::string_view message);
    void warning(std::string_view message);
    void info(std::string_view message);
    void debug(std::string_view message);

    // One line in `format` (no newline), for tests.
    static std::string formatLine(LogFormat format, std::string_view level,
                                  std::string_view message, std::string_view time);

private:
    void write(std::string_view level, std::string_view message);

    int fd_ = -1;
    LogFormat format_;
    bool debug_;
};

} // namespace uk::runtime
