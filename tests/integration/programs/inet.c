// Internet sockets in the guest (tests/integration/net.sh).
//   inet selftest          loopback checks of TCP and UDP, IPv4 and IPv6, blocking and not,
//                          poll and epoll, errors; "all checks passed" at the end
//   inet udp-echo PORT     echoes datagrams on PORT until one says "quit"
//   inet connect ADDR PORT connects to a TCP server (the test's, on the host), sends a line
//                          and prints the line that comes back
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "checks.h"

static struct sockaddr_in v4(const char* ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int port_of(int fd) {
    struct sockaddr_storage a;
    socklen_t n = sizeof a;
    getsockname(fd, (struct sockaddr*)&a, &n);
    return ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6*)&a)->sin6_port
                                         : ((struct sockaddr_in*)&a)->sin_port);
}

static int listener(int family, const char* ip, int backlog) {
    int s = socket(family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET) {
        struct sockaddr_in a = v4(ip, 0);
        bind(s, (struct sockaddr*)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6};
        inet_pton(AF_INET6, ip, &a.sin6_addr);
        bind(s, (struct sockaddr*)&a, sizeof a);
    }
    listen(s, backlog);
    return s;
}

static int connect_to(const char* ip, int port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = v4(ip, port);
    if (connect(c, (struct sockaddr*)&a, sizeof a) != 0) {
        close(c);
        return -1;
    }
    return c;
}

static ssize_t read_full(int fd, char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) {
            return r < 0 && got == 0 ? -1 : (ssize_t)got;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

struct bulk {
    int fd;
    size_t size;
};

static void* send_bulk(void* arg) {
    struct bulk* b = arg;
    char chunk[8192];
    size_t sent = 0;
    while (sent < b->size) {
        size_t n = b->size - sent < sizeof chunk ? b->size - sent : sizeof chunk;
        for (size_t i = 0; i < n; ++i) {
            chunk[i] = (char)((sent + i) * 7 % 251);
        }
        ssize_t w = write(b->fd, chunk, n);
        if (w <= 0) {
            break;
        }
        sent += (size_t)w;
    }
    shutdown(b->fd, SHUT_WR);
    return NULL;
}

static void selftest(void) {
    // A listener on 127.0.0.1, a blocking client, accept4 with its peer's address.
    int l = listener(AF_INET, "127.0.0.1", 8);
    int port = port_of(l);
    CHECK("tcp-listen", l >= 0 && port > 0, "l=%d port=%d", l, port);
    int c = connect_to("127.0.0.1", port);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int a = accept4(l, (struct sockaddr*)&peer, &plen, SOCK_CLOEXEC);
    CHECK("tcp-connect-accept",
          c >= 0 && a >= 0 && plen == sizeof peer && peer.sin_family == AF_INET &&
              peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "c=%d a=%d", c, a);
    struct sockaddr_in local;
    socklen_t llen = sizeof local;
    getsockname(c, (struct sockaddr*)&local, &llen);
    CHECK("tcp-names", ntohs(local.sin_port) == ntohs(peer.sin_port), "%d vs %d",
          ntohs(local.sin_port), ntohs(peer.sin_port));

    // Data both ways, FIONREAD, MSG_PEEK.
    write(c, "hello", 5);
    int avail = 0;
    for (int i = 0; i < 100 && avail < 5; ++i) {
        ioctl(a, FIONREAD, &avail);
    }
    char buf[64] = {0};
    ssize_t pk = recv(a, buf, sizeof buf, MSG_PEEK);
    ssize_t r = read(a, buf, sizeof buf);
    CHECK("tcp-data", avail == 5 && pk == 5 && r == 5 && !memcmp(buf, "hello", 5),
          "avail=%d peek=%zd r=%zd", avail, pk, r);
    write(a, "world", 5);
    r = read(c, buf, sizeof buf);
    CHECK("tcp-data-back", r == 5 && !memcmp(buf, "world", 5), "r=%zd", r);

    // Non-blocking read: EAGAIN; poll says not readable, then readable.
    fcntl(a, F_SETFL, O_NONBLOCK);
    errno = 0;
    r = read(a, buf, sizeof buf);
    CHECK("tcp-nonblock-eagain", r == -1 && errno == EAGAIN, "r=%zd", r);
    struct pollfd p = {.fd = a, .events = POLLIN | POLLOUT};
    int pr = poll(&p, 1, 0);
    CHECK("tcp-poll-writable", pr == 1 && p.revents == POLLOUT, "pr=%d revents=%#x", pr, p.revents);
    write(c, "x", 1);
    p.revents = 0;
    pr = poll(&p, 1, 1000);
    CHECK("tcp-poll-readable", pr == 1 && (p.revents & POLLIN), "revents=%#x", p.revents);
    read(a, buf, sizeof buf);

    // epoll, edge triggered: one event per arrival.
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = a};
    epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
    struct epoll_event out[4];
    int n0 = epoll_wait(ep, out, 4, 0);
    write(c, "abc", 3);
    int n1 = epoll_wait(ep, out, 4, 1000);
    int n2 = epoll_wait(ep, out, 4, 0);
    CHECK("tcp-epoll-edge", n0 == 0 && n1 == 1 && out[0].data.fd == a && n2 == 0,
          "n0=%d n1=%d n2=%d", n0, n1, n2);
    read(a, buf, sizeof buf);
    // Level triggered on the listener: a pending connection is reported until accepted.
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &lev);
    int c2 = connect_to("127.0.0.1", port);
    int e1 = epoll_wait(ep, out, 4, 1000);
    int e2 = epoll_wait(ep, out, 4, 0);
    int a2 = accept(l, NULL, NULL);
    int e3 = epoll_wait(ep, out, 4, 0);
    CHECK("tcp-epoll-listener", c2 >= 0 && e1 == 1 && e2 == 1 && a2 >= 0 && e3 == 0,
          "e1=%d e2=%d e3=%d", e1, e2, e3);
    close(c2);
    close(a2);
    close(ep);

    // Half close: shutdown(SHUT_WR) is EOF at the other end, which can still send.
    shutdown(c, SHUT_WR);
    fcntl(a, F_SETFL, 0);
    r = read(a, buf, sizeof buf);
    ssize_t w = write(a, "late", 4);
    ssize_t r2 = read(c, buf, sizeof buf);
    CHECK("tcp-half-close", r == 0 && w == 4 && r2 == 4, "r=%zd w=%zd r2=%zd", r, w, r2);
    close(a);
    r = read(c, buf, sizeof buf);
    CHECK("tcp-eof", r == 0, "r=%zd", r);
    close(c);

    // 4 MiB through loopback from a thread, checked byte by byte (window and buffer limits,
    // blocking writes).
    c = connect_to("127.0.0.1", port);
    a = accept(l, NULL, NULL);
    struct bulk b = {c, 4u << 20};
    pthread_t t;
    pthread_create(&t, NULL, send_bulk, &b);
    size_t total = 0;
    int bad = 0;
    static char big[65536];
    for (;;) {
        r = read(a, big, sizeof big);
        if (r <= 0) {
            break;
        }
        for (ssize_t i = 0; i < r; ++i) {
            bad += big[i] != (char)((total + (size_t)i) * 7 % 251);
        }
        total += (size_t)r;
    }
    pthread_join(t, NULL);
    CHECK("tcp-bulk-4mib", total == b.size && bad == 0, "total=%zu bad=%d", total, bad);
    close(a);
    close(c);

    // MSG_WAITALL collects several writes.
    c = connect_to("127.0.0.1", port);
    a = accept(l, NULL, NULL);
    write(c, "12", 2);
    write(c, "345", 3);
    write(c, "6", 1);
    r = recv(a, buf, 6, MSG_WAITALL);
    CHECK("tcp-msg-waitall", r == 6 && !memcmp(buf, "123456", 6), "r=%zd", r);
    // Closing with unread data resets the connection: the peer's read fails.
    write(c, "unread", 6);
    msleep(20);
    close(a);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    r = read(c, buf, sizeof buf);
    int err = errno;
    errno = 0;
    w = send(c, "x", 1, MSG_NOSIGNAL);
    CHECK("tcp-reset",
          r == -1 && err == ECONNRESET && w == -1 && (errno == EPIPE || errno == ECONNRESET),
          "r=%zd err=%d w=%zd errno=%d", r, err, w, errno);
    close(c);

    // Errors: a port nobody listens on, a port taken, an address not ours, options.
    int closed = listener(AF_INET, "127.0.0.1", 1);
    int closedPort = port_of(closed);
    close(closed);
    errno = 0;
    c = connect_to("127.0.0.1", closedPort);
    CHECK("tcp-econnrefused", c == -1 && errno == ECONNREFUSED, "c=%d", c);
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in ca = v4("127.0.0.1", closedPort);
    errno = 0;
    int cr = connect(nb, (struct sockaddr*)&ca, sizeof ca);
    int cerr = errno;
    struct pollfd np = {.fd = nb, .events = POLLOUT};
    poll(&np, 1, 1000);
    int soerr = 0;
    socklen_t slen = sizeof soerr;
    getsockopt(nb, SOL_SOCKET, SO_ERROR, &soerr, &slen);
    CHECK("tcp-nonblock-connect-so-error",
          (cr == 0 || cerr == EINPROGRESS) && soerr == ECONNREFUSED, "cr=%d errno=%d so=%d", cr,
          cerr, soerr);
    close(nb);
    int dup = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in da = v4("127.0.0.1", port);
    errno = 0;
    int br = bind(dup, (struct sockaddr*)&da, sizeof da);
    CHECK("tcp-eaddrinuse", br == -1 && errno == EADDRINUSE, "br=%d", br);
    struct sockaddr_in na = v4("192.0.2.1", 0);
    errno = 0;
    br = bind(dup, (struct sockaddr*)&na, sizeof na);
    CHECK("tcp-eaddrnotavail", br == -1 && errno == EADDRNOTAVAIL, "br=%d", br);
    int one = 1, got = 0;
    socklen_t glen = sizeof got;
    setsockopt(dup, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    getsockopt(dup, IPPROTO_TCP, TCP_NODELAY, &got, &glen);
    int type = 0;
    glen = sizeof type;
    getsockopt(dup, SOL_SOCKET, SO_TYPE, &type, &glen);
    CHECK("tcp-sockopts", got == 1 && type == SOCK_STREAM, "nodelay=%d type=%d", got, type);
    close(dup);
    errno = 0;
    int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    CHECK("raw-eperm", raw == -1 && (errno == EPERM || errno == EPROTONOSUPPORT), "raw=%d", raw);
    close(l);

    // IPv6: ::1, and a dual-stack listener reached over IPv4 (a v4-mapped peer address).
    int l6 = listener(AF_INET6, "::1", 4);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port_of(l6))};
    inet_pton(AF_INET6, "::1", &a6.sin6_addr);
    int cr6 = connect(c6, (struct sockaddr*)&a6, sizeof a6);
    int s6 = accept(l6, NULL, NULL);
    write(c6, "six", 3);
    r = read(s6, buf, sizeof buf);
    CHECK("tcp-ipv6-loopback", cr6 == 0 && s6 >= 0 && r == 3, "cr=%d s=%d r=%zd", cr6, s6, r);
    close(c6);
    close(s6);
    close(l6);
    int dual = listener(AF_INET6, "::", 4);
    c = connect_to("127.0.0.1", port_of(dual));
    struct sockaddr_in6 mp;
    socklen_t mlen = sizeof mp;
    a = accept(dual, (struct sockaddr*)&mp, &mlen);
    char text[64] = "";
    inet_ntop(AF_INET6, &mp.sin6_addr, text, sizeof text);
    CHECK("tcp-dual-stack", c >= 0 && a >= 0 && !strcmp(text, "::ffff:127.0.0.1"), "peer %s", text);
    close(a);
    close(c);
    close(dual);

    // UDP: sendto/recvfrom with addresses, truncation, connected sockets.
    int u1 = socket(AF_INET, SOCK_DGRAM, 0);
    int u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = v4("127.0.0.1", 0);
    bind(u1, (struct sockaddr*)&ua, sizeof ua);
    ua.sin_port = htons(port_of(u1));
    ssize_t us = sendto(u2, "datagram", 8, 0, (struct sockaddr*)&ua, sizeof ua);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    r = recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
    CHECK("udp-sendto-recvfrom",
          us == 8 && r == 8 && !memcmp(buf, "datagram", 8) && ntohs(from.sin_port) == port_of(u2),
          "us=%zd r=%zd", us, r);
    sendto(u2, "0123456789", 10, 0, (struct sockaddr*)&ua, sizeof ua);
    struct iovec iov = {buf, 4};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    r = recvmsg(u1, &mh, 0);
    CHECK("udp-trunc", r == 4 && (mh.msg_flags & MSG_TRUNC), "r=%zd flags=%#x", r, mh.msg_flags);
    connect(u2, (struct sockaddr*)&ua, sizeof ua);
    send(u2, "conn", 4, 0);
    r = recv(u1, buf, sizeof buf, 0);
    CHECK("udp-connected-send", r == 4, "r=%zd", r);
    fcntl(u1, F_SETFL, O_NONBLOCK);
    errno = 0;
    r = recv(u1, buf, sizeof buf, 0);
    CHECK("udp-eagain", r == -1 && errno == EAGAIN, "r=%zd", r);
    close(u1);
    close(u2);

    // Name resolution through /etc/hosts, which the library OS provides.
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo* res = NULL;
    int gr = getaddrinfo("localhost", "80", &hints, &res);
    CHECK("getaddrinfo-localhost",
          gr == 0 && res != NULL &&
              ((struct sockaddr_in*)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "gr=%d", gr);
    if (res != NULL) {
        freeaddrinfo(res);
    }
}

static int udp_echo(int port) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = v4("0.0.0.0", port);
    if (bind(s, (struct sockaddr*)&a, sizeof a) != 0) {
        perror("bind");
        return 1;
    }
    printf("udp echo on %d\n", port);
    for (;;) {
        char buf[2048];
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t r = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
        if (r < 0) {
            perror("recvfrom");
            return 1;
        }
        sendto(s, buf, (size_t)r, 0, (struct sockaddr*)&from, flen);
        if (r >= 4 && !memcmp(buf, "quit", 4)) {
            printf("udp echo done\n");
            return 0;
        }
    }
}

static int connect_out(const char* ip, int port) {
    int c = connect_to(ip, port);
    if (c < 0) {
        printf("connect %s:%d: %s\n", ip, port, strerror(errno));
        return 1;
    }
    const char line[] = "ping from uk\n";
    write(c, line, sizeof line - 1);
    char buf[256];
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(c, buf + n, sizeof buf - 1 - (size_t)n)) > 0) {
        n += r;
        if (buf[n - 1] == '\n') {
            break;
        }
    }
    buf[n > 0 ? n : 0] = 0;
    printf("reply: %s", buf);
    close(c);
    return 0;
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && !strcmp(argv[1], "selftest")) {
        selftest();
        printf(failures == 0 ? "all checks passed\n" : "%d checks failed\n", failures);
        return failures == 0 ? 0 : 1;
    }
    if (argc >= 3 && !strcmp(argv[1], "udp-echo")) {
        return udp_echo(atoi(argv[2]));
    }
    if (argc >= 4 && !strcmp(argv[1], "connect")) {
        return connect_out(argv[2], atoi(argv[3]));
    }
    fprintf(stderr, "usage: inet selftest | udp-echo PORT | connect ADDR PORT\n");
    return 2;
}
