// The check harness of the integration test programs (files.c, files_proc.c, io_events.c,
// unix_sockets.c): one "ok NAME" or "FAIL NAME: detail (errno ...)" line per check, a
// failure count for the summary, millisecond timing helpers and a whole-file reader.
// Helpers are static inline: a program that does not use one gets no warning.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static inline void check(int ok, const char* name, const char* fmt, ...) {
    if (ok) {
        printf("ok %s\n", name);
        return;
    }
    failures++;
    printf("FAIL %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (errno %d %s)\n", errno, strerror(errno));
}

static inline long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// check() with the condition second: CHECK("name", cond, "detail %d", x).
#define CHECK(name, cond, ...) check((cond), (name), __VA_ARGS__)

// The whole file as a string (a static buffer, 64 KiB at most), or "<error>".
static inline const char* slurp(const char* path) {
    static char buf[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return "<error>";
    }
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0) {
        n += r;
    }
    close(fd);
    buf[n] = 0;
    return buf;
}
