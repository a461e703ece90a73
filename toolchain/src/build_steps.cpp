#include "build_steps.h"

#include <uk/support/error.h>
#include <uk/support/fs.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace uk::toolchain {

namespace stdfs = std::filesystem;

PendingOutput::PendingOutput(const stdfs::path& output) : output_(output) {
    stdfs::path dir = output.has_parent_path() ? output.parent_path() : stdfs::path(".");
    std::string pattern = (dir / ("." + output.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        throwErrno("cannot write " + output.string());
    }
    ::close(fd);
    path_ = pattern;
}

PendingOutput::~PendingOutput() {
    if (!committed_) {
        ::unlink(path_.c_str());
    }
}

void PendingOutput::commit() {
    fs::replaceFile(path_, output_);
    committed_ = true;
}

ToolFailed toolFailed(const std::vector<std::string>& argv, const proc::Exit& exit) {
    const std::string tool = stdfs::path(argv.front()).filename().string();
    if (!exit.exited()) {
        return ToolFailed(tool + " was killed by signal " + std::to_string(exit.signal) + " (" +
                              strsignal(exit.signal) + ")",
                          exit);
    }
    return ToolFailed(tool + " failed with exit status " + std::to_string(exit.code), exit);
}

} // namespace uk::toolchain
