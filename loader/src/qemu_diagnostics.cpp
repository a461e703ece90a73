#include <uk/loader/qemu_diagnostics.h>

namespace uk::loader {

std::string QemuDiagnostics::line(std::string_view raw) const {
    if (!raw.empty() && raw.back() == '\r') {
        raw.remove_suffix(1);
    }
    // QEMU starts its messages with "<program>: "; ours already say who is talking. The
    // program may be a wrapper script (--qemu), so any "qemu...: " counts.
    size_t colon = raw.find(": ");
    if (colon != std::string_view::npos) {
        std::string_view program = raw.substr(0, colon);
        bool oneWord = program.find(' ') == std::string_view::npos;
        if (oneWord && (program == qemuName_ || program.substr(0, 4) == "qemu")) {
            raw.remove_prefix(colon + 2);
        }
    }
    return std::string(raw);
}

std::string QemuDiagnostics::feed(std::string_view data) {
    partial_.append(data);
    std::string show;
    size_t start = 0;
    for (size_t nl = partial_.find('\n'); nl != std::string::npos;
         nl = partial_.find('\n', start)) {
        std::string text = line(std::string_view(partial_).substr(start, nl - start));
        start = nl + 1;
        if (text.find("KVM internal error") != std::string::npos ||
            text.find("KVM: entry failed") != std::string::npos) {
            kvmFailed_ = true;
        }
        if (stopRequested_ && text.rfind("terminating on signal", 0) == 0) {
            continue;
        }
        if (text.find("warning:") != std::string::npos) {
            show += "uk run: qemu: " + text + "\n";
            continue;
        }
        if (held_.size() + text.size() + 1 <= kMaxHeld) {
            held_ += text + "\n";
        } else {
            cut_ = true;
        }
    }
    partial_.erase(0, start);
    return show;
}

std::string QemuDiagnostics::finish() {
    if (!partial_.empty()) {
        std::string rest = std::move(partial_);
        partial_.clear();
        feed(rest + "\n");
    }
    return cut_ ? held_ + "(more QEMU output left out)\n" : held_;
}

} // namespace uk::loader
