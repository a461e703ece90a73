// The few C library functions lwIP calls, for its freestanding guest build; the library OS
// defines them (libos/src/base/string.cpp).
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strncmp(const char* a, const char* b, size_t n);
int strcmp(const char* a, const char* b);
#ifdef __cplusplus
}
#endif
