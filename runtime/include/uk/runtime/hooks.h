// OCI hooks (config.json "hooks"): each is run with the container's state as JSON on its
// standard input, its own argv and environment, and an optional timeout. Docker 20.10 wires
// up a container's network in a prestart hook (`dockerd libnetwork-setkey`), which moves the
// container's interface into the network namespace of the pid it reads from that state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <uk/runtime/bundle_spec.h>
#include <uk/support/error.h>

namespace uk::runtime {

// A hook that could not be run, exited non-zero or timed out.
class HookFailed : public Error {
public:
    using Error::Error;
};

// Runs `hooks` one after another; the first failure throws HookFailed ("prestart hook #0
// (/usr/bin/dockerd): exit status 1: OUTPUT"). `stage` names the hooks in messages.
void runHooks(const std::vector<Hook>& hooks, std::string_view stage, const std::string& stateJson);

} // namespace uk::runtime
