// lwIP's compiler and platform port for uk: the guest build is freestanding (no libc), the
// host build (unit tests) uses the host's libc.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifndef BYTE_ORDER // the host's <endian.h> may have it already
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_INTTYPES_H 1
#if defined(UK_GUEST)
#define LWIP_NO_UNISTD_H 1 // no ssize_t: lwIP's arch.h makes its own (SSIZE_MAX is unset)
#endif
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#ifdef __cplusplus
extern "C" {
#endif
// Provided by the library OS (uk_lwip_port.cpp) or the test harness.
void uk_lwip_diag(const char* message);
void uk_lwip_assert(const char* message, const char* file, int line);
uint32_t uk_lwip_rand(void);
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x) uk_lwip_diag("lwip diagnostic")
#define LWIP_PLATFORM_ASSERT(x) uk_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() uk_lwip_rand()
