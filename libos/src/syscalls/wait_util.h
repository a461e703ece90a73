// Shared by the calls that wait for descriptors (poll.cpp, epoll.cpp): the temporary signal
// mask of ppoll, pselect6 and epoll_pwait, and timeouts read from the application.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../time/timespec.h"

namespace uk::sys {

// The mask a call puts in place while it waits. If the wait ends with EINTR, the original
// mask comes back only after the signal's handler has run (the signal frame records it), so
// a signal unblocked just for the call is delivered, not left pending: what makes pselect
// and ppoll free of the race between unblocking and waiting. Any other result restores
// the original mask at once, as Linux's restore_saved_sigmask_unless does.
class CallSigmask {
public:
    // Reads a sigset_t of `size` bytes (which must be 8) at `user` and installs it; nothing
    // to do for null. 0, -EINVAL or -EFAULT.
    long install(const void* user, size_t size);
    // The call's result, after restoring the mask unless it is an interruption.
    long finish(long result);

private:
    bool installed_ = false;
};

// A relative timeout from a user timespec: *deadline is on CLOCK_MONOTONIC (0: none, for a
// null pointer), *poll is true for a zero timeout (look once, never sleep). 0, -EFAULT or
// -EINVAL.
long readTimeout(const void* user, uint64_t* deadline, bool* poll);

// Writes the time left until `deadline` back into the timespec at `user` (ppoll, pselect6:
// Linux updates it so that a restarted call waits only for the rest). Does nothing for a
// null pointer, no deadline or a zero timeout; a write fault is ignored, as on Linux.
void writeTimeLeft(void* user, uint64_t deadline, bool timeval);

} // namespace uk::sys
