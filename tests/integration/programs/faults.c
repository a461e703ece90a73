/* CPU faults and crash paths, one per mode (argv[1]). Each mode's function is noinline so
   the symbolized backtrace names it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__attribute__((noinline)) void crash_null_write(volatile int* p) {
    *p = 42;
}

__attribute__((noinline)) int recurse_forever(int n) {
    volatile char frame[512];
    frame[0] = (char)n;
    return recurse_forever(n + 1) + frame[0];
}

__attribute__((noinline)) int divide(int a, int b) {
    return a / b;
}

__attribute__((noinline)) void write_read_only(void) {
    char* p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    mprotect(p, 4096, PROT_READ);
    p[0] = 2;
}

__attribute__((noinline)) void execute_data(void) {
    static unsigned char code[] = {0xc3}; /* ret, in a non-executable data page */
    ((void (*)(void))code)();
}

__attribute__((noinline)) void illegal_instruction(void) {
    __builtin_trap();
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    printf("fault test: %s\n", mode);
    fflush(stdout);
    if (!strcmp(mode, "null"))
        crash_null_write(NULL);
    else if (!strcmp(mode, "stack"))
        return recurse_forever(0);
    else if (!strcmp(mode, "divide"))
        return divide(1, argc - 2);
    else if (!strcmp(mode, "readonly"))
        write_read_only();
    else if (!strcmp(mode, "nx"))
        execute_data();
    else if (!strcmp(mode, "ud2"))
        illegal_instruction();
    else if (!strcmp(mode, "abort"))
        abort();
    else if (!strcmp(mode, "raise-term"))
        raise(SIGTERM);
    else if (!strcmp(mode, "ignored")) {
        signal(SIGTERM, SIG_IGN);
        raise(SIGTERM);
        puts("survived");
        return 0;
    } else {
        printf("unknown mode\n");
        return 2;
    }
    printf("not reached\n");
    return 1;
}
