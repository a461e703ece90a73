// System call dispatch: the table built from the UK_SYSCALL registrations, unknown-number
// handling and strace.
#pragma once

#include <stdint.h>
#include <uk/arch/trap.h>

#include "syscall.h"

namespace uk::sys {

// Builds the dispatch table from the linker section. Panics on a duplicate registration.
void initDispatch(bool strace);
long dispatch(arch::SyscallFrame& frame);
const SyscallDesc* lookup(unsigned number);
size_t registeredCount();
// For calls that succeed without returning (execve): prints the strace line of the call in
// progress with `result`, if strace is on.
void traceSuccessWithoutReturn(long result);

} // namespace uk::sys
