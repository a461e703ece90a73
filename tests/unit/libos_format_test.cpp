// uk::format must agree with the C library's snprintf on everything the kernel uses.
#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>

#include "base/format.h"

namespace {

template <typename... Args>
void check(const char* fmt, Args... args) {
    char ours[256];
    char libc[256];
    size_t n = uk::format(ours, sizeof ours, fmt, args...);
    int m = std::snprintf(libc, sizeof libc, fmt, args...);
    CAPTURE(fmt);
    CHECK(std::string(ours) == std::string(libc));
    CHECK(n == static_cast<size_t>(m));
}

} // namespace

TEST_CASE("format: integers in every base, width and flag") {
    check("%d %i %u", 0, -42, 42u);
    check("%d", INT_MIN);
    check("%ld %lu", LONG_MIN, ULONG_MAX);
    check("%lld %llu", LLONG_MIN, ULLONG_MAX);
    check("%zu %zd", size_t{12345}, ptrdiff_t{-7});
    check("%x %X %o", 0xbeefu, 0xbeefu, 0755u);
    check("%#x %#X %#o %#x", 0xbeefu, 0xbeefu, 0755u, 0u);
    check("%016lx|%-8d|%8d|%08d|%+d|% d", 0xdeadbeeful, 5, 5, -5, 5, 5);
    check("%.3d|%8.3d|%-8.3d|%.0d", 7, 7, 7, 0);
    check("%*d|%-*d|%.*d", 6, 1, 6, 1, 4, 9);
}

TEST_CASE("format: strings, characters and pointers") {
    check("[%s] [%10s] [%-10s] [%.2s] [%*.*s]", "abc", "abc", "abc", "abc", 6, 2, "abc");
    check("%c%c%3c%-3c|", 'a', 'b', 'c', 'd');
    check("%%%d%%", 100);
    check("%p", reinterpret_cast<void*>(0x1234));
    char out[32];
    uk::format(out, sizeof out, "%s", static_cast<const char*>(nullptr));
    CHECK(std::string(out) == "(null)");
}

TEST_CASE("format: truncation behaves like snprintf") {
    char small[8];
    size_t n = uk::format(small, sizeof small, "%s", "0123456789");
    CHECK(n == 10);
    CHECK(std::string(small) == "0123456");
    CHECK(uk::format(nullptr, 0, "%d", 12345) == 5);
    char one[1] = {'x'};
    CHECK(uk::format(one, 1, "abc") == 3);
    CHECK(one[0] == 0);
}
