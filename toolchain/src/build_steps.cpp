#include "build_steps.h"

#include <uk/support/error.h>
#include <uk/support/fs.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace uk::toolchain {

namespace stdfs = std::filesystem;

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
