// The console: the application's stdin, stdout and stderr, and the library OS's own
// messages, on the serial line.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::tty {

// Starts interrupt-driven input. With `escapedInput` the host frames input so that end of
// file can be signalled (uk.stdin=escaped, which uk run sets).
void init(bool escapedInput);

void write(const char* data, size_t size);

// Reads up to `size` bytes. Blocks until at least one byte or end of file unless
// `nonBlocking`. Returns the count, 0 at end of file, or -EAGAIN.
long read(char* out, size_t size, bool nonBlocking);

} // namespace uk::tty
