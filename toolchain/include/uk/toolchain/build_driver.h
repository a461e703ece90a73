// Builds one image: compiles the sources (several at a time), embeds the image
// configuration, links everything with the library OS, and replaces the output only when
// all of that succeeded. Temporary files never outlive the build.
#pragma once

#include <functional>

#include <uk/support/error.h>
#include <uk/support/subprocess.h>
#include <uk/toolchain/build_options.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/syscall_scan.h>
#include <uk/toolchain/toolchain.h>

namespace uk::toolchain {

class BuildDriver {
public:
    BuildDriver(Toolchain toolchain, BuildOptions options);

    // Checked between steps: true stops the build (e.g. after SIGTERM), which then throws
    // BuildCancelled once its temporary files are gone.
    void setCancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

    // Throws uk::Error (a missing input, an unwritable output, a missing toolchain file),
    // ToolFailed or BuildCancelled; in each case no output file is created or changed.
    void run();

private:
    // Every input exists and is a file uk build can use; the output is not a directory.
    void checkInputs() const;
    void planSteps(const std::filesystem::path& tempDir, std::vector<CompileStep>& compiles,
                   LinkStep& link) const;
    RunSettings runSettings() const;
    void compile(std::vector<CompileStep>& compiles) const;
    // Runs the commands; throws ToolFailed or BuildCancelled unless all of them succeed.
    void runStep(const std::vector<std::vector<std::string>>& commands) const;
    // The object holding the .uk.config section.
    std::filesystem::path writeConfigObject(const std::filesystem::path& tempDir) const;
    void writeDepfile(const std::vector<CompileStep>& compiles) const;
    // Scans the linked image for the system calls its program can make and warns about
    // those uk does not implement (all of them with -v). nullopt if it could not look.
    std::optional<SyscallScan> scanImage(const std::filesystem::path& image) const;
    // --strip: replaces the image with its compressed form, if that is smaller.
    void compress(const std::filesystem::path& image) const;

    Toolchain toolchain_;
    BuildOptions options_;
    std::function<bool()> cancelled_ = [] { return false; };
};

} // namespace uk::toolchain
