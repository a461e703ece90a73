/* /proc, /dev and /sys on uk, file-backed mmap (private and shared), and the calls that
   report on file systems and memory. Prints "ok NAME" per check or "FAIL NAME: why". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "checks.h"

/* The number after "KEY:" in a /proc file, or -1. */
static long field(const char* text, const char* key) {
    const char* p = strstr(text, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void proc(void) {
    char* heap = malloc(100000); /* so that there is a heap in the maps */
    heap[0] = 1;
    const char* maps = slurp("/proc/self/maps");
    unsigned long lo, hi;
    char perms[8];
    CHECK("maps-format", sscanf(maps, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo < hi, "[%.80s]",
          maps);
    CHECK("maps-stack", strstr(maps, "[stack]") != NULL, "%s", maps);
    unsigned long sp = (unsigned long)&lo;
    int stackLine = 0;
    for (const char* line = maps; *line; line = strchr(line, '\n') + 1) {
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= sp && sp < hi &&
            strstr(line, "[stack]") != NULL && strchr(line, '\n') > strstr(line, "[stack]")) {
            stackLine = 1;
        }
        if (!strchr(line, '\n')) {
            break;
        }
    }
    CHECK("maps-stack-holds-sp", stackLine, "sp %lx", sp);
    free(heap);

    const char* mem = slurp("/proc/meminfo");
    long total = field(mem, "MemTotal:"), avail = field(mem, "MemAvailable:");
    CHECK("meminfo", total > 100000 && total <= 131072 && avail > 0 && avail < total,
          "total %ld avail %ld", total, avail);
    const char* cpu = slurp("/proc/cpuinfo");
    CHECK("cpuinfo",
          strstr(cpu, "processor\t: 0\n") && strstr(cpu, "\nflags\t\t: fpu ") &&
              strstr(cpu, " sse2") && strstr(cpu, "vendor_id\t: "),
          "[%.200s]", cpu);
    const char* status = slurp("/proc/self/status");
    CHECK("status",
          strstr(status, "\nPid:\t1\n") && field(status, "Threads:") == 1 &&
              field(status, "VmRSS:") > 0,
          "[%.200s]", status);
    char path[PATH_MAX] = {0};
    CHECK("self-link", readlink("/proc/self", path, sizeof path) == 1 && path[0] == '1', "[%s]",
          path);
    memset(path, 0, sizeof path);
    CHECK("self-exe", readlink("/proc/self/exe", path, sizeof path) > 0 && path[0] == '/', "[%s]",
          path);
    int fd = open("/proc/self/cmdline", O_RDONLY);
    char cmd[256] = {0};
    ssize_t n = read(fd, cmd, sizeof cmd);
    close(fd);
    CHECK("cmdline",
          n > 0 && strcmp(cmd, "files_proc") == 0 &&
              strcmp(cmd + strlen(cmd) + 1, "first-arg") == 0,
          "[%s] %zd", cmd, n);
    CHECK("comm", strcmp(slurp("/proc/self/comm"), "files_proc\n") == 0, "[%s]",
          slurp("/proc/self/comm"));
    CHECK("mounts",
          strstr(slurp("/proc/mounts"), "proc /proc proc ") != NULL &&
              strstr(slurp("/proc/mounts"), "rootfs / ramfs rw") != NULL,
          "[%s]", slurp("/proc/mounts"));
    CHECK("uptime", strchr(slurp("/proc/uptime"), '.') != NULL, "");
    CHECK("stat-btime", field(slurp("/proc/stat"), "btime ") > 1000000000, "[%s]",
          slurp("/proc/stat"));

    DIR* d = opendir("/proc/self/fd");
    int fds = 0, dirFd = d ? dirfd(d) : -1, sawDir = 0;
    struct dirent* e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            fds++;
            sawDir |= atoi(e->d_name) == dirFd && e->d_type == DT_LNK;
        }
    }
    if (d) {
        closedir(d);
    }
    CHECK("proc-fd-list", fds == 4 && sawDir, "fds %d", fds);
    int p[2];
    pipe(p);
    memset(path, 0, sizeof path);
    readlink("/proc/self/fd/3", path, sizeof path);
    CHECK("proc-fd-pipe", strncmp(path, "pipe:[", 6) == 0, "[%s]", path);
    /* Opening /proc/self/fd/N opens what the descriptor refers to, even a pipe. */
    int again = open("/proc/self/fd/4", O_WRONLY);
    char c = 0;
    CHECK("proc-fd-reopen",
          again >= 0 && write(again, "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z', "fd %d",
          again);
    close(again);
    close(p[0]);
    close(p[1]);
    CHECK("sys-cpu-online", strcmp(slurp("/sys/devices/system/cpu/online"), "0\n") == 0, "[%s]",
          slurp("/sys/devices/system/cpu/online"));
}

static void dev(void) {
    unsigned char a[32] = {0}, b[32] = {0};
    int fd = open("/dev/urandom", O_RDONLY);
    CHECK("urandom",
          fd >= 0 && read(fd, a, 32) == 32 && read(fd, b, 32) == 32 && memcmp(a, b, 32) != 0, "");
    int nonzero = 0;
    for (int i = 0; i < 32; ++i) {
        nonzero |= a[i];
    }
    CHECK("urandom-not-zero", nonzero, "");
    close(fd);
    CHECK("dev-null", strcmp(slurp("/dev/null"), "") == 0, "");
    fd = open("/dev/zero", O_RDONLY);
    memset(a, 1, sizeof a);
    CHECK("dev-zero", read(fd, a, 32) == 32 && a[0] == 0 && a[31] == 0, "");
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    CHECK("dev-full", write(fd, "x", 1) == -1 && errno == ENOSPC, "");
    close(fd);
    struct stat st;
    CHECK("dev-null-node",
          stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
              minor(st.st_rdev) == 3,
          "");
    fd = open("/dev/stdout", O_WRONLY);
    CHECK("dev-stdout", fd >= 0 && write(fd, "written via /dev/stdout\n", 24) == 24, "fd %d", fd);
    close(fd);
    CHECK("dev-shm", mkdir("/dev/shm/x", 0700) == 0 && rmdir("/dev/shm/x") == 0, "");
    CHECK("dev-tty", open("/dev/tty", O_RDWR) >= 0 && isatty(open("/dev/console", O_RDWR)), "");
}

static void mapping(void) {
    long page = sysconf(_SC_PAGESIZE);
    int fd = open("/tmp/mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char* data = malloc(3 * page);
    for (long i = 0; i < 3 * page; ++i) {
        data[i] = (char)('a' + i % 26);
    }
    write(fd, data, 3 * page - 100);
    char* priv = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK("mmap-private",
          priv != MAP_FAILED && memcmp(priv, data, 3 * page - 100) == 0 && priv[3 * page - 1] == 0,
          "");
    priv[0] = '#';
    char c = 0;
    CHECK("mmap-private-stays-private", pread(fd, &c, 1, 0) == 1 && c == 'a', "c=%c", c);
    char* shared = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
    CHECK("mmap-shared", shared != MAP_FAILED && shared[0] == data[page], "");
    shared[1] = '!';
    CHECK("mmap-shared-write-visible", pread(fd, &c, 1, page + 1) == 1 && c == '!', "c=%c", c);
    pwrite(fd, "@", 1, page + 2);
    CHECK("mmap-shared-sees-write", shared[2] == '@', "");
    CHECK("mmap-maps-path", strstr(slurp("/proc/self/maps"), " /tmp/mapped\n") != NULL, "");
    CHECK("msync", msync(shared, page, MS_SYNC) == 0, "");
    CHECK("mprotect-file", mprotect(shared, page, PROT_READ) == 0 && shared[1] == '!', "");
    CHECK("munmap-file", munmap(shared, 2 * page) == 0 && munmap(priv, 3 * page) == 0, "");
    CHECK("mmap-after-unmap", pread(fd, &c, 1, page + 1) == 1 && c == '!', "");
    int ro = open("/tmp/mapped", O_RDONLY);
    CHECK("mmap-shared-write-needs-write",
          mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
              errno == EACCES,
          "");
    close(ro);
    int initrdFd = open("/etc/greeting", O_RDONLY);
    char* g = mmap(NULL, page, PROT_READ, MAP_PRIVATE, initrdFd, 0);
    CHECK("mmap-initrd-file", g != MAP_FAILED && memcmp(g, "hello from the initrd\n", 22) == 0, "");
    CHECK("mmap-console-enodev",
          mmap(NULL, page, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED && errno == ENODEV, "");
    close(fd);
    free(data);

    int m = memfd_create("scratch", MFD_CLOEXEC);
    char path[64] = {0};
    char link[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", m);
    readlink(link, path, sizeof path);
    struct stat st;
    CHECK("memfd",
          m >= 0 && write(m, "mem", 3) == 3 && fstat(m, &st) == 0 && st.st_size == 3 &&
              strcmp(path, "/memfd:scratch (deleted)") == 0,
          "[%s]", path);
    close(m);
}

static void reports(void) {
    struct sysinfo si;
    CHECK("sysinfo",
          sysinfo(&si) == 0 && si.totalram > 100000000ul && si.freeram > 0 &&
              si.freeram < si.totalram && si.procs == 1 && si.mem_unit == 1,
          "total %lu procs %d", si.totalram, si.procs);
    struct statfs sf;
    CHECK("statfs-root", statfs("/", &sf) == 0 && sf.f_type == 0x858458f6 && sf.f_blocks > 0,
          "type %lx", (unsigned long)sf.f_type);
    CHECK("statfs-proc", statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0, "type %lx",
          (unsigned long)sf.f_type);
}

int main(int argc, char** argv) {
    (void)argc;
    (void)argv;
    proc();
    dev();
    mapping();
    reports();
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
