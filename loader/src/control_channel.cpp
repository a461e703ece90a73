#include <uk/loader/control_channel.h>

#include <uk/image_format.h>

namespace uk::loader {

namespace {

ControlReport parseExit(std::string_view record) {
    std::string_view exitPrefix = image::kControlExitRecord;
    if (record.substr(0, exitPrefix.size()) != exitPrefix) {
        return {};
    }
    std::string_view digits = record.substr(exitPrefix.size());
    if (digits.empty() || digits.size() > 3) {
        return {};
    }
    int status = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return {};
        }
        status = status * 10 + (c - '0');
    }
    if (status > 255) {
        return {};
    }
    return ControlReport::exit(status);
}

} // namespace

void ControlChannel::record(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line == image::kControlStdinReadyRecord) {
        stdinReady_ = true;
    } else if (line == image::kControlPanicRecord) {
        report_ = ControlReport::panic();
    } else if (ControlReport r = parseExit(line); r.kind != ControlReport::Kind::None) {
        report_ = r;
    }
}

void ControlChannel::feed(std::string_view data) {
    while (!data.empty()) {
        size_t nl = data.find('\n');
        std::string_view piece = data.substr(0, nl);
        if (!overlong_ && partial_.size() + piece.size() <= kMaxRecord) {
            partial_.append(piece);
        } else {
            overlong_ = true;
            partial_.clear();
        }
        if (nl == std::string_view::npos) {
            return;
        }
        if (!overlong_) {
            record(partial_);
        }
        partial_.clear();
        overlong_ = false;
        data.remove_prefix(nl + 1);
    }
}

ControlReport ControlChannel::parse(std::string_view text) {
    ControlChannel channel;
    channel.feed(text);
    return channel.report();
}

} // namespace uk::loader
