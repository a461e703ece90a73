#include <uk/loader/qemu_diagnostics.h>

#include <optional>

namespace uk::loader {

namespace {

// The text between `open` and the next `close` after it in `text`, or nullopt.
std::optional<std::string_view> between(std::string_view text, std::string_view open, char close) {
    size_t start = text.find(open);
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    start += open.size();
    size_t end = text.find(close, start);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    return text.substr(start, end - start);
}

// "tcp:0.0.0.0:8080-:80" (a hostfwd rule as QEMU repeats it) as "host port 8080/tcp on
// 0.0.0.0", or "" when it has another shape.
std::string describeForwardRule(std::string_view rule) {
    size_t protoEnd = rule.find(':');
    size_t addressEnd =
        protoEnd == std::string_view::npos ? protoEnd : rule.find(':', protoEnd + 1);
    size_t portEnd = addressEnd == std::string_view::npos ? addressEnd : rule.find('-', addressEnd);
    if (portEnd == std::string_view::npos) {
        return "";
    }
    std::string_view address = rule.substr(protoEnd + 1, addressEnd - protoEnd - 1);
    return "host port " + std::string(rule.substr(addressEnd + 1, portEnd - addressEnd - 1)) + "/" +
           std::string(rule.substr(0, protoEnd)) + " on " +
           (address.empty() ? "0.0.0.0" : std::string(address));
}

} // namespace

void QemuDiagnostics::explain(std::string_view text) {
    if (!explanation_.empty()) {
        return;
    }
    if (auto rule = between(text, "Could not set up host forwarding rule '", '\'')) {
        std::string port = describeForwardRule(*rule);
        explanation_ = "QEMU could not publish " +
                       (port.empty() ? "'" + std::string(*rule) + "'" : port) +
                       " (-p): the port is in use, or not allowed (ports below 1024 need root "
                       "or CAP_NET_BIND_SERVICE)";
    } else if (auto tap = between(text, "could not configure /dev/net/tun (", ')')) {
        std::string name(*tap);
        if (text.find("Device or resource busy") != std::string_view::npos) {
            explanation_ = "QEMU could not attach the tap interface " + name +
                           ": it is in use by another program (a tap serves one VM at a time)";
        } else if (text.find("Operation not permitted") != std::string_view::npos) {
            explanation_ = "QEMU may not attach the tap interface " + name +
                           ": creating a tap, or using another user's, needs root or "
                           "CAP_NET_ADMIN (as root, once: ip tuntap add dev " +
                           name + " mode tap user $USER)";
        } else if (text.find("Invalid argument") != std::string_view::npos) {
            explanation_ = "QEMU could not attach " + name + ": it is not a plain tap interface";
        } else {
            explanation_ = "QEMU could not attach the tap interface " + name;
        }
    } else if (text.find("could not open /dev/net/tun") != std::string_view::npos) {
        explanation_ = "QEMU could not open /dev/net/tun: --net tap needs root or CAP_NET_ADMIN, "
                       "or access to /dev/net/tun and a tap made for you";
    }
}

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
        explain(text);
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
