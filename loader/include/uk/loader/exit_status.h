// How a finished VM becomes uk run's exit status and final message.
#pragma once

#include <string>

#include <uk/loader/control_channel.h>
#include <uk/support/subprocess.h>

namespace uk::loader {

// Exit statuses of uk run itself, following docker run's conventions.
inline constexpr int kStatusToolError = 125; // uk run or QEMU failed, or the library OS panicked
inline constexpr int kStatusTimedOut = 124;  // as timeout(1)

struct VmOutcome {
    proc::Exit qemuExit;
    ControlReport report;
    bool timedOut = false;
    std::string timeoutText; // "--timeout" as given, for the message
    // SIGINT/SIGTERM/SIGHUP that made uk run stop the VM; SIGPIPE when uk run's stdout
    // was closed by its reader.
    int stoppedBySignal = 0;
    std::string qemuName = "qemu-system-x86_64";
    std::string qemuErrors; // QEMU's stderr not yet shown, one line per '\n'
    bool kvmFailed = false; // QEMU said KVM could not run the guest
    // QEMU's failure in uk run's words, when QemuDiagnostics recognized it (a -p port it could
    // not bind, a tap it could not attach); empty otherwise.
    std::string qemuExplanation;

    // Whether the guest showed any sign of life (console output or a control record). A
    // VM that ended without one can be retried with another accelerator...
    bool guestSpoke = false;
    // ...given the user's input it had already consumed (raw, before framing).
    std::string inputBeforeOutput;
    bool inputEndedBeforeOutput = false;
    bool inputReplayable = true; // false when the input was not kept or too much to keep
    // The start gate (SessionSettings): the guest words it opened with; why it could not open.
    std::optional<std::string> startGateOpened;
    std::string startGateError;
};

struct RunVerdict {
    int status = 0;
    std::string message; // for stderr, complete lines; empty when there is nothing to say
};

RunVerdict decideExitStatus(const VmOutcome& outcome);

} // namespace uk::loader
