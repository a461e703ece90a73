#include <uk/loader/console_relay.h>

#include <uk/hex_digit.h>
#include <uk/image_format.h>

namespace uk::loader {

namespace {

constexpr std::string_view kPrefix = image::kBacktracePrefix;

} // namespace

void StdinEncoder::encode(std::string_view data, std::string& out) {
    for (char c : data) {
        out += c;
        if (static_cast<uint8_t>(c) == image::kStdinEscape) {
            out += c;
        }
    }
}

std::string_view StdinEncoder::endOfFile() {
    static const char kEof[] = {static_cast<char>(image::kStdinEscape),
                                static_cast<char>(image::kStdinEof)};
    return std::string_view(kEof, 2);
}

std::string StdinEncoder::signal(int sig) {
    return std::string{static_cast<char>(image::kStdinEscape),
                       static_cast<char>(image::kStdinSignal), static_cast<char>(sig)};
}

std::string StdinEncoder::start(std::string_view words) {
    std::string out{static_cast<char>(image::kStdinEscape), static_cast<char>(image::kStdinStart)};
    out.append(words);
    out.push_back('\n');
    return out;
}

std::optional<BacktraceFrame> parseBacktraceLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.substr(0, kPrefix.size()) != kPrefix) {
        return std::nullopt;
    }
    line.remove_prefix(kPrefix.size());
    BacktraceFrame f;
    size_t i = 0;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i < 6) {
        f.index = f.index * 10 + static_cast<unsigned>(line[i] - '0');
        ++i;
    }
    if (i == 0 || line.substr(i, 3) != " 0x") {
        return std::nullopt;
    }
    std::string_view hex = line.substr(i + 3);
    if (hex.size() != 16) {
        return std::nullopt;
    }
    for (char c : hex) {
        int v = hexDigitValue(c);
        if (v < 0) {
            return std::nullopt;
        }
        f.address = f.address << 4 | static_cast<uint64_t>(v);
    }
    return f;
}

std::string ConsoleOutputFilter::feed(std::string_view data) {
    std::string out;
    size_t i = 0;
    while (i < data.size()) {
        if (!candidate_ && !atLineStart_) {
            // Middle of an ordinary line: pass everything up to and including its newline.
            size_t nl = data.find('\n', i);
            size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
            out.append(data.substr(i, end - i));
            atLineStart_ = nl != std::string_view::npos;
            i = end;
            continue;
        }
        if (atLineStart_) {
            atLineStart_ = false;
            candidate_ = true;
        }
        char c = data[i++];
        pending_ += c;
        if (c == '\n') {
            endOfCandidateLine(out);
            atLineStart_ = true;
            continue;
        }
        bool stillPrefix = pending_.size() <= kPrefix.size()
                               ? kPrefix.substr(0, pending_.size()) == pending_
                               : pending_.size() <= kMaxFrameLine;
        if (!stillPrefix) {
            // An ordinary line after all: show it (after any backtrace it follows).
            releaseFrames(out);
            releasePending(out);
        }
    }
    return out;
}

void ConsoleOutputFilter::endOfCandidateLine(std::string& out) {
    std::string_view line(pending_);
    line.remove_suffix(1); // the newline
    if (auto frame = parseBacktraceLine(line)) {
        // A "#0" starts a new backtrace; one symbolizer call per backtrace.
        if (frame->index == 0) {
            releaseFrames(out);
        }
        frames_.push_back(*frame);
        frameLines_.push_back(std::move(pending_));
        pending_.clear();
        candidate_ = false;
        return;
    }
    releaseFrames(out);
    releasePending(out);
}

void ConsoleOutputFilter::releasePending(std::string& out) {
    out += pending_;
    pending_.clear();
    candidate_ = false;
}

void ConsoleOutputFilter::releaseFrames(std::string& out) {
    if (frames_.empty()) {
        return;
    }
    std::vector<std::string> suffixes;
    if (annotate_) {
        suffixes = annotate_(frames_);
    }
    for (size_t k = 0; k < frameLines_.size(); ++k) {
        std::string& line = frameLines_[k];
        if (k < suffixes.size() && !suffixes[k].empty()) {
            // Insert before the line ending ("\n" or "\r\n").
            size_t end = line.size() - 1;
            if (end > 0 && line[end - 1] == '\r') {
                --end;
            }
            line.insert(end, suffixes[k]);
        }
        out += line;
    }
    frames_.clear();
    frameLines_.clear();
}

std::string ConsoleOutputFilter::flush() {
    std::string out;
    releaseFrames(out);
    // A partial line is shown as it is; whatever follows continues it as ordinary output.
    releasePending(out);
    return out;
}

} // namespace uk::loader
