// glibc's _FORTIFY_SOURCE entry points that Debian's libc++, libc++abi and libunwind call
// (they were compiled against glibc with fortification on). Each checks the bound the
// compiler computed, as glibc does, and otherwise does what the unchecked function does.
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "ukrt_internal.h"

// glibc's message for the same failure.
static _Noreturn void bufferOverflow(void) {
    __ukrt_fatal("buffer overflow detected");
}

void* __memmove_chk(void* dest, const void* src, size_t len, size_t destlen) {
    if (destlen < len) {
        bufferOverflow();
    }
    return memmove(dest, src, len);
}

// For the wide functions both sizes count wchar_t elements, not bytes.
wchar_t* __wmemcpy_chk(wchar_t* dest, const wchar_t* src, size_t n, size_t destlen) {
    if (destlen < n) {
        bufferOverflow();
    }
    return wmemcpy(dest, src, n);
}

wchar_t* __wmemmove_chk(wchar_t* dest, const wchar_t* src, size_t n, size_t destlen) {
    if (destlen < n) {
        bufferOverflow();
    }
    return wmemmove(dest, src, n);
}

// `flag` is the fortify level; glibc uses it only to refuse %n in writable format strings,
// which musl's printf cannot tell apart. The calls from libc++ use constant formats.
int __vfprintf_chk(FILE* stream, int flag, const char* format, va_list ap) {
    (void)flag;
    return vfprintf(stream, format, ap);
}

int __fprintf_chk(FILE* stream, int flag, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = __vfprintf_chk(stream, flag, format, ap);
    va_end(ap);
    return n;
}

// `maxlen` is what the caller claims the buffer holds, `slen` what the compiler knows it
// holds.
int __vsnprintf_chk(char* s, size_t maxlen, int flag, size_t slen, const char* format, va_list ap) {
    (void)flag;
    if (slen < maxlen) {
        bufferOverflow();
    }
    return vsnprintf(s, maxlen, format, ap);
}

int __vasprintf_chk(char** result, int flag, const char* format, va_list ap) {
    (void)flag;
    return vasprintf(result, format, ap);
}
