// Starting a detached instance (`uk run -d`). The instance is reserved in the store, then a
// supervisor process is forked off (twice, with setsid: no terminal, no parent waiting) with
// stdin on /dev/null and stdout and stderr both on the instance's log, so the log keeps the
// order in which things were printed. The supervisor records its pid and start time
// (state.json, phase running), runs the VM through `runVm` -- uk run's own foreground code,
// which stops the VM on SIGTERM -- and records the exit status when the VM has ended; with
// --rm (config.autoRemove) it then removes the instance, once `uk wait`ers have read it.
#pragma once

#include <functional>

#include <uk/loader/instance_store.h>

namespace uk::loader {

struct DetachOutcome {
    // false in the process that called startDetached (the supervisor has recorded itself);
    // true in the supervisor once the VM has ended: the caller must then return `status`
    // from its command without printing anything else.
    bool inSupervisor = false;
    int status = 0;
    Instance instance;
};

// Throws NameConflict when the name is taken, Error when the supervisor could not start
// (with what it said, and nothing left behind). `runVm` runs in the supervisor, given the
// instance (its directory and id).
DetachOutcome startDetached(const InstanceStore& store, InstanceConfig config,
                            const std::function<int(const Instance&)>& runVm);

} // namespace uk::loader
