// One run of QEMU under uk run's supervision: the console relay in both directions, QEMU's
// diagnostics, the timeout and signals, and the control record at the end.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/console_relay.h>
#include <uk/loader/exit_status.h>
#include <uk/loader/qemu_diagnostics.h>

namespace uk::loader {

struct SessionSettings {
    std::vector<std::string> argv; // QEMU's, from QemuCommandBuilder
    // Where the control records arrive: uk run makes it a FIFO and reads it as the VM runs.
    std::filesystem::path controlFile;
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText;
    ConsoleOutputFilter::Annotate annotate; // backtrace symbolization; may be empty
    // uk run's own standard descriptors (changeable for tests of the relay).
    int inputFd = 0, outputFd = 1, errorFd = 2;
    // How long held console output (a possible backtrace) may wait for more bytes.
    std::chrono::milliseconds idleFlush{40};
    // How long QEMU gets to exit after SIGTERM before SIGKILL.
    std::chrono::milliseconds killGrace{3000};
    // Input waits for the guest's "stdin-ready" record (input sent earlier can be lost while
    // the guest sets up its UART). Images from before that record never send it; for them,
    // input flows after this long.
    std::chrono::milliseconds stdinReadyFallback{2000};
    // Input taken from the user by an earlier, failed attempt, to be given to this one
    // first (see VmOutcome::inputBeforeOutput).
    std::string replayInput;
    bool replayInputEnded = false;
    // Have the kernel kill QEMU when uk run dies, even by SIGKILL (PR_SET_PDEATHSIG), so no
    // VM outlives its uk run.
    bool tieToParent = true;
    // Keep the input consumed before the guest's first output, so a failed start can be
    // retried (VmOutcome::inputBeforeOutput); bounded by kMaxReplayInput.
    bool keepInputForRetry = false;
    // The start gate (uk run --start-gate): a FIFO opened for reading and writing, so it
    // never reports end of file. Until something arrives there (one write), uk run's input
    // waits; then the guest (booted with uk.gate) is told to start, with the guest words
    // `startWords` makes of what arrived (it throws uk::Error for what it cannot take: the VM
    // is then stopped, VmOutcome::startGateError says why). -1: no gate. Opened already (with
    // these words): by an earlier attempt of the same run.
    // QEMU's user network's byte counters (network_counters.h): the FIFOs its filter-dump
    // objects write (made and opened here before QEMU starts; the guest's received and sent
    // frames), and the file that gets the totals, at most once a second while they change
    // and at the end. Empty: none.
    std::filesystem::path networkDumpReceived, networkDumpTransmitted;
    std::filesystem::path networkTotalsFile;
    int startGateFd = -1;
    std::function<std::string(std::string_view)> startWords;
    std::optional<std::string> startGateOpened;
};

inline constexpr size_t kMaxReplayInput = 1 << 20;

class VmSession {
public:
    explicit VmSession(SessionSettings settings) : s_(std::move(settings)) {}
    // Starts QEMU and relays until it has exited; never leaves it running, also on
    // exceptions. SIGINT, SIGTERM and SIGHUP stop the VM and end up in the outcome.
    VmOutcome run();

private:
    SessionSettings s_;
};

} // namespace uk::loader
