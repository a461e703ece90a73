// Internet sockets (net/inet_socket.h) on the host, over lwIP's loopback interface, under the
// sanitizers: TCP listen/connect/accept, data both ways with readiness, shutdown and reset,
// IPv6 and dual-stack names, UDP datagrams with addresses and truncation, error cases. On the
// host nobody can be waited for, so every socket here is non-blocking; stackWorkDone() (which
// every socket call runs) delivers loopback traffic synchronously.
#include "libos_vfs_fixture.h"
#include "lwip_test_support.h"
#include "net/inet_socket.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

using namespace uk::vfs;
using uk::net::kAfInet;
using uk::net::kAfInet6;
using uk::net::makeInetSocket;
using uk::vfs::test::Fs;

namespace {

Ref<File> inetSocket(int family, int type) {
    lwipInitOnce();
    Ref<File> f;
    REQUIRE(makeInetSocket(family, type, 0, kONonblock, Cred{}, &f) == 0);
    return f;
}

std::string v4(const char* ip, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return std::string(reinterpret_cast<const char*>(&a), sizeof a);
}

std::string v6(const char* ip, uint16_t port) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return std::string(reinterpret_cast<const char*>(&a), sizeof a);
}

const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

uint16_t portOf(const Ref<File>& f) {
    uint8_t a[kSockAddrMax];
    size_t n = 0;
    REQUIRE(f->socket()->name(false, a, &n) == 0);
    uint16_t p;
    memcpy(&p, a + 2, 2);
    return ntohs(p);
}

long send(const Ref<File>& f, const std::string& data, int flags = 0, const std::string& to = "") {
    IoVec v{reinterpret_cast<uint64_t>(data.data()), data.size()};
    SocketMessage m;
    m.iov = &v;
    m.iovCount = 1;
    m.total = data.size();
    m.flags = flags | kMsgDontwait | kMsgNosignal;
    memcpy(m.name, to.data(), to.size());
    m.nameLen = to.size();
    return f->socket()->sendMsg(m);
}

long recv(const Ref<File>& f, std::string* out, size_t size, int flags = 0,
          std::string* from = nullptr, int* msgFlags = nullptr) {
    std::string buf(size, '\0');
    IoVec v{reinterpret_cast<uint64_t>(buf.data()), size};
    SocketMessage m;
    m.iov = &v;
    m.iovCount = 1;
    m.total = size;
    m.flags = flags | kMsgDontwait;
    long r = f->socket()->recvMsg(m);
    if (r >= 0) {
        *out = buf.substr(0, static_cast<size_t>(r) < size ? static_cast<size_t>(r) : size);
    }
    if (from != nullptr) {
        *from = std::string(reinterpret_cast<const char*>(m.name), m.nameLen);
    }
    if (msgFlags != nullptr) {
        *msgFlags = m.msgFlags;
    }
    return r;
}

struct Connection {
    Ref<File> listener, client, server;
};

Connection connectPair(Fs& fs, int family = kAfInet) {
    Connection c;
    c.listener = inetSocket(family, kSockStream);
    std::string any = family == kAfInet ? v4("127.0.0.1", 0) : v6("::1", 0);
    REQUIRE(c.listener->socket()->bind(fs.ctx, bytes(any), any.size()) == 0);
    REQUIRE(c.listener->socket()->listen(4, Ucred{}) == 0);
    c.client = inetSocket(family, kSockStream);
    std::string to =
        family == kAfInet ? v4("127.0.0.1", portOf(c.listener)) : v6("::1", portOf(c.listener));
    long r = c.client->socket()->connect(fs.ctx, bytes(to), to.size(), Ucred{});
    REQUIRE((r == 0 || r == -EINPROGRESS));
    CHECK((c.listener->poll() & kPollIn) != 0);
    REQUIRE(c.listener->socket()->accept(kONonblock, Cred{}, &c.server) == 0);
    CHECK((c.client->poll() & kPollOut) != 0);
    return c;
}

} // namespace

TEST_CASE("inet: TCP over loopback, data both ways, readiness and end of stream") {
    Fs fs;
    Connection c = connectPair(fs);
    std::string got;
    CHECK(recv(c.server, &got, 16) == -EAGAIN);
    CHECK((c.server->poll() & kPollIn) == 0);
    CHECK(send(c.client, "hello") == 5);
    CHECK((c.server->poll() & kPollIn) != 0);
    CHECK(c.server->available() == 5);
    CHECK(recv(c.server, &got, 16, kMsgPeek) == 5);
    CHECK(recv(c.server, &got, 3) == 3);
    CHECK(got == "hel");
    CHECK(recv(c.server, &got, 16) == 2);
    CHECK(got == "lo");
    CHECK(send(c.server, "back") == 4);
    CHECK(recv(c.client, &got, 16) == 4);
    CHECK(got == "back");

    // A large transfer in pieces: send until the window and buffer are full, read, repeat.
    std::string chunk(60000, 'x');
    for (size_t i = 0; i < chunk.size(); ++i) {
        chunk[i] = static_cast<char>('a' + i % 26);
    }
    size_t sent = 0, read = 0;
    std::string all;
    for (int round = 0; round < 1000 && (read < sent || sent < 1000000); ++round) {
        if (sent < 1000000) {
            long w = send(c.client, chunk);
            if (w > 0) {
                sent += static_cast<size_t>(w);
            }
        }
        long r = recv(c.server, &got, 65536);
        if (r > 0) {
            read += static_cast<size_t>(r);
            all += got;
        }
    }
    CHECK(read == sent);
    CHECK(read >= 1000000);
    bool intact = true;
    for (size_t i = 0; i < all.size() && intact; ++i) {
        intact = all[i] == static_cast<char>('a' + (i % 60000) % 26);
    }
    CHECK(intact);

    // Half close, then end of stream.
    CHECK(c.client->socket()->shutdown(kShutWr) == 0);
    CHECK((c.server->poll() & (kPollIn | kPollRdHup)) == (kPollIn | kPollRdHup));
    long eof = recv(c.server, &got, 16);
    INFO("after end of stream: '", got, "'");
    CHECK(eof == 0);
    CHECK(send(c.server, "late") == 4);
    CHECK(recv(c.client, &got, 16) == 4);
    CHECK(send(c.client, "x") == -EPIPE);
}

TEST_CASE("inet: closing with unread data resets the peer") {
    Fs fs;
    Connection c = connectPair(fs);
    CHECK(send(c.client, "unread") == 6);
    c.server = Ref<File>();
    std::string got;
    CHECK(recv(c.client, &got, 16) == -ECONNRESET);
    CHECK((c.client->poll() & kPollHup) != 0);
}

TEST_CASE("inet: connect errors, address in use, address not local") {
    Fs fs;
    Ref<File> l = inetSocket(kAfInet, kSockStream);
    std::string a = v4("127.0.0.1", 0);
    REQUIRE(l->socket()->bind(fs.ctx, bytes(a), a.size()) == 0);
    uint16_t port = portOf(l);
    l = Ref<File>(); // nobody listens on `port` now
    Ref<File> c = inetSocket(kAfInet, kSockStream);
    std::string to = v4("127.0.0.1", port);
    long r = c->socket()->connect(fs.ctx, bytes(to), to.size(), Ucred{});
    CHECK((r == -EINPROGRESS || r == -ECONNREFUSED));
    int err = 0;
    size_t len = sizeof err;
    CHECK(c->socket()->getOption(kSolSocket, kSoError, &err, &len) == 0);
    CHECK((err == ECONNREFUSED || r == -ECONNREFUSED));

    Ref<File> l1 = inetSocket(kAfInet, kSockStream);
    Ref<File> l2 = inetSocket(kAfInet, kSockStream);
    std::string fixed = v4("127.0.0.1", 0);
    REQUIRE(l1->socket()->bind(fs.ctx, bytes(fixed), fixed.size()) == 0);
    std::string same = v4("127.0.0.1", portOf(l1));
    CHECK(l2->socket()->bind(fs.ctx, bytes(same), same.size()) == -EADDRINUSE);
    std::string foreign = v4("192.0.2.7", 0);
    CHECK(l2->socket()->bind(fs.ctx, bytes(foreign), foreign.size()) == -EADDRNOTAVAIL);
    std::string shortAddr = fixed.substr(0, 8);
    CHECK(l2->socket()->bind(fs.ctx, bytes(shortAddr), shortAddr.size()) == -EINVAL);
    std::string six = v6("::1", 0);
    CHECK(l2->socket()->bind(fs.ctx, bytes(six), six.size()) == -EAFNOSUPPORT);
    Ref<File> out;
    CHECK(makeInetSocket(kAfInet, kSockRaw, 1, 0, Cred{}, &out) == -EPERM);
    CHECK(makeInetSocket(kAfInet, kSockStream, 17, 0, Cred{}, &out) == -EPROTONOSUPPORT);
}

TEST_CASE("inet: IPv6 loopback and a dual-stack listener's v4-mapped peers") {
    Fs fs;
    Connection c = connectPair(fs, kAfInet6);
    std::string got;
    CHECK(send(c.client, "six") == 3);
    CHECK(recv(c.server, &got, 8) == 3);

    Ref<File> dual = inetSocket(kAfInet6, kSockStream);
    std::string any = v6("::", 0);
    REQUIRE(dual->socket()->bind(fs.ctx, bytes(any), any.size()) == 0);
    REQUIRE(dual->socket()->listen(2, Ucred{}) == 0);
    Ref<File> c4 = inetSocket(kAfInet, kSockStream);
    std::string to = v4("127.0.0.1", portOf(dual));
    long r = c4->socket()->connect(fs.ctx, bytes(to), to.size(), Ucred{});
    REQUIRE((r == 0 || r == -EINPROGRESS));
    Ref<File> s;
    REQUIRE(dual->socket()->accept(0, Cred{}, &s) == 0);
    uint8_t name[kSockAddrMax];
    size_t n = 0;
    REQUIRE(s->socket()->name(true, name, &n) == 0);
    REQUIRE(n == sizeof(sockaddr_in6));
    char text[64];
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(name)->sin6_addr, text, sizeof text);
    CHECK(std::string(text) == "::ffff:127.0.0.1");
}

TEST_CASE("inet: UDP datagrams keep their boundaries, senders and truncation") {
    Fs fs;
    Ref<File> a = inetSocket(kAfInet, kSockDgram);
    Ref<File> b = inetSocket(kAfInet, kSockDgram);
    std::string any = v4("127.0.0.1", 0);
    REQUIRE(a->socket()->bind(fs.ctx, bytes(any), any.size()) == 0);
    std::string to = v4("127.0.0.1", portOf(a));
    CHECK(send(b, "one", 0, to) == 3);
    CHECK(send(b, "second datagram", 0, to) == 15);
    CHECK(send(b, "x") == -EDESTADDRREQ);
    std::string got, from;
    int flags = 0;
    CHECK(recv(a, &got, 64, 0, &from) == 3);
    CHECK(got == "one");
    REQUIRE(from.size() == sizeof(sockaddr_in));
    CHECK(ntohs(reinterpret_cast<const sockaddr_in*>(from.data())->sin_port) == portOf(b));
    CHECK(recv(a, &got, 6, 0, nullptr, &flags) == 6);
    CHECK(got == "second");
    CHECK((flags & kMsgTrunc) != 0);
    CHECK(recv(a, &got, 64) == -EAGAIN);
    CHECK((a->poll() & kPollIn) == 0);
    REQUIRE(b->socket()->connect(fs.ctx, bytes(to), to.size(), Ucred{}) == 0);
    CHECK(send(b, "connected") == 9);
    CHECK((a->poll() & kPollIn) != 0);
    CHECK(recv(a, &got, 64) == 9);
}
