// What the process code may call into the timer calls (syscalls/timers.cpp).
#pragma once

namespace uk::sys {

// Deletes every POSIX timer (timer_create) of process `pid`: at execve and when the process
// ends, as on Linux.
void deletePosixTimers(int pid);

} // namespace uk::sys
