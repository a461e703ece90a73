// Console output of the library OS itself: boot log (uk.verbose), warnings, fatal reports.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace uk::log {

using Sink = void (*)(const char* data, size_t size);
void setSink(Sink sink);

// Raw bytes to the console (the application's stdout/stderr go through here too).
void write(const char* data, size_t size);

void setVerbose(bool on);
bool verbose();

// "[uk] " + message + newline, always shown. For things the user must see (warnings,
// unknown syscalls, faults).
void notice(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Same, only with uk.verbose.
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void noticeV(const char* fmt, va_list ap);

// Prints a frame-pointer backtrace starting at (rip, rbp), one line per frame in the format
// uk run symbolizes (uk/image_format.h, kBacktracePrefix). `readable` says whether a word
// may be read without faulting.
void backtrace(uint64_t rip, uint64_t rbp, bool (*readable)(uint64_t addr));

// Prints "[uk] panic: ...", a backtrace of the caller, reports "panic" to the host and stops.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace uk::log
