// The *_l functions Debian's libc++ calls that musl does not have. musl supports only the
// C and C.UTF-8 locales, which parse numbers the same way, so the locale is ignored.
#define _GNU_SOURCE
#include <locale.h>
#include <stdlib.h>

long long strtoll_l(const char* restrict s, char** restrict end, int base, locale_t locale) {
    (void)locale;
    return strtoll(s, end, base);
}

unsigned long long strtoull_l(const char* restrict s, char** restrict end, int base,
                              locale_t locale) {
    (void)locale;
    return strtoull(s, end, base);
}
