// I/O multiplexing and event descriptors: poll/select/ppoll/pselect on pipes with timeouts
// and signals, epoll (level- and edge-triggered, one-shot, nested, woken from another
// thread), eventfd, timerfd, POSIX timers, extended attributes, prctl names and the smaller
// calls around them. Prints "ok NAME" or "FAIL NAME: detail" per check, then a summary.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

// ---- a helper thread that acts after a delay ------------------------------------------------

struct later {
    int ms;
    int fd;         // write 1 byte (or an eventfd count) here, if >= 0
    int eventfd;    // fd is an eventfd
    pthread_t kill; // or send SIGUSR1 to this thread, if sig
    int sig;
};

static void* later_fn(void* arg) {
    struct later* l = arg;
    msleep(l->ms);
    if (l->sig) {
        pthread_kill(l->kill, l->sig);
    } else if (l->eventfd) {
        uint64_t one = 1;
        write(l->fd, &one, 8);
    } else {
        write(l->fd, "x", 1);
    }
    return NULL;
}

static pthread_t start_later(struct later* l) {
    pthread_t t;
    pthread_create(&t, NULL, later_fn, l);
    return t;
}

static volatile sig_atomic_t usr1_count, alrm_count;
static void on_usr1(int sig) {
    usr1_count++;
}
static void on_alrm(int sig) {
    alrm_count++;
}

// ---- poll and select --------------------------------------------------------------------

static void test_poll(void) {
    int p[2];
    pipe(p);
    struct pollfd fds[3] = {{p[0], POLLIN, 0}, {-1, POLLIN, 0}, {1, POLLOUT, 0}};
    long long t0 = now_ms();
    int r = poll(fds, 1, 60);
    long long dt = now_ms() - t0;
    check(r == 0 && dt >= 55, "poll-timeout", "r=%d after %lld ms", r, dt);
    r = poll(fds, 3, 0);
    check(r == 1 && fds[0].revents == 0 && fds[1].revents == 0 && fds[2].revents == POLLOUT,
          "poll-stdout-writable", "r=%d revents %x %x %x", r, fds[0].revents, fds[1].revents,
          fds[2].revents);
    write(p[1], "a", 1);
    r = poll(fds, 1, 1000);
    check(r == 1 && fds[0].revents == POLLIN, "poll-readable", "r=%d revents %x", r,
          fds[0].revents);
    char c;
    read(p[0], &c, 1);
    // Woken by another thread's write while waiting without a timeout.
    struct later l = {.ms = 40, .fd = p[1]};
    pthread_t th = start_later(&l);
    t0 = now_ms();
    r = poll(fds, 1, -1);
    dt = now_ms() - t0;
    pthread_join(th, NULL);
    check(r == 1 && fds[0].revents == POLLIN && dt >= 30, "poll-woken-by-thread",
          "r=%d revents %x after %lld ms", r, fds[0].revents, dt);
    read(p[0], &c, 1);
    close(p[1]);
    r = poll(fds, 1, 1000);
    check(r == 1 && fds[0].revents == POLLHUP, "poll-hangup", "r=%d revents %x", r, fds[0].revents);
    close(p[0]);
    r = poll(fds, 1, 1000);
    check(r == 1 && fds[0].revents == POLLNVAL, "poll-nval", "r=%d revents %x", r, fds[0].revents);
    // The write end sees POLLERR once the readers are gone.
    pipe(p);
    close(p[0]);
    struct pollfd w = {p[1], POLLOUT, 0};
    r = poll(&w, 1, 0);
    check(r == 1 && (w.revents & POLLERR), "poll-pollerr", "r=%d revents %x", r, w.revents);
    close(p[1]);
}

static void test_select(void) {
    int p[2];
    pipe(p);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {0, 300000};
    write(p[1], "z", 1);
    int r = select(p[0] + 1, &rd, NULL, NULL, &tv);
    check(r == 1 && FD_ISSET(p[0], &rd) && tv.tv_usec > 0, "select-readable",
          "r=%d set=%d left %ld us", r, FD_ISSET(p[0], &rd), (long)tv.tv_usec);
    char c;
    read(p[0], &c, 1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    fd_set wr;
    FD_ZERO(&wr);
    FD_SET(p[1], &wr);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    r = select(p[1] + 1, &rd, &wr, NULL, &tv);
    check(r == 1 && !FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr), "select-writable", "r=%d", r);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    long long t0 = now_ms();
    // The system call itself: musl's select passes a copy of the timeout, so only the raw
    // call shows Linux writing back the time left.
    r = syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv);
    long long dt = now_ms() - t0;
    check(r == 0 && !FD_ISSET(p[0], &rd) && tv.tv_sec == 0 && tv.tv_usec == 0 && dt >= 45,
          "select-timeout", "r=%d after %lld ms, left %ld us", r, dt, (long)tv.tv_usec);
    FD_ZERO(&rd);
    FD_SET(p[0] + 10, &rd);
    errno = 0;
    r = select(p[0] + 11, &rd, NULL, NULL, &tv);
    check(r == -1 && errno == EBADF, "select-ebadf", "r=%d", r);
    close(p[0]);
    close(p[1]);
}

// ppoll and pselect with SIGUSR1 blocked except while they wait: the signal sent during the
// wait interrupts it (EINTR) and its handler runs; afterwards it is blocked again.
static void test_signal_masks(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL); // no SA_RESTART
    sigset_t block, empty, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    int p[2];
    pipe(p);

    struct later l = {.ms = 40, .kill = pthread_self(), .sig = SIGUSR1};
    pthread_t th = start_later(&l);
    struct pollfd fd = {p[0], POLLIN, 0};
    struct timespec ts = {5, 0};
    errno = 0;
    int r = syscall(SYS_ppoll, &fd, 1, &ts, &empty, 8); // raw: musl's ppoll copies ts
    int e = errno;
    pthread_join(th, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    errno = e;
    check(r == -1 && e == EINTR && usr1_count == 1 && sigismember(&cur, SIGUSR1) && ts.tv_sec < 5,
          "ppoll-eintr", "r=%d usr1=%d blocked=%d left %lds", r, (int)usr1_count,
          sigismember(&cur, SIGUSR1), (long)ts.tv_sec);

    // A signal sent while blocked stays pending until pselect unblocks it.
    pthread_kill(pthread_self(), SIGUSR1);
    check(usr1_count == 1, "blocked-stays-pending", "usr1=%d", (int)usr1_count);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    long long t0 = now_ms();
    errno = 0;
    r = pselect(p[0] + 1, &rd, NULL, NULL, &ts, &empty);
    e = errno;
    long long dt = now_ms() - t0;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    errno = e;
    check(r == -1 && e == EINTR && usr1_count == 2 && dt < 1000 && sigismember(&cur, SIGUSR1),
          "pselect-eintr", "r=%d usr1=%d after %lld ms", r, (int)usr1_count, dt);

    // Ready descriptors: the call succeeds and the mask comes back without delivering.
    write(p[1], "y", 1);
    pthread_kill(pthread_self(), SIGUSR1);
    fd.revents = 0;
    r = ppoll(&fd, 1, NULL, &block);
    check(r == 1 && usr1_count == 2, "ppoll-ready-keeps-mask", "r=%d usr1=%d", r, (int)usr1_count);
    sigprocmask(SIG_UNBLOCK, &block, NULL); // delivers the pending one
    check(usr1_count == 3, "pending-delivered-on-unblock", "usr1=%d", (int)usr1_count);

    // Plain poll with a timeout, interrupted by a handler: EINTR.
    char c;
    read(p[0], &c, 1);
    struct later l2 = {.ms = 40, .kill = pthread_self(), .sig = SIGUSR1};
    th = start_later(&l2);
    errno = 0;
    r = poll(&fd, 1, 5000);
    e = errno;
    pthread_join(th, NULL);
    errno = e;
    check(r == -1 && e == EINTR && usr1_count == 4, "poll-eintr", "r=%d usr1=%d", r,
          (int)usr1_count);
    close(p[0]);
    close(p[1]);
}

// ---- epoll ----------------------------------------------------------------------------------

static void test_epoll(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    check(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC), "epoll-create1", "ep=%d", ep);
    check(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL, "epoll-create-size",
          "size 0 accepted");
    int a[2], b[2], c[2];
    pipe(a);
    pipe(b);
    pipe(c);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 100};
    epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 200;
    epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 300;
    epoll_ctl(ep, EPOLL_CTL_ADD, c[0], &ev);
    check(epoll_ctl(ep, EPOLL_CTL_ADD, c[0], &ev) == -1 && errno == EEXIST, "epoll-eexist",
          "added twice");
    int file = open("/tmp/epoll-regular", O_CREAT | O_RDWR, 0644);
    check(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev) == -1 && errno == EPERM, "epoll-eperm-file",
          "a regular file was accepted");
    close(file);

    struct epoll_event out[8];
    long long t0 = now_ms();
    int n = epoll_wait(ep, out, 8, 50);
    long long dt = now_ms() - t0;
    check(n == 0 && dt >= 45, "epoll-timeout", "n=%d after %lld ms", n, dt);

    write(a[1], "1", 1);
    write(b[1], "2", 1);
    write(c[1], "3", 1);
    n = epoll_wait(ep, out, 8, 1000);
    uint64_t seen = 0;
    for (int i = 0; i < n; ++i) {
        seen += out[i].data.u64;
    }
    check(n == 3 && seen == 600, "epoll-all-ready", "n=%d sum=%llu", n, (unsigned long long)seen);
    // Level-triggered stays; edge-triggered and one-shot do not.
    n = epoll_wait(ep, out, 8, 0);
    check(n == 1 && out[0].data.u64 == 100 && out[0].events == EPOLLIN, "epoll-level-again",
          "n=%d first=%llu", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    // More data on the edge-triggered pipe is a new edge; the one-shot one stays quiet.
    write(b[1], "2", 1);
    write(c[1], "3", 1);
    n = epoll_wait(ep, out, 8, 0);
    seen = 0;
    for (int i = 0; i < n; ++i) {
        seen += out[i].data.u64;
    }
    check(n == 2 && seen == 300, "epoll-edge-and-oneshot", "n=%d sum=%llu", n,
          (unsigned long long)seen);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 301;
    epoll_ctl(ep, EPOLL_CTL_MOD, c[0], &ev);
    n = epoll_wait(ep, out, 8, 0);
    seen = 0;
    for (int i = 0; i < n; ++i) {
        seen += out[i].data.u64;
    }
    check(n == 2 && seen == 401, "epoll-oneshot-rearmed", "n=%d sum=%llu", n,
          (unsigned long long)seen);
    char buf[8];
    read(a[0], buf, sizeof buf);
    epoll_ctl(ep, EPOLL_CTL_DEL, a[0], NULL);
    check(epoll_ctl(ep, EPOLL_CTL_DEL, a[0], NULL) == -1 && errno == ENOENT, "epoll-del",
          "deleted twice");

    // Closing the last descriptor of a file removes its interest.
    close(b[0]);
    read(c[0], buf, sizeof buf);
    n = epoll_wait(ep, out, 8, 0);
    check(n == 0, "epoll-close-removes", "n=%d", n);

    // A nested instance is readable when its own interests are; an eventfd written by
    // another thread wakes a blocked epoll_wait.
    int inner = epoll_create1(0);
    int efd = eventfd(0, EFD_NONBLOCK);
    ev.events = EPOLLIN;
    ev.data.u64 = 7;
    epoll_ctl(inner, EPOLL_CTL_ADD, efd, &ev);
    ev.data.u64 = 8;
    epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev);
    check(epoll_ctl(inner, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == ELOOP, "epoll-eloop",
          "a loop was accepted");
    struct later l = {.ms = 40, .fd = efd, .eventfd = 1};
    pthread_t th = start_later(&l);
    n = epoll_wait(ep, out, 8, -1);
    pthread_join(th, NULL);
    check(n == 1 && out[0].data.u64 == 8, "epoll-nested-woken", "n=%d", n);
    struct pollfd pf = {ep, POLLIN, 0};
    check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "epoll-fd-pollable", "revents %x",
          pf.revents);
    // epoll_pwait with a timeout on an instance with nothing ready.
    uint64_t v;
    read(efd, &v, 8);
    sigset_t empty;
    sigemptyset(&empty);
    n = epoll_pwait(ep, out, 8, 20, &empty);
    check(n == 0, "epoll-pwait-timeout", "n=%d", n);
    close(inner);
    close(efd);
    close(ep);
    close(a[0]);
    close(a[1]);
    close(b[1]);
    close(c[0]);
    close(c[1]);
}

// ---- eventfd, timerfd, POSIX timers ------------------------------------------------------

static void test_eventfd(void) {
    int efd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    uint64_t v = 0;
    int reads = 0;
    while (read(efd, &v, 8) == 8 && v == 1) {
        reads++;
    }
    check(reads == 3 && errno == EAGAIN, "eventfd-semaphore", "reads=%d", reads);
    v = 5;
    write(efd, &v, 8);
    v = 0;
    check(read(efd, &v, 4) == -1 && errno == EINVAL, "eventfd-short-read", "accepted");
    close(efd);
    efd = eventfd(0, 0);
    v = 2;
    write(efd, &v, 8);
    write(efd, &v, 8);
    read(efd, &v, 8);
    check(v == 4, "eventfd-counter", "read %llu", (unsigned long long)v);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", efd);
    readlink(path, link, sizeof link - 1);
    check(strcmp(link, "anon_inode:[eventfd]") == 0, "eventfd-proc-link", "'%s'", link);
    close(efd);
}

static void test_timerfd(void) {
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = {{0, 20000000}, {0, 20000000}}; // every 20 ms
    check(timerfd_settime(tfd, 0, &its, NULL) == 0, "timerfd-settime", "failed");
    msleep(110);
    uint64_t ticks = 0;
    read(tfd, &ticks, 8);
    check(ticks >= 4 && ticks <= 30, "timerfd-periodic", "ticks %llu", (unsigned long long)ticks);
    long long t0 = now_ms();
    read(tfd, &ticks, 8); // blocks until the next tick
    long long dt = now_ms() - t0;
    check(ticks >= 1 && dt <= 500, "timerfd-blocking-read", "ticks %llu after %lld ms",
          (unsigned long long)ticks, dt);
    struct itimerspec cur;
    timerfd_gettime(tfd, &cur);
    check(cur.it_interval.tv_nsec == 20000000 && cur.it_value.tv_nsec <= 20000000,
          "timerfd-gettime", "interval %ld value %ld", cur.it_interval.tv_nsec,
          cur.it_value.tv_nsec);
    // Through epoll too.
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    struct epoll_event out;
    int n = epoll_wait(ep, &out, 1, 1000);
    check(n == 1, "timerfd-epoll", "n=%d", n);
    // Disarm: nothing more.
    memset(&its, 0, sizeof its);
    timerfd_settime(tfd, 0, &its, NULL);
    n = epoll_wait(ep, &out, 1, 60);
    check(n == 0, "timerfd-disarmed", "n=%d", n);
    close(ep);
    close(tfd);
    // An absolute CLOCK_REALTIME time in the past is due at once.
    tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    its.it_value.tv_sec = now.tv_sec - 10;
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    struct pollfd pf = {tfd, POLLIN, 0};
    int r = poll(&pf, 1, 1000);
    check(r == 1 && read(tfd, &ticks, 8) == 8 && ticks == 1, "timerfd-abstime", "r=%d", r);
    check(read(tfd, &ticks, 8) == -1 && errno == EAGAIN, "timerfd-nonblock", "read worked");
    close(tfd);
    check(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 && errno == EINVAL, "timerfd-bad-clock",
          "accepted");
}

static void test_posix_timer(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    timer_t t;
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGALRM;
    check(timer_create(CLOCK_MONOTONIC, &sev, &t) == 0, "timer-create", "failed");
    struct itimerspec its = {{0, 10000000}, {0, 10000000}};
    timer_settime(t, 0, &its, NULL);
    long long t0 = now_ms();
    while (alrm_count < 3 && now_ms() - t0 < 2000) {
        pause();
    }
    check(alrm_count >= 3, "timer-signals", "alarms %d", (int)alrm_count);
    timer_delete(t);
}

// ---- attributes, prctl, identity ---------------------------------------------------------

static void test_xattr_prctl_misc(void) {
    char buf[64];
    check(getxattr("/tmp", "user.test", buf, sizeof buf) == -1 && errno == ENODATA,
          "getxattr-enodata", "found something");
    check(lgetxattr("/nonexistent", "user.test", buf, sizeof buf) == -1 && errno == ENOENT,
          "lgetxattr-enoent", "found something");
    check(listxattr("/tmp", buf, sizeof buf) == 0, "listxattr-empty", "not empty");
    check(setxattr("/tmp", "user.test", "v", 1, 0) == -1 && errno == EOPNOTSUPP,
          "setxattr-eopnotsupp", "set");
    check(removexattr("/tmp", "user.test") == -1 && errno == ENODATA, "removexattr-enodata",
          "removed");
    check(fgetxattr(1, "bogus", buf, sizeof buf) == -1 && errno == EOPNOTSUPP,
          "fgetxattr-namespace", "accepted a name without a name space");

    prctl(PR_SET_NAME, "io-events-main");
    char name[16] = {0};
    prctl(PR_GET_NAME, name);
    char comm[32] = {0};
    int fd = open("/proc/self/comm", O_RDONLY);
    read(fd, comm, sizeof comm - 1);
    close(fd);
    check(strcmp(name, "io-events-main") == 0 && strcmp(comm, "io-events-main\n") == 0,
          "prctl-name", "name '%s' comm '%s'", name, comm);
    prctl(PR_SET_NAME, "a-name-longer-than-fifteen");
    prctl(PR_GET_NAME, name);
    check(strcmp(name, "a-name-longer-t") == 0, "prctl-name-truncated", "'%s'", name);
    check(prctl(PR_GET_DUMPABLE) == 1 && prctl(PR_SET_DUMPABLE, 0) == 0 &&
              prctl(PR_GET_DUMPABLE) == 0 && prctl(PR_SET_DUMPABLE, 2) == -1,
          "prctl-dumpable", "wrong");
    check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
              prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
          "prctl-no-new-privs", "wrong");
    check(prctl(PR_CAPBSET_READ, 0) == 1 && prctl(PR_CAPBSET_READ, 999) == -1, "prctl-capbset",
          "wrong");
    int sig = -1;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    prctl(PR_GET_PDEATHSIG, &sig);
    check(sig == SIGTERM, "prctl-pdeathsig", "%d", sig);
    check(prctl(12345) == -1 && errno == EINVAL, "prctl-unknown", "accepted");

    uid_t r, e, s;
    // Linux's rules: root may drop its effective uid and take it back (the real and saved
    // uids stay 0); while it is 1000, setuid to an id that is none of the three is refused.
    check(getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0 && setuid(0) == 0 &&
              seteuid(1000) == 0 && geteuid() == 1000 && getuid() == 0 && setuid(5) == -1 &&
              errno == EPERM && seteuid(0) == 0 && geteuid() == 0,
          "credentials", "wrong");
    gid_t groups[4] = {5, 3, 9};
    gid_t back[4];
    check(setgroups(3, groups) == 0 && getgroups(0, NULL) == 3 && getgroups(4, back) == 3 &&
              back[0] == 3 && back[2] == 9,
          "groups", "wrong");
    struct rusage ru;
    check(getrusage(RUSAGE_SELF, &ru) == 0 && (ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0),
          "getrusage", "no CPU time");
    struct tms tm;
    check(times(&tm) != (clock_t)-1, "times", "failed");
    unsigned cpu = 99, node = 99;
    check(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu == 0 && node == 0, "getcpu", "cpu %u",
          cpu);
    check(syscall(SYS_membarrier, 0, 0, 0) > 0, "membarrier-query", "none");
    check(syscall(SYS_personality, 0xffffffffUL) == 0, "personality", "not PER_LINUX");
    check(syscall(SYS_rseq, NULL, 0, 0, 0) == -1 && errno == ENOSYS, "rseq-enosys", "not ENOSYS");
    unsigned char vec[2];
    void* page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ((char*)page)[0] = 1;
    check(mincore(page, 8192, vec) == 0 && vec[0] == 1 && vec[1] == 0, "mincore", "vec %d %d",
          vec[0], vec[1]);
    munmap(page, 8192);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_poll();
    test_select();
    test_signal_masks();
    test_epoll();
    test_eventfd();
    test_timerfd();
    test_posix_timer();
    test_xattr_prctl_misc();
    if (failures == 0) {
        printf("all checks passed\n");
        return 0;
    }
    printf("%d checks failed\n", failures);
    return 1;
}
