// File-system helpers for the host tools.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace uk::fs {

// A private directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
public:
    explicit TempDir(std::string_view prefix = "uk");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Keep the directory after destruction (for --keep-temps style debugging).
    void keep() { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

std::string readFile(const std::filesystem::path& path);

// Writes `data` to a temporary file next to `path` and renames it into place, so readers
// never see a half-written file and a failure leaves no file behind.
void writeFileAtomic(const std::filesystem::path& path, std::string_view data,
                     bool executable = false);

// A unique, empty file next to `output` that a writer fills (a linker, a tar writer) and
// commit() renames onto `output`, so `output` is never seen half-written and a failure
// leaves it as it was. Removed on destruction unless committed.
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

// Renames `from` onto `to` (same file system), replacing it.
void replaceFile(const std::filesystem::path& from, const std::filesystem::path& to);

// The running program's own path (/proc/self/exe).
std::filesystem::path selfExecutable();

// Writes all of `data` to `fd`, retrying after signals and waiting (poll) when the descriptor
// is non-blocking and full. False once a write fails (EPIPE: the reader went away); errno
// says why.
bool writeAll(int fd, std::string_view data);

// Looks `name` up in $PATH (or returns it if it contains a slash and is executable).
std::optional<std::filesystem::path> findProgram(std::string_view name);

} // namespace uk::fs
