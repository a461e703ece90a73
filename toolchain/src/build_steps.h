// Pieces `uk build` and `uk pack` share: the output that appears only when everything
// succeeded, and the message for a tool that failed.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <uk/support/subprocess.h>
#include <uk/toolchain/errors.h>

namespace uk::toolchain {

// A unique file next to the output that the linker writes and a successful build renames
// onto the output, so the output is never seen half-written and a failed build leaves it
// as it was. Removed unless committed.
class PendingOutput {
public:
    explicit PendingOutput(const std::filesystem::path& output);
    ~PendingOutput();
    PendingOutput(const PendingOutput&) = delete;
    PendingOutput& operator=(const PendingOutput&) = delete;

    const std::filesystem::path& path() const { return path_; }
    void commit();

private:
    std::filesystem::path output_;
    std::filesystem::path path_;
    bool committed_ = false;
};

// "ld.lld failed with exit status 1", "clang was killed by signal 9 (Killed)".
ToolFailed toolFailed(const std::vector<std::string>& argv, const proc::Exit& exit);

} // namespace uk::toolchain
