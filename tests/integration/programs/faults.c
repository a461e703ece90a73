/* CPU faults and crash paths, one per mode (argv[1]). Each mode's function is noinline so
   the symbolized backtrace names it. */
#include <signal.h>
#include <sys/time.h>
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

/* glibc's abort() ends in this when SIGABRT does not end the process. */
__attribute__((noinline)) void halt_loop(void) {
    for (;;)
        __asm__ volatile("hlt");
}

/* A loop whose first instruction follows `movb $0xf4, %al` in memory: the byte before it is
   0xf4, the same byte as `hlt`, and the loop's back edge lands there every iteration. Timer
   interrupts (1 ms itimer ticks) that arrive there must not be taken for a halted program. */
__attribute__((noinline)) long busy_f4_loop(long n) {
    long acc = 0;
    __asm__ volatile("movb $0xf4, %%al\n\t"
                     "1:\n\t"
                     "addq %1, %0\n\t"
                     "rolq $3, %0\n\t"
                     "decq %1\n\t"
                     "jne 1b\n\t"
                     : "+r"(acc), "+r"(n)
                     :
                     : "cc", "rax");
    return acc;
}

static void on_tick(int sig) {
    (void)sig;
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
    else if (!strcmp(mode, "halt"))
        halt_loop();
    else if (!strcmp(mode, "busy-f4")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_tick;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval every_ms = {{0, 1000}, {0, 1000}};
        setitimer(ITIMER_REAL, &every_ms, NULL);
        long total = 0;
        for (int i = 0; i < 40; ++i)
            total += busy_f4_loop(2000000);
        printf("busy loop done %d\n", total != 0);
        return 0;
    } else if (!strcmp(mode, "raise-term"))
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
