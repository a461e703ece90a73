// The console between the user and the guest: framing of the input (so end of input can be
// signalled over a serial line) and the output filter that symbolizes backtraces.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uk::loader {

// Frames console input for uk.stdin=escaped (uk/image_format.h): the escape byte is doubled,
// everything else passes unchanged.
class StdinEncoder {
public:
    // Appends the framed form of `data` to `out`.
    static void encode(std::string_view data, std::string& out);
    // The two bytes that mean end of file.
    static std::string_view endOfFile();
    // The three bytes that send signal `sig` (1-64) to the application's first process.
    static std::string signal(int sig);
    // What opens the start gate of a guest booted with uk.gate, with `words` (guest options,
    // separated by spaces, no '\n') for it to apply first.
    static std::string start(std::string_view words);
};

// One frame line of a guest backtrace: "[uk]   #<n> 0x<16 hex digits>".
struct BacktraceFrame {
    unsigned index = 0;
    uint64_t address = 0;
    // The address to look up: frames after #0 hold return addresses, which point past the
    // call; address - 1 lies inside it (and on the right line).
    uint64_t lookupAddress() const { return index == 0 ? address : address - 1; }
};

// Parses one line (without its newline; a trailing '\r' is allowed) in the backtrace format.
std::optional<BacktraceFrame> parseBacktraceLine(std::string_view line);

// Passes console output through unchanged and promptly, except lines that may be backtrace
// frames: those are held until their newline, and consecutive frames are held as one
// backtrace so a single symbolizer call covers them. The caller flushes after a short idle
// period (holding() says whether anything waits) and at the end of the stream.
class ConsoleOutputFilter {
public:
    // Returns, for each frame, the text to append to its line (e.g. " in main at a.c:3"),
    // or "" to leave the line as it was. Called once per backtrace.
    using Annotate = std::function<std::vector<std::string>(const std::vector<BacktraceFrame>&)>;

    explicit ConsoleOutputFilter(Annotate annotate) : annotate_(std::move(annotate)) {}

    // Feeds console bytes; returns the bytes that can be shown now.
    std::string feed(std::string_view data);
    // Releases everything held (symbolizing pending frames).
    std::string flush();
    bool holding() const { return !pending_.empty() || !frames_.empty(); }

private:
    // Longest line still considered a frame candidate; longer ones are ordinary output.
    static constexpr size_t kMaxFrameLine = 64;

    void releaseFrames(std::string& out);
    void releasePending(std::string& out);
    void endOfCandidateLine(std::string& out);

    Annotate annotate_;
    bool atLineStart_ = true;
    bool candidate_ = false; // pending_ holds the start of a line that may be a frame
    std::string pending_;
    std::vector<BacktraceFrame> frames_;
    std::vector<std::string> frameLines_; // raw text of the held frames, newline included
};

} // namespace uk::loader
