// Running other programs (clang, ld.lld, qemu-system-x86_64, llvm-symbolizer) from the host
// tools, without a shell in between.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace uk::proc {

struct Exit {
    int code = -1;  // exit status when the process exited normally
    int signal = 0; // the signal that killed it, or 0
    bool exited() const { return signal == 0; }
    // Shell-style status: code, or 128 + signal.
    int shellStatus() const { return signal != 0 ? 128 + signal : code; }
};

struct Captured {
    Exit exit;
    std::string out;
    std::string err;
};

// Runs argv to completion, capturing stdout and stderr (stdin is /dev/null). Throws
// uk::Error if the program cannot be started.
Captured capture(const std::vector<std::string>& argv, const std::string& stdinData = {});

// Runs argv with the caller's stdin/stdout/stderr and waits for it.
Exit run(const std::vector<std::string>& argv);

// A child process with some of its standard descriptors connected to pipes.
class Child {
public:
    struct Options {
        bool pipeStdin = false;
        bool pipeStdout = false;
        bool pipeStderr = false;
        // Descriptors (in the parent) to install as the child's 0/1/2 instead; -1 = inherit.
        int stdinFd = -1, stdoutFd = -1, stderrFd = -1;
        // Start the child in its own process group (so a terminal's Ctrl-C reaches only us).
        bool newProcessGroup = false;
        // Kill the child (SIGKILL) when this process dies, however it dies, so that e.g. a
        // VM never outlives the `uk run` that started it.
        bool dieWithParent = false;
    };

    // Throws uk::Error if the program cannot be started (e.g. not installed).
    Child(const std::vector<std::string>& argv, const Options& options);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    int stdinFd() const { return in_; }   // write end, or -1
    int stdoutFd() const { return out_; } // read end, or -1
    int stderrFd() const { return err_; } // read end, or -1
    void closeStdin();

    // Waits for the child; with a timeout, returns nullopt if it is still running then.
    std::optional<Exit> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
    void kill(int signal);

private:
    pid_t pid_ = -1;
    int in_ = -1, out_ = -1, err_ = -1;
    std::optional<Exit> exit_;
};

} // namespace uk::proc
