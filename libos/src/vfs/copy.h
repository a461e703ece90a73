// Bulk copies of file data. The library OS's memcpy/memset are `rep movsb`/`rep stosb`,
// which QEMU's TCG emulates a byte at a time; moving eight bytes at a time is several times
// faster there (about 2.5x for unpacking a 50 MB initrd), and file data (the initrd, reads
// and writes, pipe buffers, private copies of mapped pages) is most of what the library OS
// copies. On the host (unit tests) these are the ordinary functions.
#pragma once

#include <stddef.h>

namespace uk::vfs {

inline void copyData(void* dst, const void* src, size_t n) {
#if defined(UK_GUEST)
    size_t words = n / 8;
    size_t rest = n % 8;
    asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
#else
    __builtin_memcpy(dst, src, n);
#endif
}

inline void zeroData(void* dst, size_t n) {
#if defined(UK_GUEST)
    size_t words = n / 8;
    size_t rest = n % 8;
    asm volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(0ul) : "memory");
    asm volatile("rep stosb" : "+D"(dst), "+c"(rest) : "a"(0ul) : "memory");
#else
    __builtin_memset(dst, 0, n);
#endif
}

} // namespace uk::vfs
