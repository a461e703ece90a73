#include "terminal_progress.h"

#include <cstdio>

namespace uk::toolchain {

namespace {

// Redraws at most this often: a terminal write per archive entry would slow packing down.
constexpr auto kInterval = std::chrono::milliseconds(100);

double megabytes(uint64_t bytes) {
    return static_cast<double>(bytes) / 1e6;
}

} // namespace

TerminalProgress::TerminalProgress(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled) {}

void TerminalProgress::update(const PackProgress& p) {
    if (!enabled_ || p.total < kMinimumBytes) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool phaseChange = p.phase == PackProgress::Phase::Linking;
    if (shown_ && !phaseChange && now - last_ < kInterval) {
        return;
    }
    last_ = now;
    shown_ = true;
    if (p.phase == PackProgress::Phase::Linking) {
        std::fprintf(stderr, "\r\033[K%s: linking the image (%.0f MB)...", label_.c_str(),
                     megabytes(p.total));
    } else {
        std::fprintf(stderr, "\r\033[K%s: packing %3.0f%% (%.0f of %.0f MB)", label_.c_str(),
                     100.0 * static_cast<double>(p.done) / static_cast<double>(p.total),
                     megabytes(p.done), megabytes(p.total));
    }
    std::fflush(stderr);
}

void TerminalProgress::clear() {
    if (shown_) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        shown_ = false;
    }
}

} // namespace uk::toolchain
