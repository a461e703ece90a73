// The start gate (uk.gate): a container's create boots the guest, its start lets the program
// go. In between, the program runs ahead: the library OS enters it at once, and it runs until
// its first system call not registered with UK_SYSCALL_BEFORE_START (one whose effects could
// reach outside the guest, or whose result could depend on what the start brings), and that
// call waits for the start. Under TCG a program's start-up code (its C library's, its
// runtime's) costs milliseconds of translation; made during create, they are no longer
// between the start and the program's first output. Under KVM they cost microseconds
// either way.
//
// Nothing the program does before the start shows outside the guest: a program that
// computes for longer than the run-ahead budget, that a signal from the host reaches before
// the start, or that faults (with no handler of its own), is parked at its next return from
// the interrupt or exception, and goes on (or faults again, reported then) after the start.
#pragma once

namespace uk::app::gate {

extern bool g_armed;

// At boot, with uk.gate, just before entering the program.
void arm();

// Whether the program has yet to pass the gate.
inline bool armed() {
    return g_armed;
}

// When armed: waits for the start and applies the settings that came with it, or ends the
// run with 128 + N when signal N came first. `why` names what brought the program here (a
// system call's name, say), for the boot log. Runs on the current thread's stack in thread
// context (a system call, or the return from an interrupt), never in an interrupt handler.
void pass(const char* why);

// When armed: parks the program at its next return to it (from this interrupt or
// exception), where pass(why) runs. For a fault ahead of the start: the faulting instruction
// runs again after the start, and faults then, reported as usual.
void parkAtNextReturn(const char* why);

} // namespace uk::app::gate
