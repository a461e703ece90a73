// The console: the application's stdin, stdout and stderr, and the library OS's own
// messages, on the serial line.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::sched {
class WaitQueue;
}

namespace uk::tty {

// Starts interrupt-driven input. With `escapedInput` the host frames input so that end of
// file can be signalled (uk.stdin=escaped, which uk run sets).
void init(bool escapedInput);

// The start gate (uk.gate). closeStartGate() before the first process exists: signals from
// the host are held for waitAtStartGate(), which blocks until the host's start and returns
// 0 with `words` set to the words that came with it ("" for none), or returns the number of
// the signal that came first (one that would end a process with default dispositions).
void closeStartGate();
int waitAtStartGate(const char** words);
// Called (in the interrupt handler) when a signal from the host comes before the start.
void onSignalBeforeStart(void (*fn)());

void write(const char* data, size_t size);

// Reads up to `size` bytes. Blocks (on the input queue, so other threads run) until at
// least one byte or end of file unless `nonBlocking`. Returns the count, 0 at end of file,
// -EAGAIN, or -vfs::kRestartSys when a signal came first.
long read(char* out, size_t size, bool nonBlocking);

// Bytes that a read would return now; whether end of file has been seen.
size_t buffered();
bool atEof();
// Woken whenever input arrives or ends (for blocking reads and poll).
sched::WaitQueue& inputQueue();

// Registers the console as character devices 5:1 (/dev/console), 5:0 (/dev/tty) and 4:64
// (ttyS0) with the VFS.
void registerDevices();

} // namespace uk::tty
