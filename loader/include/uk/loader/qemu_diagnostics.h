// QEMU's stderr, sorted for the user: warnings at once, everything else kept for the message
// uk run prints when the VM fails.
#pragma once

#include <string>
#include <string_view>

namespace uk::loader {

class QemuDiagnostics {
public:
    explicit QemuDiagnostics(std::string qemuName) : qemuName_(std::move(qemuName)) {}

    // Feeds stderr bytes; returns complete lines to show now, each "uk run: qemu: ...\n".
    std::string feed(std::string_view data);
    // At end of stream: what was held back (a final partial line included), one line per
    // '\n', without the "uk run: qemu: " prefix.
    std::string finish();

    // uk run is stopping QEMU with a signal: QEMU's "terminating on signal" notice about it
    // is expected and left out. (Sent by anyone else, it explains the failure and stays.)
    void stopRequested() { stopRequested_ = true; }

    // QEMU reported that KVM could not run the guest. QEMU then pauses the VM and waits
    // forever, so the session stops it.
    bool kvmFailed() const { return kvmFailed_; }

    // The first failure QEMU reported that uk run can put in its own words: a host
    // forwarding rule (-p) it could not set up, a tap (--net tap:) it could not open or
    // attach. Empty when none was seen. QEMU's own line is kept with the rest.
    const std::string& explanation() const { return explanation_; }

private:
    // Bounds memory if QEMU floods stderr; the first lines explain a failure best.
    static constexpr size_t kMaxHeld = 64 * 1024;

    std::string line(std::string_view raw) const; // without QEMU's own "<program>: " prefix
    void explain(std::string_view text);

    std::string qemuName_;
    std::string partial_;
    std::string held_;
    bool cut_ = false;
    bool stopRequested_ = false;
    bool kvmFailed_ = false;
    std::string explanation_;
};

} // namespace uk::loader
