/* System calls a C program leans on: memory, time, identity, random, unknown numbers. Prints
   one "ok NAME" line per check, or "FAIL NAME: why"; exits non-zero if anything failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(name, cond, ...)                                                                     \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok %s\n", name);                                                               \
        } else {                                                                                   \
            printf("FAIL %s: ", name);                                                             \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static long elapsed_ns(struct timespec a, struct timespec b) {
    return (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
}

int main(void) {
    /* brk directly (musl's sbrk only reports), then malloc, small and large */
    char* cur = (char*)syscall(SYS_brk, 0);
    char* grown = (char*)syscall(SYS_brk, cur + 8192);
    CHECK("brk", grown == cur + 8192, "brk %p -> %p", (void*)cur, (void*)grown);
    if (grown == cur + 8192) {
        cur[8191] = 1;
        CHECK("brk-shrink", (char*)syscall(SYS_brk, cur) == cur, "did not shrink");
    }
    size_t big = 64 << 20;
    char* m = malloc(big);
    CHECK("malloc-64M", m != NULL, "NULL");
    if (m) {
        memset(m, 0x5a, big);
        CHECK("malloc-64M-touch", m[0] == 0x5a && m[big - 1] == 0x5a, "bad contents");
        m = realloc(m, big * 2); /* mremap under the hood */
        CHECK("realloc-128M", m && m[big - 1] == 0x5a, "content lost");
        free(m);
    }

    /* mmap demand-zero, munmap, mprotect round trip keeps data, madvise drops it */
    char* p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mmap", p != MAP_FAILED && p[0] == 0 && p[3 * 4096 - 1] == 0, "not zero");
    p[4096] = 'x';
    CHECK("mprotect-none", mprotect(p + 4096, 4096, PROT_NONE) == 0, "errno %d", errno);
    CHECK("mprotect-back", mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE) == 0 && p[4096] == 'x',
          "data lost");
    CHECK("madvise-dontneed", madvise(p, 3 * 4096, MADV_DONTNEED) == 0 && p[4096] == 0,
          "not zeroed");
    CHECK("munmap", munmap(p, 3 * 4096) == 0, "errno %d", errno);
    CHECK("munmap-einval", munmap((void*)1, 4096) == -1 && errno == EINVAL, "errno %d", errno);
    void* fixed =
        mmap((void*)0x200000000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("mmap-fixed", fixed == (void*)0x200000000, "%p", fixed);
    CHECK("mmap-file-enodev",
          mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED && errno == ENODEV,
          "errno %d", errno);

    /* clocks and sleeping */
    struct timespec a, b, res;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = {0, 50 * 1000 * 1000};
    CHECK("nanosleep", nanosleep(&req, NULL) == 0, "errno %d", errno);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long slept = elapsed_ns(a, b);
    CHECK("nanosleep-duration", slept >= 50000000 && slept < 150000000, "slept %ld ns", slept);
    CHECK("clock_getres", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0, "bad res");
    CHECK("clock-bad-id", clock_gettime(12345, &a) == -1 && errno == EINVAL, "errno %d", errno);
    time_t now = time(NULL);
    char* expect = getenv("EXPECT_TIME");
    if (expect) {
        long diff = (long)now - atol(expect);
        CHECK("realtime", diff > -30 && diff < 30, "guest %ld host %s", (long)now, expect);
    }

    /* identity and limits */
    struct utsname u;
    CHECK("uname", uname(&u) == 0 && !strcmp(u.sysname, "Linux") && !strcmp(u.machine, "x86_64"),
          "%s", u.sysname);
    CHECK("getpid", getpid() == 1 && getppid() == 0, "%d", getpid());
    CHECK("getuid", getuid() == 0 && geteuid() == 0 && getgid() == 0, "not root");
    struct rlimit rl;
    CHECK("getrlimit-stack", getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8u << 20, "%lu",
          (unsigned long)rl.rlim_cur);
    char cwd[64];
    CHECK("getcwd", getcwd(cwd, sizeof cwd) && !strcmp(cwd, "/"), "cwd");

    /* randomness */
    unsigned char r1[32], r2[32];
    CHECK("getrandom",
          getrandom(r1, sizeof r1, 0) == 32 && getrandom(r2, sizeof r2, 0) == 32 &&
              memcmp(r1, r2, 32) != 0,
          "same bytes");

    /* bad pointers give EFAULT, not a crash */
    CHECK("efault", write(1, (void*)0x10, 5) == -1 && errno == EFAULT, "errno %d", errno);
    CHECK("ebadf", write(7, "x", 1) == -1 && errno == EBADF, "errno %d", errno);

    /* an unknown system call: ENOSYS, and the program goes on */
    long r = syscall(333);
    CHECK("enosys", r == -1 && errno == ENOSYS, "r %ld errno %d", r, errno);
    r = syscall(333);
    CHECK("enosys-again", r == -1 && errno == ENOSYS, "r %ld", r);

    printf("%s\n", failures ? "SOME CHECKS FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
