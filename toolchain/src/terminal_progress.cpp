#include <uk/toolchain/terminal_progress.h>

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

void TerminalProgress::show(const char* what, uint64_t done, uint64_t total, uint64_t size) {
    if (!enabled_ || size < kMinimumBytes) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && what == what_ && now - last_ < kInterval) {
        return;
    }
    last_ = now;
    shown_ = true;
    what_ = what;
    if (total == 0) {
        std::fprintf(stderr, "\r\033[K%s: %s...", label_.c_str(), what);
    } else {
        std::fprintf(stderr, "\r\033[K%s: %s %3.0f%% (%.0f of %.0f MB)", label_.c_str(), what,
                     100.0 * static_cast<double>(done) / static_cast<double>(total),
                     megabytes(done), megabytes(total));
    }
    std::fflush(stderr);
}

void TerminalProgress::update(const PackProgress& p) {
    if (p.phase == PackProgress::Phase::Linking) {
        show("linking the image", 0, 0, p.total);
    } else {
        show("packing", p.done, p.total, p.total);
    }
}

void TerminalProgress::clear() {
    if (shown_) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        shown_ = false;
    }
}

} // namespace uk::toolchain
