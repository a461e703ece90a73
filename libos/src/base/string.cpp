// The memory and string primitives the compiler may call implicitly. The library OS is
// prelinked with its symbols localized, so these never collide with the application's libc.
#include <stddef.h>
#include <stdint.h>

extern "C" {

// Eight bytes at a time, then the tail: `rep movsb` is fast on modern hardware but runs a
// byte at a time under QEMU's TCG, which made unpacking a root file system 2.5x slower.
// Forward copying is also right for overlapping ranges with dst below src (memmove).
void* memcpy(void* dst, const void* src, size_t n) {
    void* ret = dst;
    size_t words = n / 8;
    size_t tail = n % 8;
    asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
    return ret;
}

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) {
        return dst;
    }
    if (d < s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    // Overlapping with dst above src: copy backwards.
    unsigned char* dEnd = d + n - 1;
    const unsigned char* sEnd = s + n - 1;
    asm volatile("std; rep movsb; cld" : "+D"(dEnd), "+S"(sEnd), "+c"(n) : : "memory");
    return dst;
}

void* memset(void* dst, int c, size_t n) {
    void* ret = dst;
    uint64_t pattern = 0x0101010101010101ull * static_cast<uint8_t>(c);
    size_t words = n / 8;
    size_t tail = n % 8;
    asm volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(pattern) : "memory");
    return ret;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n] != 0) {
        ++n;
    }
    return n;
}

// For lwIP (its freestanding port, libos/src/net/lwip_port/freestanding).
int strncmp(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x != y || x == 0) {
            return x < y ? -1 : x > y ? 1 : 0;
        }
    }
    return 0;
}

int strcmp(const char* a, const char* b) {
    return strncmp(a, b, ~size_t{0});
}

int atoi(const char* s) {
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) {
        ++s;
    }
    bool negative = *s == '-';
    if (*s == '-' || *s == '+') {
        ++s;
    }
    int v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    return negative ? -v : v;
}

} // extern "C"
