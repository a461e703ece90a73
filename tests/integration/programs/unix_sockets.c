// AF_UNIX sockets: socketpair streams and datagrams, shutdown, EOF, EPIPE and SIGPIPE, named
// sockets in /tmp with a listener, a thread and a forked child connecting, accept4, names,
// SO_PEERCRED, the errors of bind and connect, poll and epoll (level- and edge-triggered) on
// listeners and connections, SCM_RIGHTS passing a pipe (within a process and to a child),
// SCM_CREDENTIALS, abstract names, autobind, FIONREAD, socket options, fstat and
// /proc/self/fd. Prints "ok NAME" or "FAIL NAME: detail" per check, then a summary.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

static socklen_t path_addr(struct sockaddr_un* a, const char* path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un* a, const char* name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    sigpipes++;
}

// ---- a helper thread that acts after a delay ------------------------------------------------

struct later {
    int ms;
    int fd; // write `data` here, if set
    const char* data;
    const char* path; // or connect a new stream socket to this path (and keep it in `made`)
    int made;
};

static void* later_fn(void* arg) {
    struct later* l = arg;
    msleep(l->ms);
    if (l->data) {
        write(l->fd, l->data, strlen(l->data));
    } else if (l->path) {
        struct sockaddr_un a;
        socklen_t len = path_addr(&a, l->path);
        l->made = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(l->made, (struct sockaddr*)&a, len);
    }
    return NULL;
}

static pthread_t start_later(struct later* l) {
    pthread_t t;
    pthread_create(&t, NULL, later_fn, l);
    return t;
}

// ---- socketpair streams ---------------------------------------------------------------------

static void test_stream_pair(void) {
    int sv[2];
    int r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    check(r == 0 && (fcntl(sv[0], F_GETFD) & FD_CLOEXEC), "socketpair-stream", "r=%d", r);
    char buf[64] = {0};
    write(sv[0], "ping", 4);
    ssize_t n1 = read(sv[1], buf, sizeof buf);
    write(sv[1], "pong!", 5);
    ssize_t n2 = read(sv[0], buf + 10, sizeof buf - 10);
    check(n1 == 4 && !memcmp(buf, "ping", 4) && n2 == 5 && !memcmp(buf + 10, "pong!", 5),
          "stream-both-ways", "n1=%zd n2=%zd", n1, n2);

    write(sv[0], "12345", 5);
    int avail = -1, outq = -1;
    ioctl(sv[1], FIONREAD, &avail);
    ioctl(sv[0], TIOCOUTQ, &outq);
    check(avail == 5 && outq == 5, "fionread", "FIONREAD %d SIOCOUTQ %d", avail, outq);
    read(sv[1], buf, sizeof buf);

    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    ssize_t w = writev(sv[0], wv, 3);
    char x[3], y[8];
    struct iovec rv[2] = {{x, 3}, {y, sizeof y}};
    ssize_t rd = readv(sv[1], rv, 2);
    check(w == 6 && rd == 6 && !memcmp(x, "abc", 3) && !memcmp(y, "def", 3), "readv-writev",
          "w=%zd r=%zd", w, rd);

    // MSG_WAITALL: waits for a second write from another thread.
    write(sv[0], "half", 4);
    struct later l = {.ms = 30, .fd = sv[0], .data = "-rest"};
    pthread_t th = start_later(&l);
    memset(buf, 0, sizeof buf);
    ssize_t all = recv(sv[1], buf, 9, MSG_WAITALL);
    pthread_join(th, NULL);
    check(all == 9 && !memcmp(buf, "half-rest", 9), "msg-waitall", "n=%zd '%s'", all, buf);

    // SHUT_WR: the peer reads the rest, then end of file; writing is EPIPE with SIGPIPE.
    write(sv[0], "tail", 4);
    shutdown(sv[0], SHUT_WR);
    struct pollfd p = {sv[1], POLLIN | POLLRDHUP, 0};
    r = poll(&p, 1, 0);
    ssize_t t1 = read(sv[1], buf, sizeof buf);
    ssize_t t2 = read(sv[1], buf, sizeof buf);
    check(r == 1 && (p.revents & POLLRDHUP) && t1 == 4 && t2 == 0, "shutdown-eof",
          "poll %d revents %x reads %zd %zd", r, p.revents, t1, t2);
    signal(SIGPIPE, on_sigpipe);
    errno = 0;
    ssize_t e = write(sv[0], "x", 1);
    int err = errno;
    check(e == -1 && err == EPIPE && sigpipes == 1, "epipe-sigpipe", "r=%zd errno %d sigpipes %d",
          e, err, (int)sigpipes);
    e = send(sv[0], "x", 1, MSG_NOSIGNAL);
    err = errno;
    check(e == -1 && err == EPIPE && sigpipes == 1, "msg-nosignal", "r=%zd errno %d sigpipes %d", e,
          err, (int)sigpipes);
    signal(SIGPIPE, SIG_DFL);

    // Closing one end: POLLHUP and EOF for the other.
    close(sv[0]);
    p.events = POLLIN;
    r = poll(&p, 1, 1000);
    check(r == 1 && (p.revents & POLLHUP) && read(sv[1], buf, 1) == 0, "close-pollhup",
          "poll %d revents %x", r, p.revents);
    close(sv[1]);
}

// ---- datagrams ------------------------------------------------------------------------------

static void test_dgram(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "a", 1, 0);
    send(sv[0], "bb", 2, 0);
    send(sv[0], "ccc", 3, 0);
    char buf[64];
    ssize_t a = recv(sv[1], buf, sizeof buf, 0);
    ssize_t b = recv(sv[1], buf, sizeof buf, 0);
    ssize_t c = recv(sv[1], buf, sizeof buf, 0);
    check(a == 1 && b == 2 && c == 3, "dgram-boundaries", "%zd %zd %zd", a, b, c);

    send(sv[0], "hello", 5, 0);
    send(sv[0], "world", 5, 0);
    struct iovec v = {buf, 2};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    ssize_t cut = recvmsg(sv[1], &m, 0);
    ssize_t real = recv(sv[1], buf, 2, MSG_TRUNC);
    check(cut == 2 && (m.msg_flags & MSG_TRUNC) && real == 5, "dgram-trunc",
          "recvmsg %zd flags %x, MSG_TRUNC %zd", cut, m.msg_flags, real);
    close(sv[0]);
    close(sv[1]);

    // SOCK_SEQPACKET: records and end of file.
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    send(sv[0], "rec1", 4, 0);
    send(sv[0], "rec22", 5, 0);
    close(sv[0]);
    a = recv(sv[1], buf, sizeof buf, 0);
    b = recv(sv[1], buf, sizeof buf, 0);
    c = recv(sv[1], buf, sizeof buf, 0);
    check(a == 4 && b == 5 && c == 0, "seqpacket", "%zd %zd %zd", a, b, c);
    close(sv[1]);

    // sendto a path; recvfrom says who sent it.
    unlink("/tmp/uk-dgram.sock");
    unlink("/tmp/uk-dgram-client.sock");
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa, ca, from;
    socklen_t slen = path_addr(&sa, "/tmp/uk-dgram.sock");
    bind(s, (struct sockaddr*)&sa, slen);
    int cl = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t clen = path_addr(&ca, "/tmp/uk-dgram-client.sock");
    bind(cl, (struct sockaddr*)&ca, clen);
    ssize_t sent = sendto(cl, "to-path", 7, 0, (struct sockaddr*)&sa, slen);
    socklen_t flen = sizeof from;
    memset(&from, 0, sizeof from);
    ssize_t got = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
    check(sent == 7 && got == 7 && flen == clen && !strcmp(from.sun_path, ca.sun_path),
          "dgram-sendto-path", "sent %zd got %zd from '%s' len %u", sent, got, from.sun_path, flen);
    close(cl);
    close(s);
}

// ---- named sockets, a listener --------------------------------------------------------------

#define SOCK_PATH "/tmp/uk-test.sock"

static void test_listener(void) {
    unlink(SOCK_PATH);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, SOCK_PATH);
    int r = bind(l, (struct sockaddr*)&a, alen);
    struct stat st;
    int sr = stat(SOCK_PATH, &st);
    check(r == 0 && sr == 0 && S_ISSOCK(st.st_mode), "bind-creates-socket-node",
          "bind %d stat %d mode %o", r, sr, st.st_mode);

    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    r = bind(other, (struct sockaddr*)&a, alen);
    check(r == -1 && errno == EADDRINUSE, "eaddrinuse", "r=%d", r);

    errno = 0;
    r = connect(other, (struct sockaddr*)&a, alen);
    int refused = errno;
    struct sockaddr_un missing;
    socklen_t mlen = path_addr(&missing, "/tmp/uk-nothing-here.sock");
    errno = 0;
    int r2 = connect(other, (struct sockaddr*)&missing, mlen);
    check(r == -1 && refused == ECONNREFUSED && r2 == -1 && errno == ENOENT, "econnrefused-enoent",
          "r=%d errno %d, r2=%d", r, refused, r2);
    close(other);

    listen(l, 5);
    fcntl(l, F_SETFL, O_NONBLOCK);
    errno = 0;
    r = accept(l, NULL, NULL);
    check(r == -1 && errno == EAGAIN, "accept-eagain", "r=%d", r);
    fcntl(l, F_SETFL, 0);

    // A thread connects while the listener waits in poll.
    struct pollfd p = {l, POLLIN, 0};
    int p0 = poll(&p, 1, 0);
    struct later lt = {.ms = 30, .path = SOCK_PATH};
    pthread_t th = start_later(&lt);
    int p1 = poll(&p, 1, 5000);
    pthread_join(th, NULL);
    check(p0 == 0 && p1 == 1 && p.revents == POLLIN, "poll-listener", "poll %d then %d revents %x",
          p0, p1, p.revents);

    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int c = accept4(l, (struct sockaddr*)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct sockaddr_un name;
    socklen_t nlen = sizeof name;
    getsockname(c, (struct sockaddr*)&name, &nlen);
    struct sockaddr_un cpeer;
    socklen_t cplen = sizeof cpeer;
    getpeername(lt.made, (struct sockaddr*)&cpeer, &cplen);
    check(c >= 0 && (fcntl(c, F_GETFL) & O_NONBLOCK) && (fcntl(c, F_GETFD) & FD_CLOEXEC) &&
              plen == sizeof(sa_family_t) && nlen == alen && !strcmp(name.sun_path, SOCK_PATH) &&
              cplen == alen && !strcmp(cpeer.sun_path, SOCK_PATH),
          "accept4-names", "fd %d addrlen %u name %u '%s' peer %u", c, plen, nlen, name.sun_path,
          cplen);

    struct ucred cred;
    socklen_t credlen = sizeof cred;
    r = getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
    check(r == 0 && credlen == sizeof cred && cred.pid == getpid() && cred.uid == geteuid() &&
              cred.gid == getegid(),
          "so-peercred", "pid %d uid %u gid %u", cred.pid, cred.uid, cred.gid);
    write(lt.made, "from thread", 11);
    char buf[64] = {0};
    struct pollfd cp = {c, POLLIN, 0};
    poll(&cp, 1, 1000);
    ssize_t n = read(c, buf, sizeof buf);
    check(n == 11 && !strcmp(buf, "from thread"), "accepted-data", "n=%zd", n);
    close(lt.made);
    close(c);

    // A forked child connects; SO_PEERCRED names it.
    pid_t child = fork();
    if (child == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr*)&a, alen) != 0) {
            _exit(2);
        }
        pid_t me = getpid();
        write(s, &me, sizeof me);
        char ack;
        read(s, &ack, 1);
        _exit(ack == 'k' ? 0 : 3);
    }
    c = accept(l, NULL, NULL);
    credlen = sizeof cred;
    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
    pid_t said = 0;
    read(c, &said, sizeof said);
    write(c, "k", 1);
    int status = -1;
    waitpid(child, &status, 0);
    check(child > 0 && cred.pid == child && said == child && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "fork-peercred", "child %d peercred %d said %d status %x", child, cred.pid, said, status);
    close(c);

    // A blocking accept woken by a connecting thread.
    struct later lt2 = {.ms = 30, .path = SOCK_PATH};
    th = start_later(&lt2);
    long long t0 = now_ms();
    c = accept(l, NULL, NULL);
    long long dt = now_ms() - t0;
    pthread_join(th, NULL);
    check(c >= 0 && dt >= 20, "accept-blocking", "fd %d after %lld ms", c, dt);
    close(c);
    close(lt2.made);
    close(l);
    unlink(SOCK_PATH);
}

// ---- poll and epoll -------------------------------------------------------------------------

static void test_epoll(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1}, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
    int n0 = epoll_wait(ep, out, 4, 0);
    write(sv[0], "x", 1);
    int n1 = epoll_wait(ep, out, 4, 0);
    int n2 = epoll_wait(ep, out, 4, 0);
    char c;
    read(sv[1], &c, 1);
    int n3 = epoll_wait(ep, out, 4, 0);
    check(n0 == 0 && n1 == 1 && out[0].events == EPOLLIN && n2 == 1 && n3 == 0, "epoll-level",
          "%d %d %d %d", n0, n1, n2, n3);

    ev.events = EPOLLIN | EPOLLET;
    epoll_ctl(ep, EPOLL_CTL_MOD, sv[1], &ev);
    write(sv[0], "a", 1);
    n1 = epoll_wait(ep, out, 4, 0);
    n2 = epoll_wait(ep, out, 4, 0);
    write(sv[0], "b", 1);
    n3 = epoll_wait(ep, out, 4, 0);
    check(n1 == 1 && n2 == 0 && n3 == 1, "epoll-edge", "%d %d %d", n1, n2, n3);
    char buf[8];
    read(sv[1], buf, sizeof buf);

    // Woken by another thread's write while waiting.
    struct later l = {.ms = 30, .fd = sv[0], .data = "t"};
    pthread_t th = start_later(&l);
    n1 = epoll_wait(ep, out, 4, 5000);
    pthread_join(th, NULL);
    check(n1 == 1 && out[0].data.u32 == 1, "epoll-woken-by-thread", "%d", n1);
    read(sv[1], buf, sizeof buf);

    // Edge-triggered writability: fill the buffer, drain it, one edge.
    epoll_ctl(ep, EPOLL_CTL_DEL, sv[1], NULL);
    struct epoll_event wev = {.events = EPOLLOUT | EPOLLET, .data.u32 = 2};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &wev);
    epoll_wait(ep, out, 4, 0);
    static char big[65536];
    long total = 0;
    ssize_t w;
    while ((w = write(sv[0], big, sizeof big)) > 0) {
        total += w;
    }
    int full = errno == EAGAIN;
    n1 = epoll_wait(ep, out, 4, 0);
    static char sink[65536];
    long drained = 0;
    while (drained < total) {
        ssize_t r = read(sv[1], sink, sizeof sink);
        if (r <= 0) {
            break;
        }
        drained += r;
    }
    n2 = epoll_wait(ep, out, 4, 0);
    check(full && total >= 200000 && n1 == 0 && n2 == 1 && out[0].data.u32 == 2 &&
              (out[0].events & EPOLLOUT),
          "epoll-writable-edge", "filled %ld (EAGAIN %d), events %d then %d", total, full, n1, n2);

    // POLLRDHUP and POLLHUP as the peer goes.
    shutdown(sv[0], SHUT_WR);
    struct pollfd p = {sv[1], POLLIN | POLLRDHUP, 0};
    int r1 = poll(&p, 1, 0);
    short rev1 = p.revents;
    close(sv[0]);
    int r2 = poll(&p, 1, 0);
    check(r1 == 1 && (rev1 & POLLRDHUP) && !(rev1 & POLLHUP) && r2 == 1 && (p.revents & POLLHUP),
          "pollrdhup", "revents %x then %x", rev1, p.revents);
    close(sv[1]);

    // A listener in epoll: a connection makes it readable.
    unlink("/tmp/uk-ep.sock");
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, "/tmp/uk-ep.sock");
    bind(ls, (struct sockaddr*)&a, alen);
    listen(ls, 4);
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.u32 = 3};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &lev);
    n0 = epoll_wait(ep, out, 4, 0);
    int cs = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(cs, (struct sockaddr*)&a, alen);
    n1 = epoll_wait(ep, out, 4, 0);
    int acc = accept(ls, NULL, NULL);
    check(n0 == 0 && n1 == 1 && out[0].data.u32 == 3 && acc >= 0, "epoll-listener", "%d %d %d", n0,
          n1, acc);
    close(acc);
    close(cs);
    close(ls);
    close(ep);
}

// ---- passing descriptors and credentials ---------------------------------------------------

static int send_fds(int s, const int* fds, int n, const char* data) {
    char ctl[CMSG_SPACE(4 * sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec v = {(void*)data, strlen(data)};
    struct msghdr m = {.msg_iov = &v,
                       .msg_iovlen = 1,
                       .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    struct cmsghdr* cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    return sendmsg(s, &m, 0);
}

// Receives up to `room` descriptors into fds; returns how many, or -1.
static int recv_fds(int s, int* fds, int room, int flags, int* msg_flags) {
    char ctl[CMSG_SPACE(4 * sizeof(int))];
    char data[16];
    struct iovec v = {data, sizeof data};
    struct msghdr m = {.msg_iov = &v,
                       .msg_iovlen = 1,
                       .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(room * sizeof(int))};
    if (recvmsg(s, &m, flags) < 0) {
        return -1;
    }
    *msg_flags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr* cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
        }
    }
    return n;
}

static void test_scm(void) {
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    int r = send_fds(sv[0], &p[1], 1, "fd");
    close(p[1]);
    int got = -1, flags = 0;
    int n = recv_fds(sv[1], &got, 1, MSG_CMSG_CLOEXEC, &flags);
    int gotCloexec = fcntl(got, F_GETFD) & FD_CLOEXEC;
    write(got, "via socket", 10);
    close(got);
    char buf[32] = {0};
    ssize_t rd = read(p[0], buf, sizeof buf);
    check(r == 2 && n == 1 && got > 2 && gotCloexec && rd == 10 && !strcmp(buf, "via socket"),
          "scm-rights-pipe", "sent %d received %d fd %d read %zd", r, n, got, rd);
    ssize_t eof = read(p[0], buf, sizeof buf); // the passed write end was the last: EOF
    close(p[0]);

    // Three descriptors, room for two (CMSG_SPACE of one int rounds up to room for two):
    // MSG_CTRUNC, and the third is closed.
    int q[2];
    pipe(q);
    int three[3] = {q[1], q[1], q[1]}, back[4] = {-1, -1, -1, -1};
    send_fds(sv[0], three, 3, "3");
    n = recv_fds(sv[1], back, 1, 0, &flags);
    int cloexec = fcntl(back[0], F_GETFD) & FD_CLOEXEC;
    for (int i = 0; i < n && i < 4; ++i) {
        close(back[i]);
    }
    close(q[1]);
    check(eof == 0 && n == 2 && (flags & MSG_CTRUNC) && !cloexec && read(q[0], buf, 1) == 0,
          "scm-rights-ctrunc", "eof %zd n %d flags %x", eof, n, flags);
    close(q[0]);

    // To another process: a forked child gets a pipe's write end and writes into it.
    pipe(p);
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        int fd = -1, fl = 0;
        if (recv_fds(sv[1], &fd, 1, 0, &fl) != 1) {
            _exit(2);
        }
        write(fd, "child", 5);
        _exit(0);
    }
    send_fds(sv[0], &p[1], 1, "c");
    close(p[1]);
    memset(buf, 0, sizeof buf);
    rd = read(p[0], buf, sizeof buf);
    int status = -1;
    waitpid(child, &status, 0);
    check(rd == 5 && !strcmp(buf, "child") && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "scm-rights-across-fork", "read %zd '%s' status %x", rd, buf, status);
    close(p[0]);

    // SCM_CREDENTIALS with SO_PASSCRED.
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    write(sv[0], "c", 1);
    char ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec v = {buf, sizeof buf};
    struct msghdr m = {
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t cr = recvmsg(sv[1], &m, 0);
    struct cmsghdr* cm = CMSG_FIRSTHDR(&m);
    struct ucred uc = {0};
    if (cm != NULL && cm->cmsg_type == SCM_CREDENTIALS) {
        memcpy(&uc, CMSG_DATA(cm), sizeof uc);
    }
    check(cr == 1 && cm != NULL && uc.pid == getpid() && uc.uid == geteuid(), "scm-credentials",
          "r=%zd cmsg %p pid %d", cr, (void*)cm, uc.pid);
    close(sv[0]);
    close(sv[1]);
}

// ---- abstract names, options, fstat ----------------------------------------------------------

static void test_abstract(void) {
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a, name;
    socklen_t alen = abstract_addr(&a, "uk-abstract");
    int r = bind(s, (struct sockaddr*)&a, alen);
    int s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    errno = 0;
    int r2 = bind(s2, (struct sockaddr*)&a, alen);
    int inuse = errno;
    socklen_t nlen = sizeof name;
    getsockname(s, (struct sockaddr*)&name, &nlen);
    sendto(s2, "abs", 3, 0, (struct sockaddr*)&a, alen);
    char buf[8] = {0};
    ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
    check(r == 0 && r2 == -1 && inuse == EADDRINUSE && nlen == alen && name.sun_path[0] == 0 &&
              !memcmp(name.sun_path + 1, "uk-abstract", 11) && n == 3,
          "abstract-names", "bind %d, again %d errno %d, len %u, recv %zd", r, r2, inuse, nlen, n);

    // Autobind: an address of just the family gets "\0" and five hex digits.
    struct sockaddr_un au = {.sun_family = AF_UNIX};
    r = bind(s2, (struct sockaddr*)&au, sizeof(sa_family_t));
    nlen = sizeof name;
    getsockname(s2, (struct sockaddr*)&name, &nlen);
    check(r == 0 && nlen == offsetof(struct sockaddr_un, sun_path) + 6 && name.sun_path[0] == 0,
          "autobind", "bind %d len %u", r, nlen);
    close(s);
    close(s2);
}

static void test_options(void) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    int type = v;
    getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len);
    int domain = v;
    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    int acc = v;
    v = 10000;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
    int sndbuf = v;
    v = 1;
    int ra = setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
    int ka = setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
    errno = 0;
    int bad = setsockopt(s, SOL_SOCKET, 12345, &v, sizeof v);
    int badErr = errno;
    check(type == SOCK_STREAM && domain == AF_UNIX && acc == 0 && sndbuf == 20000 && ra == 0 &&
              ka == 0 && bad == -1 && badErr == ENOPROTOOPT,
          "sockopts", "type %d domain %d acceptconn %d sndbuf %d unknown %d/%d", type, domain, acc,
          sndbuf, bad, badErr);
    close(s);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {0, 80000};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    long long t0 = now_ms();
    errno = 0;
    ssize_t r = read(sv[1], &c, 1);
    long long dt = now_ms() - t0;
    check(r == -1 && errno == EAGAIN && dt >= 70, "so-rcvtimeo", "r=%zd after %lld ms", r, dt);

    struct stat st;
    fstat(sv[0], &st);
    char link[64], want[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", sv[0]);
    char target[64] = {0};
    readlink(link, target, sizeof target - 1);
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    check(S_ISSOCK(st.st_mode) && !strcmp(target, want), "fstat-socket", "mode %o link '%s'",
          st.st_mode, target);
    close(sv[0]);
    close(sv[1]);

    // Families uk does not have fail as on a Linux built without them.
    errno = 0;
    int pk = socket(AF_PACKET, SOCK_RAW, 0);
    check(pk == -1 && errno == EAFNOSUPPORT, "af-packet-eafnosupport", "r=%d", pk);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_stream_pair();
    test_dgram();
    test_listener();
    test_epoll();
    test_scm();
    test_abstract();
    test_options();
    if (failures == 0) {
        printf("all checks passed\n");
        return 0;
    }
    printf("%d checks failed\n", failures);
    return 1;
}
