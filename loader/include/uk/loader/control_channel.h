// The guest's control records (uk/image_format.h), read while the VM runs: when the console
// can take input ("stdin-ready"), and how the VM ended ("exit N" in full 8-bit detail, which
// QEMU's debug-exit code cannot carry, or "panic").
#pragma once

#include <string>
#include <string_view>

namespace uk::loader {

struct ControlReport {
    enum class Kind { None, Exit, Panic };
    Kind kind = Kind::None;
    int status = 0; // for Exit: 0..255

    static ControlReport exit(int status) { return {Kind::Exit, status}; }
    static ControlReport panic() { return {Kind::Panic, 0}; }
    bool operator==(const ControlReport&) const = default;
};

// Only newline-terminated records count (a record cut off by a killed VM could read "exit 2"
// for "exit 25"); unknown records are skipped for forward compatibility; of the exit and
// panic records, the last one wins.
class ControlChannel {
public:
    // Feeds the bytes as they arrive, in any pieces.
    void feed(std::string_view data);

    const ControlReport& report() const { return report_; }
    bool stdinReady() const { return stdinReady_; }

    // The report in a complete text.
    static ControlReport parse(std::string_view text);

private:
    // Records are a few bytes; a longer line is garbage and is dropped, not buffered.
    static constexpr size_t kMaxRecord = 64;

    void record(std::string_view line);

    std::string partial_;
    bool overlong_ = false;
    ControlReport report_;
    bool stdinReady_ = false;
};

} // namespace uk::loader
