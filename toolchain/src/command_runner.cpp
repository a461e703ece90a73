#include <uk/support/fs.h>
#include <uk/support/shell.h>
#include <uk/toolchain/command_runner.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

namespace uk::toolchain {

namespace {

using uk::fs::writeAll;

// State shared by the worker threads.
class Scheduler {
public:
    Scheduler(const std::vector<std::vector<std::string>>& commands, const RunSettings& settings)
        : commands_(commands), settings_(settings) {}

    void work(bool captureStderr) {
        for (;;) {
            size_t index = next_++;
            if (index >= commands_.size() || stopped()) {
                return;
            }
            try {
                runOne(index, captureStderr);
            } catch (...) {
                std::lock_guard lock(mutex_);
                if (!error_) {
                    error_ = std::current_exception();
                }
                stop_ = true;
            }
        }
    }

    std::optional<CommandFailure> result() {
        if (error_) {
            std::rethrow_exception(error_);
        }
        return failure_;
    }

private:
    bool stopped() {
        if (stop_) {
            return true;
        }
        if (settings_.cancelled()) {
            stop_ = true;
        }
        return stop_;
    }

    void runOne(size_t index, bool captureStderr) {
        const auto& argv = commands_[index];
        if (settings_.verbose) {
            std::lock_guard lock(mutex_);
            writeAll(STDERR_FILENO, shell::join(argv) + "\n");
        }
        proc::Exit exit;
        if (captureStderr) {
            proc::Captured captured = proc::capture(argv);
            std::lock_guard lock(mutex_);
            writeAll(STDOUT_FILENO, captured.out);
            writeAll(STDERR_FILENO, captured.err);
            exit = captured.exit;
        } else {
            exit = proc::run(argv);
        }
        if (exit.exited() && exit.code == 0) {
            return;
        }
        std::lock_guard lock(mutex_);
        if (!failure_ || index < failure_->index) {
            failure_ = CommandFailure{index, exit};
        }
        stop_ = true;
    }

    const std::vector<std::vector<std::string>>& commands_;
    const RunSettings& settings_;
    std::atomic<size_t> next_ = 0;
    std::atomic<bool> stop_ = false;
    std::mutex mutex_;
    std::optional<CommandFailure> failure_;
    std::exception_ptr error_;
};

} // namespace

std::optional<CommandFailure> runCommands(const std::vector<std::vector<std::string>>& commands,
                                          const RunSettings& settings) {
    Scheduler scheduler(commands, settings);
    const size_t workers = std::min<size_t>(std::max(settings.jobs, 1u), commands.size());
    if (workers <= 1) {
        // One at a time: the tool writes straight to our stderr (and keeps its colors).
        scheduler.work(false);
        return scheduler.result();
    }
    std::vector<std::thread> threads;
    for (size_t i = 0; i < workers; ++i) {
        threads.emplace_back([&scheduler] { scheduler.work(true); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return scheduler.result();
}

} // namespace uk::toolchain
