// AF_UNIX sockets (vfs/unix_socket.h): stream pairs, datagrams, named and abstract sockets,
// listen/accept and backlogs, shutdown and close, readiness and epoll edges, SCM_RIGHTS,
// options. On the host nobody can be waited for, so every call here is non-blocking (a
// blocking one is interrupted at once).
#include "libos_vfs_fixture.h"
#include "vfs/env.h"
#include "vfs/epoll.h"
#include "vfs/pipe.h"
#include "vfs/unix_socket.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uk::vfs;

namespace {

int g_sigpipes = 0;
void countSigpipe() {
    ++g_sigpipes;
}

constexpr size_t kDefaultBuf = 212992; // net.core.wmem_default
const Ucred kMe{42, 1000, 100};
void callerIsMe(int32_t* pid, uint32_t* uid, uint32_t* gid) {
    *pid = kMe.pid;
    *uid = kMe.uid;
    *gid = kMe.gid;
}

SocketFile* S(const Ref<File>& f) {
    return f->socket();
}

Ref<File> makeSocket(int type, uint32_t flags = kONonblock) {
    Ref<File> f;
    REQUIRE(makeUnixSocket(type, flags, Cred{}, &f) == 0);
    return f;
}

void makePair(int type, Ref<File>* a, Ref<File>* b) {
    REQUIRE(makeUnixSocketPair(type, kONonblock, Cred{}, kMe, a, b) == 0);
}

// A sockaddr_un for a path (with its NUL) or an abstract name (a leading NUL, no ending one).
std::string pathAddr(const std::string& path) {
    std::string a("\x01\x00", 2);
    return a + path + std::string(1, '\0');
}
std::string abstractAddr(const std::string& name) {
    std::string a("\x01\x00\x00", 3);
    return a + name;
}
const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

long sendTo(const Ref<File>& f, const std::string& data, int flags = 0, Context* ctx = nullptr,
            const std::string& to = "", FileList* rights = nullptr) {
    IoVec v{reinterpret_cast<uint64_t>(data.data()), data.size()};
    SocketMessage m;
    m.iov = &v;
    m.iovCount = 1;
    m.total = data.size();
    m.flags = flags;
    m.ctx = ctx;
    m.self = kMe;
    __builtin_memcpy(m.name, to.data(), to.size());
    m.nameLen = to.size();
    if (rights != nullptr) {
        m.rights.files = rights->files;
        m.rights.count = rights->count;
        rights->files = nullptr;
        rights->count = 0;
    }
    return S(f)->sendMsg(m);
}

struct Received {
    long result = 0;
    std::string data;
    std::string from;
    int msgFlags = 0;
    std::vector<Ref<File>> rights;
    bool hasCreds = false;
    Ucred creds{};
};

Received recvFrom(const Ref<File>& f, size_t max, int flags = 0) {
    std::string buf(max, '\0');
    IoVec v{reinterpret_cast<uint64_t>(buf.data()), max};
    SocketMessage m;
    m.iov = &v;
    m.iovCount = 1;
    m.total = max;
    m.flags = flags;
    Received r;
    r.result = S(f)->recvMsg(m);
    if (r.result >= 0) {
        size_t n = static_cast<size_t>(r.result) < max ? static_cast<size_t>(r.result) : max;
        r.data = buf.substr(0, n);
    }
    r.from = std::string(reinterpret_cast<const char*>(m.name), m.nameLen);
    r.msgFlags = m.msgFlags;
    for (int i = 0; i < m.rights.count; ++i) {
        r.rights.push_back(m.rights.files[i]);
    }
    r.hasCreds = m.hasCreds;
    r.creds = m.creds;
    return r;
}

std::string nameOf(const Ref<File>& f, bool peer) {
    uint8_t buf[kSockAddrMax];
    size_t len = 0;
    long r = S(f)->name(peer, buf, &len);
    if (r < 0) {
        return "E" + std::to_string(-r);
    }
    return std::string(reinterpret_cast<const char*>(buf), len);
}

int intOption(const Ref<File>& f, int option) {
    int v = -1;
    size_t len = sizeof v;
    REQUIRE(S(f)->getOption(kSolSocket, option, &v, &len) == 0);
    CHECK(len == sizeof v);
    return v;
}

bool has(uint32_t mask, uint32_t bits) {
    return (mask & bits) == bits;
}

} // namespace

TEST_CASE("unix sockets: a stream pair carries bytes both ways; shutdown, EOF, EPIPE") {
    setEnvironment(Environment{.brokenPipe = countSigpipe});
    Ref<File> a, b;
    makePair(kSockStream, &a, &b);
    CHECK(S(a)->type() == kSockStream);
    CHECK(S(a)->family() == kAfUnix);
    CHECK(has(a->poll(), kPollOut));
    CHECK_FALSE(has(a->poll(), kPollIn));
    CHECK(a->write("hello", 5) == 5);
    CHECK(a->write(" world", 6) == 6);
    CHECK(b->available() == 11);
    CHECK(has(b->poll(), kPollIn | kPollRdNorm));
    // A stream has no boundaries: both writes come in one read.
    Received r = recvFrom(b, 100, kMsgPeek);
    CHECK(r.data == "hello world");
    CHECK(recvFrom(b, 3).data == "hel");
    CHECK(recvFrom(b, 100).data == "lo world");
    CHECK(recvFrom(b, 100).result == -EAGAIN);
    CHECK(b->write("back", 4) == 4);
    CHECK(recvFrom(a, 100).data == "back");

    // SHUT_WR: the peer reads what is left, then end of file; writing here is EPIPE.
    CHECK(a->write("last", 4) == 4);
    CHECK(S(a)->shutdown(kShutWr) == 0);
    CHECK(has(b->poll(), kPollIn | kPollRdHup));
    CHECK_FALSE(has(b->poll(), kPollHup));
    CHECK(recvFrom(b, 100).data == "last");
    CHECK(recvFrom(b, 100).result == 0);
    int before = g_sigpipes;
    CHECK(a->write("x", 1) == -EPIPE);
    CHECK(g_sigpipes == before + 1);
    CHECK(sendTo(a, "x", kMsgNosignal) == -EPIPE);
    CHECK(g_sigpipes == before + 1);
    CHECK(S(a)->shutdown(3) == -EINVAL);

    // Closing one end: the other sees POLLHUP, EOF after the data, EPIPE on write.
    Ref<File> c, d;
    makePair(kSockStream, &c, &d);
    CHECK(c->write("bye", 3) == 3);
    c.reset();
    CHECK(has(d->poll(), kPollHup | kPollIn | kPollRdHup));
    CHECK(recvFrom(d, 10).data == "bye");
    CHECK(recvFrom(d, 10).result == 0);
    CHECK(d->write("x", 1) == -EPIPE);
    CHECK(g_sigpipes == before + 2);
    // getpeername still names the (unnamed) peer.
    CHECK(nameOf(d, true) == std::string("\x01\x00", 2));

    // Closing with unread data: the peer's next read that finds nothing says ECONNRESET once.
    Ref<File> e, g;
    makePair(kSockStream, &e, &g);
    CHECK(g->write("unread", 6) == 6);
    e.reset();
    CHECK(has(g->poll(), kPollErr));
    CHECK(recvFrom(g, 10).result == -ECONNRESET);
    CHECK(recvFrom(g, 10).result == 0);
}

TEST_CASE("unix sockets: datagrams keep their boundaries; MSG_TRUNC; seqpacket") {
    Ref<File> a, b;
    makePair(kSockDgram, &a, &b);
    CHECK(a->write("one", 3) == 3);
    CHECK(a->write("", 0) == 0); // an empty datagram is a datagram
    CHECK(a->write("three", 5) == 5);
    CHECK(b->available() == 3); // FIONREAD: the first datagram's size
    CHECK(recvFrom(b, 100).data == "one");
    Received empty = recvFrom(b, 100);
    CHECK(empty.result == 0);
    CHECK(empty.data.empty());
    Received cut = recvFrom(b, 2);
    CHECK(cut.data == "th");
    CHECK(cut.msgFlags == kMsgTrunc);
    CHECK(recvFrom(b, 100).result == -EAGAIN); // the rest of a datagram is gone
    CHECK(a->write("four", 4) == 4);
    Received full = recvFrom(b, 2, kMsgTrunc | kMsgPeek);
    CHECK(full.result == 4); // MSG_TRUNC: the real length
    CHECK(full.data == "fo");
    CHECK(recvFrom(b, 10).data == "four");
    // Too big for the send buffer.
    std::string big(kDefaultBuf, 'x');
    CHECK(sendTo(a, big) == -EMSGSIZE);

    Ref<File> p, q;
    makePair(kSockSeqpacket, &p, &q);
    CHECK(p->write("rec1", 4) == 4);
    CHECK(p->write("rec22", 5) == 5);
    CHECK(q->available() == 9);
    CHECK(recvFrom(q, 100).data == "rec1");
    Received part = recvFrom(q, 3);
    CHECK(part.data == "rec");
    CHECK(part.msgFlags == kMsgTrunc);
    p.reset();
    CHECK(has(q->poll(), kPollHup));
    CHECK(recvFrom(q, 10).result == 0); // end of file, even non-blocking
    CHECK(q->write("x", 1) == -EPIPE);
    Ref<File> lone = makeSocket(kSockSeqpacket);
    CHECK(recvFrom(lone, 10).result == -ENOTCONN);
    CHECK(lone->write("x", 1) == -ENOTCONN);
}

TEST_CASE("unix sockets: bind, listen, connect, accept, names and peer credentials") {
    test::Fs fs;
    Ref<File> server = makeSocket(kSockStream);
    std::string addr = pathAddr("/srv.sock");
    CHECK(S(server)->listen(5, kMe) == -EINVAL); // not bound
    REQUIRE(S(server)->bind(fs.ctx, bytes(addr), addr.size()) == 0);
    Attr at;
    REQUIRE(fs.stat("/srv.sock", &at) == 0);
    CHECK((at.mode & kIfMt) == kIfSock);
    CHECK((at.mode & 0777) == 0755); // 0777 less the umask
    // Bound already: the node is made, then removed again, and EINVAL.
    std::string addr2 = pathAddr("/srv2.sock");
    CHECK(S(server)->bind(fs.ctx, bytes(addr2), addr2.size()) == -EINVAL);
    CHECK_FALSE(fs.exists("/srv2.sock"));
    CHECK(S(server)->bind(fs.ctx, bytes(addr), addr.size()) == -EADDRINUSE);
    Ref<File> other = makeSocket(kSockStream);
    CHECK(S(other)->bind(fs.ctx, bytes(addr), addr.size()) == -EADDRINUSE);
    CHECK(nameOf(server, false) == addr);
    CHECK(nameOf(server, true) == "E" + std::to_string(ENOTCONN));

    // Nothing listens yet: refused; no such path: ENOENT; not a socket: refused.
    Ref<File> client = makeSocket(kSockStream);
    CHECK(S(client)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == -ECONNREFUSED);
    std::string missing = pathAddr("/nothing");
    CHECK(S(client)->connect(fs.ctx, bytes(missing), missing.size(), kMe) == -ENOENT);
    REQUIRE(fs.write("/plain", "x") == 1);
    std::string plain = pathAddr("/plain");
    CHECK(S(client)->connect(fs.ctx, bytes(plain), plain.size(), kMe) == -ECONNREFUSED);
    Ref<File> dgram = makeSocket(kSockDgram);
    CHECK(S(dgram)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == -EPROTOTYPE);
    CHECK(S(client)->connect(fs.ctx, bytes(addr), 2, kMe) == -EINVAL);

    const Ucred serverCred{7, 0, 0};
    REQUIRE(S(server)->listen(5, serverCred) == 0);
    CHECK(intOption(server, kSoAcceptconn) == 1);
    CHECK_FALSE(has(server->poll(), kPollIn));
    CHECK_FALSE(has(server->poll(), kPollOut));
    Ref<File> conn;
    CHECK(S(server)->accept(kONonblock, Cred{}, &conn) == -EAGAIN);
    REQUIRE(S(client)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == 0);
    CHECK(S(client)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == -EISCONN);
    CHECK(has(server->poll(), kPollIn));
    // Data may go before the connection is accepted.
    CHECK(client->write("early", 5) == 5);
    REQUIRE(S(server)->accept(kONonblock, Cred{}, &conn) == 0);
    CHECK_FALSE(has(server->poll(), kPollIn));
    CHECK(conn->nonBlocking());
    CHECK(recvFrom(conn, 10).data == "early");
    CHECK(nameOf(conn, false) == addr); // the listener's name
    CHECK(nameOf(conn, true) == std::string("\x01\x00", 2));
    CHECK(nameOf(client, true) == addr);
    // SO_PEERCRED: the connecting process for the server's end, the listener's for the client.
    Ucred pc{};
    size_t len = sizeof pc;
    REQUIRE(S(conn)->getOption(kSolSocket, kSoPeercred, &pc, &len) == 0);
    CHECK(len == sizeof pc);
    CHECK(pc.pid == kMe.pid);
    CHECK(pc.uid == kMe.uid);
    CHECK(pc.gid == kMe.gid);
    REQUIRE(S(client)->getOption(kSolSocket, kSoPeercred, &pc, &len) == 0);
    CHECK(pc.pid == 7);
    CHECK(pc.uid == 0);

    // After the socket closes, its node stays and nobody listens there.
    server.reset();
    CHECK(fs.exists("/srv.sock"));
    Ref<File> late = makeSocket(kSockStream);
    CHECK(S(late)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == -ECONNREFUSED);
    CHECK(fs.unlink("/srv.sock") == 0);

    // A node that exists (even a dangling symlink) is EADDRINUSE.
    REQUIRE(fs.symlink("/nowhere", "/link") == 0);
    std::string link = pathAddr("/link");
    CHECK(S(late)->bind(fs.ctx, bytes(link), link.size()) == -EADDRINUSE);
}

TEST_CASE("unix sockets: a full backlog; listener close resets pending connections") {
    test::Fs fs;
    Ref<File> server = makeSocket(kSockStream);
    std::string addr = abstractAddr("backlog");
    REQUIRE(S(server)->bind(fs.ctx, bytes(addr), addr.size()) == 0);
    REQUIRE(S(server)->listen(1, kMe) == 0);
    // backlog 1: two pending connections fit (Linux's "more than backlog" rule).
    Ref<File> c1 = makeSocket(kSockStream), c2 = makeSocket(kSockStream),
              c3 = makeSocket(kSockStream);
    CHECK(S(c1)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == 0);
    CHECK(S(c2)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == 0);
    CHECK(S(c3)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == -EAGAIN);
    Ref<File> conn;
    REQUIRE(S(server)->accept(0, Cred{}, &conn) == 0);
    CHECK(S(c3)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == 0);
    server.reset();
    // c2 and c3 were never accepted: reset. c1's connection lives on.
    CHECK(has(c2->poll(), kPollHup | kPollErr));
    CHECK(recvFrom(c2, 10).result == -ECONNRESET);
    CHECK(c1->write("ok", 2) == 2);
    CHECK(recvFrom(conn, 10).data == "ok");
}

TEST_CASE("unix sockets: abstract names, autobind, datagrams to a name") {
    test::Fs fs;
    Ref<File> a = makeSocket(kSockDgram), b = makeSocket(kSockDgram);
    std::string name = abstractAddr("svc\0x");
    REQUIRE(S(a)->bind(fs.ctx, bytes(name), name.size()) == 0);
    CHECK(nameOf(a, false) == name);
    CHECK(S(b)->bind(fs.ctx, bytes(name), name.size()) == -EADDRINUSE);
    // The same name for another type is another name.
    Ref<File> st = makeSocket(kSockStream);
    CHECK(S(st)->bind(fs.ctx, bytes(name), name.size()) == 0);
    // Nothing was created in the file system.
    CHECK(fs.list("/").empty());

    // Autobind: "\0" and five hex digits.
    CHECK(S(b)->bind(fs.ctx, bytes(name), 2) == 0);
    std::string auto1 = nameOf(b, false);
    REQUIRE(auto1.size() == 8);
    CHECK(auto1[2] == '\0');
    CHECK(auto1.find_first_not_of("0123456789abcdef", 3) == std::string::npos);

    // sendto a name: the receiver learns who sent it.
    CHECK(sendTo(b, "ping", 0, &fs.ctx, name) == 4);
    Received r = recvFrom(a, 10);
    CHECK(r.data == "ping");
    CHECK(r.from == auto1);
    // From an unbound socket there is no name to report.
    Ref<File> c = makeSocket(kSockDgram);
    CHECK(sendTo(c, "anon", 0, &fs.ctx, name) == 4);
    r = recvFrom(a, 10);
    CHECK(r.data == "anon");
    CHECK(r.from.empty());
    CHECK(sendTo(c, "x", 0, &fs.ctx, abstractAddr("nobody")) == -ECONNREFUSED);
    CHECK(c->write("x", 1) == -ENOTCONN);

    // A connected datagram socket: send goes to the peer; others may not send to it.
    REQUIRE(S(a)->connect(fs.ctx, bytes(auto1), auto1.size(), kMe) == 0);
    CHECK(nameOf(a, true) == auto1);
    CHECK(sendTo(c, "no", 0, &fs.ctx, name) == -EPERM);
    CHECK(a->write("to b", 4) == 4);
    CHECK(recvFrom(b, 10).data == "to b");

    // Eleven datagrams queue from a sender the receiver is not connected to; then EAGAIN.
    Ref<File> sink = makeSocket(kSockDgram), src = makeSocket(kSockDgram);
    std::string sinkName = abstractAddr("sink");
    REQUIRE(S(sink)->bind(fs.ctx, bytes(sinkName), sinkName.size()) == 0);
    REQUIRE(S(src)->connect(fs.ctx, bytes(sinkName), sinkName.size(), kMe) == 0);
    int sent = 0;
    while (src->write("d", 1) == 1 && sent < 100) {
        ++sent;
    }
    CHECK(sent == 11);
    CHECK(src->write("d", 1) == -EAGAIN);
    CHECK_FALSE(has(src->poll(), kPollOut));
    CHECK(recvFrom(sink, 10).data == "d");
    CHECK(has(src->poll(), kPollOut));
    // The receiver goes away: the connected sender is refused, then not connected.
    sink.reset();
    CHECK(src->write("d", 1) == -ECONNREFUSED);
    CHECK(src->write("d", 1) == -ENOTCONN);
}

TEST_CASE("unix sockets: readiness wakes epoll, edge-triggered included") {
    Ref<File> a, b;
    makePair(kSockStream, &a, &b);
    Ref<EpollFile> ep = EpollFile::create(0);
    REQUIRE(ep);
    REQUIRE(ep->control(kEpollCtlAdd, 4, b.get(), EpollEvent{kEpollIn | kEpollEt, 4}) == 0);
    EpollEvent out[4];
    CHECK(ep->collect(out, 4) == 0);
    CHECK(a->write("1", 1) == 1);
    CHECK(ep->collect(out, 4) == 1);
    CHECK(ep->collect(out, 4) == 0); // no new edge
    CHECK(a->write("2", 1) == 1);    // more data: a new edge
    CHECK(ep->collect(out, 4) == 1);
    CHECK(S(a)->shutdown(kShutWr) == 0);
    REQUIRE(ep->collect(out, 4) == 1);
    uint32_t events = out[0].events;
    CHECK(events == kEpollIn);
    CHECK(ep->control(kEpollCtlMod, 4, b.get(), EpollEvent{kEpollIn | kEpollRdHup | kEpollEt, 5}) ==
          0);
    REQUIRE(ep->collect(out, 4) == 1);
    events = out[0].events;
    CHECK(events == (kEpollIn | kEpollRdHup));

    // Writability comes back when the reader drains a full buffer.
    Ref<File> c, d;
    makePair(kSockStream, &c, &d);
    REQUIRE(ep->control(kEpollCtlAdd, 6, c.get(), EpollEvent{kEpollOut | kEpollEt, 6}) == 0);
    CHECK(ep->collect(out, 4) == 1);
    std::string chunk(65536, 'z');
    long total = 0;
    for (;;) {
        long n = c->write(chunk.data(), chunk.size());
        if (n < 0) {
            CHECK(n == -EAGAIN);
            break;
        }
        total += n;
    }
    CHECK(total >= 212992);
    CHECK(total < 212992 + 65536 + 65536);
    CHECK_FALSE(has(c->poll(), kPollOut));
    CHECK(ep->collect(out, 4) == 0);
    long unsent = S(c)->unsent();
    CHECK(unsent == total);
    std::string sink(1 << 20, '\0');
    long drained = 0;
    while (drained < total) {
        long n = d->read(sink.data(), sink.size());
        REQUIRE(n > 0);
        drained += n;
    }
    CHECK(has(c->poll(), kPollOut));
    CHECK(ep->collect(out, 4) == 1);

    // A listener is readable while connections wait.
    test::Fs fs;
    Ref<File> server = makeSocket(kSockSeqpacket);
    std::string addr = pathAddr("/l");
    REQUIRE(S(server)->bind(fs.ctx, bytes(addr), addr.size()) == 0);
    REQUIRE(S(server)->listen(0, kMe) == 0);
    REQUIRE(ep->control(kEpollCtlAdd, 7, server.get(), EpollEvent{kEpollIn, 7}) == 0);
    CHECK(ep->collect(out, 4) == 0);
    Ref<File> client = makeSocket(kSockSeqpacket);
    REQUIRE(S(client)->connect(fs.ctx, bytes(addr), addr.size(), kMe) == 0);
    REQUIRE(ep->collect(out, 4) == 1);
    uint64_t data = out[0].data;
    CHECK(data == 7);
    // An unconnected stream socket says POLLOUT|POLLHUP, as Linux.
    Ref<File> fresh = makeSocket(kSockStream);
    CHECK(has(fresh->poll(), kPollOut | kPollHup));
}

TEST_CASE("unix sockets: SCM_RIGHTS passes open files; peeking duplicates them") {
    Ref<File> a, b;
    makePair(kSockStream, &a, &b);
    Ref<File> r, w;
    REQUIRE(Pipe::makePair(0, &r, &w) == 0);
    FileList rights;
    rights.files = new Ref<File>[1];
    rights.files[0] = w;
    rights.count = 1;
    CHECK(sendTo(a, "fd", 0, nullptr, "", &rights) == 2);
    CHECK(a->write("after", 5) == 5);
    w.reset(); // in flight, the write end lives on
    Received peek = recvFrom(b, 100, kMsgPeek);
    CHECK(peek.data == "fd"); // a read stops after the message that carries files
    REQUIRE(peek.rights.size() == 1);
    Received got = recvFrom(b, 100);
    CHECK(got.data == "fd");
    REQUIRE(got.rights.size() == 1);
    CHECK(got.rights[0].get() == peek.rights[0].get());
    CHECK(got.rights[0]->write("via", 3) == 3);
    char buf[8] = {};
    CHECK(r->read(buf, sizeof buf) == 3);
    CHECK(std::string(buf, 3) == "via");
    CHECK(recvFrom(b, 100).data == "after");

    // Files still queued when the receiver closes are closed with it.
    Ref<File> c, d;
    makePair(kSockDgram, &c, &d);
    Ref<File> r2, w2;
    REQUIRE(Pipe::makePair(kONonblock, &r2, &w2) == 0);
    FileList more;
    more.files = new Ref<File>[1];
    more.files[0] = w2;
    more.count = 1;
    w2.reset();
    CHECK(sendTo(c, "x", 0, nullptr, "", &more) == 1);
    CHECK(r2->read(buf, 1) == -EAGAIN); // a writer exists: in flight
    d.reset();
    CHECK(r2->read(buf, 1) == 0); // the last writer closed with the queue
}

TEST_CASE("unix sockets: options, describe, fstat, credentials") {
    Ref<File> a, b;
    makePair(kSockDgram, &a, &b);
    CHECK(intOption(a, kSoType) == kSockDgram);
    CHECK(intOption(a, kSoDomain) == kAfUnix);
    CHECK(intOption(a, kSoError) == 0);
    CHECK(intOption(a, kSoAcceptconn) == 0);
    CHECK(intOption(a, kSoSndbuf) == 212992);
    int v = 10000;
    CHECK(S(a)->setOption(kSolSocket, kSoSndbuf, &v, sizeof v) == 0);
    CHECK(intOption(a, kSoSndbuf) == 20000);
    v = 1;
    CHECK(S(a)->setOption(kSolSocket, kSoRcvbuf, &v, sizeof v) == 0);
    CHECK(intOption(a, kSoRcvbuf) == 2304);
    CHECK(S(a)->setOption(kSolSocket, kSoReuseaddr, &v, sizeof v) == 0);
    CHECK(intOption(a, kSoReuseaddr) == 1);
    CHECK(S(a)->setOption(kSolSocket, kSoKeepalive, &v, 2) == -EINVAL);
    CHECK(S(a)->setOption(kSolSocket, 9999, &v, sizeof v) == -ENOPROTOOPT);
    CHECK(S(a)->setOption(6 /* IPPROTO_TCP */, 1, &v, sizeof v) == -EOPNOTSUPP);
    CHECK(S(a)->setOption(kSolSocket, kSoType, &v, sizeof v) == -ENOPROTOOPT);
    int64_t tv[2] = {1, 500000};
    CHECK(S(a)->setOption(kSolSocket, kSoRcvtimeoOld, tv, sizeof tv) == 0);
    int64_t back[2] = {};
    size_t len = sizeof back;
    CHECK(S(a)->getOption(kSolSocket, kSoRcvtimeoOld, back, &len) == 0);
    CHECK(len == sizeof back);
    CHECK(back[0] == 1);
    CHECK(back[1] == 500000);
    tv[1] = 1000000;
    CHECK(S(a)->setOption(kSolSocket, kSoSndtimeoOld, tv, sizeof tv) == -EDOM);
    // A short buffer gets a short answer.
    len = 2;
    CHECK(S(a)->getOption(kSolSocket, kSoType, &v, &len) == 0);
    CHECK(len == 2);

    // SO_PASSCRED: every message says who sent it (write(2) asks the environment who calls).
    setEnvironment(Environment{.callerIds = callerIsMe});
    v = 1;
    CHECK(S(b)->setOption(kSolSocket, kSoPasscred, &v, sizeof v) == 0);
    CHECK(a->write("c", 1) == 1);
    Received r = recvFrom(b, 4);
    CHECK(r.hasCreds);
    CHECK(r.creds.pid == kMe.pid);
    CHECK(r.creds.uid == kMe.uid);

    Text t;
    a->describe(&t);
    std::string d(t.c_str());
    CHECK(d.rfind("socket:[", 0) == 0);
    CHECK(d.back() == ']');
    REQUIRE(a->node() != nullptr);
    CHECK(a->node()->type() == kIfSock);
    CHECK((a->node()->mode() & 0777) == 0777);
    CHECK(a->node()->ino() != b->node()->ino());
    Ref<File> opened;
    CHECK(a->node()->open(kORdwr, &opened) == -ENXIO);
    // Blocking calls cannot wait on the host: interrupted, to be restarted.
    Ref<File> p, q;
    REQUIRE(makeUnixSocketPair(kSockStream, 0, Cred{}, kMe, &p, &q) == 0);
    char c;
    CHECK(q->read(&c, 1) == -kRestartSys);
}
