#include <uk/loader/exit_status.h>

#include <string.h>

namespace uk::loader {

namespace {

std::string prefixedLines(std::string_view text, std::string_view prefix) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        out += prefix;
        out += text.substr(start, end - start);
        out += '\n';
        start = end + 1;
    }
    return out;
}

std::string describeExit(const VmOutcome& o) {
    if (!o.qemuExit.exited()) {
        const char* name = sigabbrev_np(o.qemuExit.signal);
        return o.qemuName + " was killed by " +
               (name != nullptr ? std::string("SIG") + name
                                : "signal " + std::to_string(o.qemuExit.signal));
    }
    return o.qemuName + " exited with status " + std::to_string(o.qemuExit.code);
}

} // namespace

RunVerdict decideExitStatus(const VmOutcome& o) {
    // A record on the control channel is the guest's own word and wins over everything that
    // happened afterwards (a timeout or signal racing with a clean exit, say).
    switch (o.report.kind) {
    case ControlReport::Kind::Exit:
        return {o.report.status, ""};
    case ControlReport::Kind::Panic:
        return {kStatusToolError,
                "uk run: the library OS stopped with a panic (see the console output above)\n"};
    case ControlReport::Kind::None:
        break;
    }
    if (o.timedOut) {
        return {kStatusTimedOut,
                "uk run: timed out after " + o.timeoutText + " s; stopped the virtual machine\n"};
    }
    if (o.stoppedBySignal != 0) {
        return {128 + o.stoppedBySignal, ""};
    }
    // isa-debug-exit makes QEMU exit with (v << 1) | 1; QEMU's own failures exit with 1.
    if (o.qemuExit.exited() && o.qemuExit.code > 1 && (o.qemuExit.code & 1) != 0) {
        int status = o.qemuExit.code >> 1;
        return {status, "uk run: warning: the guest wrote no exit record on the control channel; "
                        "status " +
                            std::to_string(status) + " comes from QEMU's exit code " +
                            std::to_string(o.qemuExit.code) +
                            " (debug-exit), which keeps only 7 bits of it\n" +
                            prefixedLines(o.qemuErrors, "uk run: qemu: ")};
    }
    std::string message;
    if (!o.qemuExplanation.empty()) {
        message = "uk run: " + o.qemuExplanation + "\n";
    } else if (o.kvmFailed) {
        message = "uk run: KVM could not run the guest (" + describeExit(o) + ")\n";
    } else {
        message = "uk run: " + describeExit(o) + " without an exit status from the guest";
        if (o.qemuExit.exited() && o.qemuExit.code == 0) {
            message += " (the guest reset or triple-faulted, which ends QEMU with -no-reboot)";
        }
        message += "\n";
    }
    message += prefixedLines(o.qemuErrors, "uk run: qemu: ");
    if (o.kvmFailed) {
        message += "uk run: --accel tcg runs the guest under QEMU's emulator instead\n";
    }
    return {kStatusToolError, message};
}

} // namespace uk::loader
