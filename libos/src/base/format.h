// printf-style formatting for the library OS (no libc underneath). Supports the subset the
// kernel uses: %c %s %d %i %u %x %X %o %p %%, flags '-' '0' '#' and ' ', width and
// precision (also as *), and the length modifiers hh h l ll z j t.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace uk {

// Like vsnprintf: writes at most cap-1 characters and a terminating NUL (if cap > 0) and
// returns the length the full output would have had.
size_t formatV(char* buf, size_t cap, const char* fmt, va_list ap);
size_t format(char* buf, size_t cap, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

} // namespace uk
