// The errors the toolchain's commands tell apart: a command-line mistake (exit status 2), a
// tool that failed (it printed its own diagnostics), and a stop on request.
#pragma once

#include <string>

#include <uk/support/error.h>
#include <uk/support/subprocess.h>

namespace uk::toolchain {

// A command-line mistake: reported with a pointer to --help, exit status 2.
class UsageError : public Error {
public:
    using Error::Error;
};

// A compiler or the linker failed; it has already printed its diagnostics.
class ToolFailed : public Error {
public:
    ToolFailed(const std::string& message, proc::Exit exit) : Error(message), exit_(exit) {}
    const proc::Exit& exit() const { return exit_; }

private:
    proc::Exit exit_;
};

// A build or pack stopped because its `cancelled` check turned true (e.g. after SIGTERM);
// thrown once its temporary files are gone.
class BuildCancelled : public Error {
public:
    BuildCancelled() : Error("build cancelled") {}
};

} // namespace uk::toolchain
