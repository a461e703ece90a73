// Locale objects laid out the way Debian's glibc-built libc++ expects.
//
// libc++ compiled against glibc does not ask for the C locale's character tables: it reads
// them straight out of glibc's struct __locale_struct, at fixed offsets, in
// ctype<char>::classic_table() and the classic toupper/tolower tables. A musl locale_t is a
// smaller, different structure, so those reads would return garbage and the first
// std::isspace(c, loc) or `std::cin >> n` would crash. uk's copy of libc++.a calls these
// functions instead of newlocale and freelocale (see CMakeLists.txt), so each locale object
// libc++ creates is a CompatLocale: musl's own structure first (all that musl's functions
// read, so libc++ can pass it to isalpha_l, strtod_l, uselocale, ...), then glibc's table
// pointers at glibc's offsets, filled from the glibc-compatible tables musl exports.
// Locales the application itself creates are plain musl ones.
#define _GNU_SOURCE
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

const unsigned short** __ctype_b_loc(void);
const int32_t** __ctype_tolower_loc(void);
const int32_t** __ctype_toupper_loc(void);

locale_t __ukrt_newlocale(int mask, const char* name, locale_t base);
void __ukrt_freelocale(locale_t locale);

// glibc (x86_64): struct __locale_struct { struct __locale_data* __locales[13];
// const unsigned short* __ctype_b; const int* __ctype_tolower; const int* __ctype_toupper;
// const char* __names[13]; }. musl's structure (one pointer per category, six of them)
// lives in the space of __locales.
struct CompatLocale {
    void* categories[13];
    const unsigned short* ctypeB;
    const int32_t* ctypeTolower;
    const int32_t* ctypeToupper;
    const char* names[13];
};
_Static_assert(offsetof(struct CompatLocale, ctypeB) == 0x68, "glibc's __ctype_b offset");
_Static_assert(offsetof(struct CompatLocale, ctypeTolower) == 0x70, "glibc's __ctype_tolower");
_Static_assert(offsetof(struct CompatLocale, ctypeToupper) == 0x78, "glibc's __ctype_toupper");

locale_t __ukrt_newlocale(int mask, const char* name, locale_t base) {
    if (base != (locale_t)0) {
        // One of ours (libc++ passes back only what it got from here): musl changes a
        // locale it did not build itself in place, leaving the glibc fields alone.
        return newlocale(mask, name, base);
    }
    // Zero-filled is musl's C locale; musl then fills in the categories `mask` names, in
    // place for the same reason.
    struct CompatLocale* locale = calloc(1, sizeof *locale);
    if (locale == NULL) {
        return (locale_t)0;
    }
    locale->ctypeB = *__ctype_b_loc();
    locale->ctypeTolower = *__ctype_tolower_loc();
    locale->ctypeToupper = *__ctype_toupper_loc();
    if (newlocale(mask, name, (locale_t)locale) != (locale_t)locale) {
        free(locale); // musl failed (an unknown locale name) and set errno
        return (locale_t)0;
    }
    return (locale_t)locale;
}

void __ukrt_freelocale(locale_t locale) {
    // Allocated above with calloc; musl's freelocale would use its internal allocator.
    if (locale != (locale_t)0 && locale != LC_GLOBAL_LOCALE) {
        free(locale);
    }
}
