/* Programs that do something before their first system call, for the start gate's run
   ahead (libos/src/app/start_gate.h): argv[1] is the mode.
     compute  spins for about 4e9 TSC ticks (1-2 s) without a system call, then prints
     null     writes through a null pointer before anything else
   musl's start-up makes only calls that may run ahead of the start (arch_prctl,
   set_tid_address), so each mode's first outside call is the one below. */
#include <unistd.h>
#include <x86intrin.h>

__attribute__((noinline)) static void crash_null_write(volatile int* p) {
    *p = 42;
}

static int same(const char* a, const char* b) {
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    if (same(mode, "compute")) {
        unsigned long long start = __rdtsc();
        while (__rdtsc() - start < 4000000000ull) {
        }
        write(1, "computed\n", 9);
        return 0;
    }
    if (same(mode, "null")) {
        crash_null_write(0);
    }
    write(1, "unknown mode\n", 13);
    return 2;
}
