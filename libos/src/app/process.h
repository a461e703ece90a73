// The application: its command line, environment and auxiliary vector, its start, and its
// end.
#pragma once

#include <stdint.h>

namespace uk {
class CommandLine;
}

namespace uk::app {

// Builds argv (image Entrypoint + command-line args or image Cmd), envp (image Env, then
// uk.env options) and the auxiliary vector, creates the main thread's stack and jumps to
// the application's entry point. Never returns.
[[noreturn]] void start(const CommandLine& cmdline);

// Ends the application with a shell-style status (0-255) and stops the machine. Exit hooks
// run first, in the exiting thread (they may sleep briefly).
[[noreturn]] void exitProcess(int status);

// Registers something to finish before the machine stops (the network stack delivering
// what the application sent before it exited). At most a few; registered once each.
void addExitHook(void (*hook)());

// The process id (and the main thread's id).
inline constexpr int kPid = 1;

} // namespace uk::app
