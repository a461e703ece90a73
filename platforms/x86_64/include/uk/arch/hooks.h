// The few services the platform layer needs from the library OS above it. The platform
// declares them; the library OS defines them. Nothing else in platforms/ calls upward.
#pragma once

#include <stdint.h>

namespace uk::arch {
struct TrapFrame;
struct SyscallFrame;
} // namespace uk::arch

namespace uk::arch::hooks {

// Stops the machine after printing the message (and a backtrace) on the console.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A warning from the platform layer, always shown.
void log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A CPU exception (vectors 0-31). Returns if the frame may be resumed.
void exception(TrapFrame& frame);

// Every exception and interrupt ends here, just before its frame is resumed. The library OS
// may edit the frame (deliver a signal) or move it to the current thread's kernel stack and
// return the new place, to switch threads there: the entry code then runs preempt() on that
// stack (interrupts still off) before resuming whatever preempt() leaves in the frame.
TrapFrame* trapExit(TrapFrame& frame);
void preempt(TrapFrame& frame);

// A thread made by initialContext runs for the first time; its frame is resumed after this.
void threadStarted(TrapFrame& frame);

// A system call; the return value goes back in %rax.
long syscall(SyscallFrame& frame);

} // namespace uk::arch::hooks
