// A one-line progress meter on stderr for long work (`uk pack`, `uk convert`), shown only
// when stderr is a terminal and the work is big enough to wait for; otherwise it prints
// nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <uk/toolchain/pack_driver.h>

namespace uk::toolchain {

class TerminalProgress {
public:
    // `label` starts the line ("uk pack: rootfs"); `enabled` is false when stderr is no
    // terminal.
    TerminalProgress(std::string label, bool enabled);
    ~TerminalProgress() { clear(); }
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    // "LABEL: WHAT NN% (D of T MB)", or "LABEL: WHAT..." when total is 0. `size` is the
    // whole work's size: under kMinimumBytes nothing is shown. Redrawn at most every 100 ms,
    // except when `what` changes.
    void show(const char* what, uint64_t done, uint64_t total, uint64_t size);
    // `uk pack`'s phases.
    void update(const PackProgress& progress);
    // Erases the line, so that what is printed next starts on a clean one.
    void clear();

    // Archives smaller than this pack in well under a second: no meter for them.
    static constexpr uint64_t kMinimumBytes = 32 << 20;

private:
    std::string label_;
    bool enabled_;
    bool shown_ = false;
    const char* what_ = nullptr;
    std::chrono::steady_clock::time_point last_;
};

} // namespace uk::toolchain
