// Facts about this host that are expensive to find out and do not change until it reboots:
// the TSC frequency (which a TCG guest shares) and whether KVM, though present, fails to run
// guests. Kept in ${XDG_RUNTIME_DIR:-/tmp}/uk-<uid>/host-facts, tagged with the kernel's
// boot id so a reboot forgets them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace uk::loader {

struct HostFacts {
    std::string bootId;
    uint64_t tscHz = 0;       // 0: not measured, or the TSC is not constant
    bool tscMeasured = false; // tscHz is final (possibly 0)
    std::string kvmBroken;    // why KVM failed to start a guest; empty when it did not

    // Parses the file's text; facts from another boot are dropped.
    static HostFacts parse(const std::string& text, const std::string& currentBootId);
    std::string serialize() const;
};

class HostFactsStore {
public:
    // Uses the default location.
    HostFactsStore();
    explicit HostFactsStore(std::filesystem::path file);

    const HostFacts& facts() const { return facts_; }

    // The host TSC frequency in Hz, measured once per boot (about 50 ms); 0 when the TSC is
    // not a constant-rate clock (/proc/cpuinfo lacks constant_tsc or nonstop_tsc).
    uint64_t tscHz();

    // KVM is present but cannot run guests here; remembered until the host reboots.
    void rememberKvmBroken(const std::string& reason);

private:
    void save() const;

    std::filesystem::path file_;
    HostFacts facts_;
};

// Measures the TSC against CLOCK_MONOTONIC_RAW over `window`.
uint64_t measureTscHz(std::chrono::milliseconds window);

} // namespace uk::loader
