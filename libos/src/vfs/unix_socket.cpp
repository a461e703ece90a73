#include "unix_socket.h"

#include "../sched/wait_queue.h"
#include "env.h"
#include "ops.h"
#include "wait.h"

namespace uk::vfs {

namespace {

constexpr size_t kDefaultBuf = 212992;    // net.core.wmem_default / rmem_default
constexpr size_t kMaxBuf = 212992;        // net.core.wmem_max / rmem_max
constexpr size_t kMinSndbuf = 4608;       // SOCK_MIN_SNDBUF
constexpr size_t kMinRcvbuf = 2304;       // SOCK_MIN_RCVBUF
constexpr size_t kMaxDgramQlen = 10;      // net.unix.max_dgram_qlen
constexpr int kSomaxconn = 4096;          // net.core.somaxconn
constexpr size_t kMessageCost = 512;      // what a queued message costs besides its bytes
constexpr size_t kChunkMin = 2048;        // room a small stream write leaves for the next ones
constexpr uint64_t kForever = kNoTimeout; // SO_RCVTIMEO / SO_SNDTIMEO not set
constexpr uint8_t kRcvShutdown = 1, kSendShutdown = 2, kShutdownMask = 3;
constexpr unsigned long kFionread = 0x541b;

// Options that are only remembered (SO_REUSEADDR and kin), as bits.
constexpr uint32_t flagBit(int option) {
    return 1u << option;
}
constexpr uint32_t kStoredFlags =
    flagBit(kSoDebug) | flagBit(kSoReuseaddr) | flagBit(kSoDontroute) | flagBit(kSoBroadcast) |
    flagBit(kSoKeepalive) | flagBit(kSoOobinline) | flagBit(kSoNoCheck) | flagBit(kSoReuseport) |
    flagBit(kSoPasscred);

class UnixSocket;

// A sockaddr_un as bound or given: `len` bytes (0: none). Path names end with their NUL,
// abstract ones are the bytes given.
struct Address {
    size_t len = 0;
    uint8_t bytes[kSockAddrUnSize + 1] = {};

    bool abstract() const { return len > kSunPathOffset && bytes[kSunPathOffset] == 0; }
    const char* path() const { return reinterpret_cast<const char*>(bytes + kSunPathOffset); }
    bool operator==(const Address& o) const {
        return len == o.len && __builtin_memcmp(bytes, o.bytes, len) == 0;
    }
};

// unix_validate_addr and unix_mkname_bsd: EINVAL unless an AF_UNIX name; a path stops at its
// first NUL (or after 108 bytes) and keeps one.
long parseAddress(const uint8_t* addr, size_t len, Address* out) {
    if (len <= kSunPathOffset || len > kSockAddrUnSize) {
        return -EINVAL;
    }
    uint16_t family;
    __builtin_memcpy(&family, addr, sizeof family);
    if (family != kAfUnix) {
        return -EINVAL;
    }
    __builtin_memcpy(out->bytes, addr, len);
    if (addr[kSunPathOffset] == 0) {
        out->len = len;
        return 0;
    }
    size_t n = 0;
    while (kSunPathOffset + n < len && addr[kSunPathOffset + n] != 0) {
        ++n;
    }
    out->bytes[kSunPathOffset + n] = 0;
    out->len = kSunPathOffset + n + 1;
    return 0;
}

// Walks the user's iovec while copying into or out of it.
class IovCursor {
public:
    IovCursor(const IoVec* v, int n) : v_(v), n_(n) {}
    // From the user's buffers into `dst`; from `src` into the user's buffers.
    void read(void* dst, size_t len) { move<false>(static_cast<char*>(dst), nullptr, len); }
    void write(const void* src, size_t len) {
        move<true>(nullptr, static_cast<const char*>(src), len);
    }

private:
    template <bool ToUser>
    void move(char* dst, const char* src, size_t len) {
        while (len > 0 && i_ < n_) {
            size_t room = v_[i_].len - off_;
            if (room == 0) {
                ++i_;
                off_ = 0;
                continue;
            }
            size_t n = room < len ? room : len;
            char* user = reinterpret_cast<char*>(v_[i_].base) + off_;
            if constexpr (ToUser) {
                __builtin_memcpy(user, src, n);
                src += n;
            } else {
                __builtin_memcpy(dst, user, n);
                dst += n;
            }
            len -= n;
            off_ += n;
        }
    }

    const IoVec* v_;
    int n_;
    int i_ = 0;
    size_t off_ = 0;
};

bool sameCred(const Ucred& a, const Ucred& b) {
    return a.pid == b.pid && a.uid == b.uid && a.gid == b.gid;
}

// A queued message (datagram or seqpacket record), or a run of stream bytes from one write
// or several.
struct Message {
    Message* next = nullptr;
    char* data = nullptr;
    size_t len = 0;
    size_t cap = 0;
    size_t consumed = 0; // stream bytes already read
    size_t charge = 0;   // what it counts in the sender's wmem
    Ref<UnixSocket> sender;
    Ucred cred{};
    FileList rights;

    ~Message() { delete[] data; }
    size_t unread() const { return len - consumed; }
};

// Copies (dup) or moves the files of `from` into `to`. False when memory is exhausted.
bool copyRights(FileList& from, FileList& to, bool move) {
    if (from.count == 0) {
        return true;
    }
    Ref<File>* files = new (std::nothrow) Ref<File>[from.count];
    if (files == nullptr) {
        return false;
    }
    for (int i = 0; i < from.count; ++i) {
        files[i] = from.files[i];
    }
    delete[] to.files;
    to.files = files;
    to.count = from.count;
    if (move) {
        delete[] from.files;
        from.files = nullptr;
        from.count = 0;
    }
    return true;
}

enum class State : uint8_t { Closed, Listening, Connected };

class UnixSocket : public RefCounted {
public:
    explicit UnixSocket(int type);

    int type() const { return type_; }
    long bind(Context& ctx, const uint8_t* addr, size_t len);
    long connect(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self, bool nb);
    long listen(int backlog, const Ucred& self);
    long accept(bool nb, Ref<UnixSocket>* out);
    long shutdown(int how);
    long send(SocketMessage& m, bool nb);
    long recv(SocketMessage& m, bool nb);
    long name(bool peer, uint8_t* out, size_t* len) const;
    long getOption(int level, int option, void* val, size_t* len);
    long setOption(int level, int option, const void* val, size_t len);
    uint32_t poll() const;
    long available() const;
    long unsent() const { return static_cast<long>(wmem_); }
    sched::WaitQueue& queue() { return queue_; }
    // A message of this socket left a queue: its send budget grew.
    void uncharge(size_t n);

    UnixSocket* next() const { return allNext_; }
    bool isRegistered() const { return registered_; }
    const Address& address() const { return addr_; }
    Node* boundNode() const { return node_.get(); }
    // The file description went away (embryo: a connection never accepted).
    void release(bool embryo);
    // socketpair: connects two fresh sockets.
    static void pair(UnixSocket* a, UnixSocket* b, const Ucred& self);

protected:
    ~UnixSocket() override;

private:
    long autobind();
    long connectStream(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self, bool nb);
    long connectDgram(Context& ctx, const uint8_t* addr, size_t len);
    long sendStream(SocketMessage& m, bool nb);
    long sendDgram(SocketMessage& m, bool nb);
    long recvStream(SocketMessage& m, bool nb);
    long recvDgram(SocketMessage& m, bool nb);
    // One wait for the blocking calls: 0 to look again, or what the call returns.
    long waitFor(sched::WaitQueue& q, uint64_t deadline);
    uint64_t deadline(bool receive) const;
    int takeError() {
        int e = err_;
        err_ = 0;
        return e;
    }
    void enqueue(Message* m);
    void unlink(Message* m); // m is head_
    void dropQueue();
    // A dgram socket changed peers (or its peer died): messages from the old one go.
    void disconnected(UnixSocket* old);
    void wakeConnected(); // dgram sockets connected to this one: their POLLOUT may change
    void setAddress(const Address& a, Ref<Node> node);
    bool passcred() const { return flags_ & flagBit(kSoPasscred); }

    int type_;
    State state_ = State::Closed;
    bool dead_ = false;
    bool registered_ = false; // findable by its address (bound here, not inherited)
    uint8_t shutdown_ = 0;
    int err_ = 0;
    Ref<UnixSocket> peer_;
    Address addr_;
    Ref<Node> node_; // the S_IFSOCK node bind made

    Message* head_ = nullptr;
    Message* tail_ = nullptr;
    size_t messages_ = 0;
    size_t queued_ = 0; // unread bytes in the queue
    size_t wmem_ = 0;   // what this socket's messages in other queues cost

    // Listening: connections not accepted yet (their server-side endpoints).
    Ref<UnixSocket> pendingHead_;
    UnixSocket* pendingTail_ = nullptr;
    Ref<UnixSocket> nextPending_;
    int pending_ = 0;
    int backlog_ = 0;

    size_t sndbuf_ = kDefaultBuf;
    size_t rcvbuf_ = kDefaultBuf;
    uint32_t flags_ = 0;
    int priority_ = 0;
    int rcvlowat_ = 1;
    int linger_[2] = {0, 0};
    uint64_t rcvtimeo_ = kForever;
    uint64_t sndtimeo_ = kForever;
    Ucred peerCred_{0, kOverflowId, kOverflowId};

    sched::WaitQueue queue_;
    UnixSocket* allNext_ = nullptr;
    UnixSocket* allPrev_ = nullptr;
};

// Every live endpoint: bound names are found here, and dgram sockets connected to one.
constinit UnixSocket* g_all = nullptr;
constinit uint32_t g_autobind = 0x100000; // > 0xfffff: not chosen yet

UnixSocket::UnixSocket(int type) : type_(type) {
    allNext_ = g_all;
    if (g_all != nullptr) {
        g_all->allPrev_ = this;
    }
    g_all = this;
}

UnixSocket::~UnixSocket() {
    dropQueue();
    if (allPrev_ != nullptr) {
        allPrev_->allNext_ = allNext_;
    } else if (g_all == this) {
        g_all = allNext_;
    }
    if (allNext_ != nullptr) {
        allNext_->allPrev_ = allPrev_;
    }
}

// The first live socket `match(socket, registered, address, node)` accepts.
template <typename Fn>
UnixSocket* findSocket(Fn&& match) {
    for (UnixSocket* s = g_all; s != nullptr; s = s->next()) {
        if (match(s, s->isRegistered(), s->address(), s->boundNode())) {
            return s;
        }
    }
    return nullptr;
}

void UnixSocket::pair(UnixSocket* a, UnixSocket* b, const Ucred& self) {
    a->peer_ = Ref<UnixSocket>(b);
    b->peer_ = Ref<UnixSocket>(a);
    a->state_ = b->state_ = State::Connected;
    a->peerCred_ = b->peerCred_ = self;
}

void UnixSocket::setAddress(const Address& a, Ref<Node> node) {
    addr_ = a;
    node_ = static_cast<Ref<Node>&&>(node);
    registered_ = true;
}

// ---- names ------------------------------------------------------------------------------

long UnixSocket::autobind() {
    if (addr_.len != 0) {
        return 0;
    }
    if (g_autobind > 0xfffff) {
        uint32_t r = 0;
        randomBytes(&r, sizeof r);
        g_autobind = r & 0xfffff;
    }
    Address a;
    a.len = kSunPathOffset + 6;
    uint16_t family = kAfUnix;
    __builtin_memcpy(a.bytes, &family, sizeof family);
    for (uint32_t tries = 0; tries <= 0xfffff; ++tries) {
        g_autobind = (g_autobind + 1) & 0xfffff;
        static constexpr char kHex[] = "0123456789abcdef";
        for (int i = 0; i < 5; ++i) {
            a.bytes[kSunPathOffset + 1 + i] = kHex[(g_autobind >> (4 * (4 - i))) & 0xf];
        }
        bool taken = false;
        for (UnixSocket* s = g_all; s != nullptr; s = s->allNext_) {
            if (s->registered_ && s->type_ == type_ && s->addr_ == a) {
                taken = true;
                break;
            }
        }
        if (!taken) {
            setAddress(a, nullptr);
            return 0;
        }
    }
    return -ENOSPC;
}

long UnixSocket::bind(Context& ctx, const uint8_t* addr, size_t len) {
    if (len == kSunPathOffset) {
        uint16_t family;
        __builtin_memcpy(&family, addr, sizeof family);
        if (family == kAfUnix) {
            return autobind();
        }
    }
    Address a;
    if (long r = parseAddress(addr, len, &a); r < 0) {
        return r;
    }
    if (a.abstract()) {
        if (addr_.len != 0) {
            return -EINVAL;
        }
        for (UnixSocket* s = g_all; s != nullptr; s = s->allNext_) {
            if (s->registered_ && s->type_ == type_ && s->addr_ == a) {
                return -EADDRINUSE;
            }
        }
        setAddress(a, nullptr);
        return 0;
    }
    // A new S_IFSOCK node (mode 0777 less the umask), then the name: as Linux, a socket
    // that already has one gets EINVAL only after the node was made (and removed again).
    Ref<Node> node;
    long r = mknodAt(ctx, kAtFdCwd, a.path(), kIfSock | 0777, 0, &node);
    if (r < 0) {
        return r == -EEXIST ? -EADDRINUSE : r;
    }
    if (addr_.len != 0) {
        unlinkAt(ctx, kAtFdCwd, a.path(), 0);
        return -EINVAL;
    }
    if (!node && (r = lookupAt(ctx, kAtFdCwd, a.path(), kAtSymlinkNofollow, &node)) < 0) {
        return r;
    }
    setAddress(a, node);
    return 0;
}

// unix_find_other: the socket of `type` bound to `a`.
long findBound(Context* ctx, const Address& a, int type, Ref<UnixSocket>* out) {
    UnixSocket* found = nullptr;
    if (a.abstract()) {
        found = findSocket([&](UnixSocket* s, bool registered, const Address& name, Node*) {
            return registered && s->type() == type && name == a;
        });
        if (found == nullptr) {
            return -ECONNREFUSED;
        }
    } else {
        if (ctx == nullptr) {
            return -EINVAL;
        }
        Ref<Node> node;
        if (long r = lookupAt(*ctx, kAtFdCwd, a.path(), 0, &node); r < 0) {
            return r;
        }
        if (long r = permission(node.get(), kWOk, ctx->cred); r < 0) {
            return r;
        }
        if (node->type() != kIfSock) {
            return -ECONNREFUSED;
        }
        found = findSocket([&](UnixSocket*, bool registered, const Address&, Node* n) {
            return registered && n == node.get();
        });
        if (found == nullptr) {
            return -ECONNREFUSED;
        }
        if (found->type() != type) {
            return -EPROTOTYPE;
        }
        node->touchAtime();
    }
    *out = Ref<UnixSocket>(found);
    return 0;
}

long UnixSocket::name(bool peer, uint8_t* out, size_t* len) const {
    const UnixSocket* s = this;
    if (peer) {
        s = peer_.get();
        if (s == nullptr) {
            return -ENOTCONN;
        }
    }
    if (s->addr_.len == 0) {
        uint16_t family = kAfUnix;
        __builtin_memcpy(out, &family, sizeof family);
        out[kSunPathOffset] = 0;
        *len = kSunPathOffset;
        return 0;
    }
    __builtin_memcpy(out, s->addr_.bytes, s->addr_.len);
    *len = s->addr_.len;
    return 0;
}

// ---- connections ------------------------------------------------------------------------

uint64_t UnixSocket::deadline(bool receive) const {
    return socketDeadline(receive ? rcvtimeo_ : sndtimeo_);
}

long UnixSocket::waitFor(sched::WaitQueue& q, uint64_t deadline) {
    return socketWait(q, deadline);
}

long UnixSocket::connect(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self,
                         bool nb) {
    return type_ == kSockDgram ? connectDgram(ctx, addr, len)
                               : connectStream(ctx, addr, len, self, nb);
}

long UnixSocket::connectStream(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self,
                               bool nb) {
    Address target;
    if (long r = parseAddress(addr, len, &target); r < 0) {
        return r;
    }
    if (passcred() && addr_.len == 0) {
        if (long r = autobind(); r < 0) {
            return r;
        }
    }
    uint64_t until = deadline(false);
    if (sndtimeo_ == 0) {
        nb = true;
    }
    for (;;) {
        Ref<UnixSocket> other;
        if (long r = findBound(&ctx, target, type_, &other); r < 0) {
            return r;
        }
        if (other->state_ != State::Listening || (other->shutdown_ & kRcvShutdown)) {
            return -ECONNREFUSED;
        }
        if (other->pending_ > other->backlog_) {
            if (nb) {
                return -EAGAIN;
            }
            if (long r = waitFor(other->queue_, until); r < 0) {
                return r;
            }
            continue;
        }
        if (state_ != State::Closed) {
            return state_ == State::Connected ? -EISCONN : -EINVAL;
        }
        Ref<UnixSocket> server = make<UnixSocket>(type_);
        if (!server) {
            return -ENOMEM;
        }
        server->peer_ = Ref<UnixSocket>(this);
        server->state_ = State::Connected;
        server->peerCred_ = self;
        server->addr_ = other->addr_; // the listener's name, not findable through this one
        server->flags_ = other->flags_ & flagBit(kSoPasscred);
        peerCred_ = other->peerCred_; // who listened
        state_ = State::Connected;
        peer_ = server;
        if (other->pendingTail_ != nullptr) {
            other->pendingTail_->nextPending_ = server;
        } else {
            other->pendingHead_ = server;
        }
        other->pendingTail_ = server.get();
        ++other->pending_;
        wakeAll(other->queue_);
        wakeAll(queue_);
        return 0;
    }
}

long UnixSocket::connectDgram(Context& ctx, const uint8_t* addr, size_t len) {
    if (len < sizeof(uint16_t)) {
        return -EINVAL;
    }
    uint16_t family;
    __builtin_memcpy(&family, addr, sizeof family);
    Ref<UnixSocket> other;
    if (family != kAfUnspec) {
        Address target;
        if (long r = parseAddress(addr, len, &target); r < 0) {
            return r;
        }
        if (passcred() && addr_.len == 0) {
            if (long r = autobind(); r < 0) {
                return r;
            }
        }
        if (long r = findBound(&ctx, target, type_, &other); r < 0) {
            return r;
        }
        if (other->peer_ && other->peer_.get() != this) {
            return -EPERM; // it talks to someone else only
        }
        state_ = State::Connected;
    }
    Ref<UnixSocket> old = static_cast<Ref<UnixSocket>&&>(peer_);
    peer_ = other;
    if (!other) {
        state_ = State::Closed;
    }
    if (old && old.get() != other.get()) {
        disconnected(old.get());
    }
    wakeAll(queue_);
    return 0;
}

void UnixSocket::disconnected(UnixSocket* old) {
    if (head_ == nullptr) {
        return;
    }
    dropQueue();
    wakeAll(queue_);
    wakeConnected();
    if (!old->dead_ && old->peer_.get() == this) {
        old->err_ = ECONNRESET;
        wakeAll(old->queue_);
    }
}

long UnixSocket::listen(int backlog, const Ucred& self) {
    if (type_ == kSockDgram) {
        return -EOPNOTSUPP;
    }
    if (addr_.len == 0) {
        return -EINVAL; // no listening on an unbound socket
    }
    if (state_ != State::Closed && state_ != State::Listening) {
        return -EINVAL;
    }
    if (backlog < 0 || backlog > kSomaxconn) {
        backlog = kSomaxconn;
    }
    backlog_ = backlog;
    state_ = State::Listening;
    peerCred_ = self; // what connecting sockets see as their peer's
    wakeAll(queue_);
    return 0;
}

long UnixSocket::accept(bool nb, Ref<UnixSocket>* out) {
    if (type_ == kSockDgram) {
        return -EOPNOTSUPP;
    }
    if (state_ != State::Listening) {
        return -EINVAL;
    }
    uint64_t until = deadline(true);
    if (rcvtimeo_ == 0) {
        nb = true;
    }
    while (!pendingHead_) {
        if (shutdown_ & kRcvShutdown) {
            return -EINVAL;
        }
        if (nb) {
            return -EAGAIN;
        }
        if (long r = waitFor(queue_, until); r < 0) {
            return r;
        }
        if (state_ != State::Listening) {
            return -EINVAL;
        }
    }
    Ref<UnixSocket> s = static_cast<Ref<UnixSocket>&&>(pendingHead_);
    pendingHead_ = static_cast<Ref<UnixSocket>&&>(s->nextPending_);
    if (!pendingHead_) {
        pendingTail_ = nullptr;
    }
    --pending_;
    wakeAll(queue_); // readiness, and connect(2)s waiting for room
    *out = static_cast<Ref<UnixSocket>&&>(s);
    return 0;
}

long UnixSocket::shutdown(int how) {
    if (how < kShutRd || how > kShutRdwr) {
        return -EINVAL;
    }
    uint8_t mode = static_cast<uint8_t>(how + 1); // RCV_SHUTDOWN, SEND_SHUTDOWN or both
    shutdown_ |= mode;
    wakeAll(queue_);
    if (peer_ && type_ != kSockDgram) {
        uint8_t peerMode = 0;
        if (mode & kRcvShutdown) {
            peerMode |= kSendShutdown;
        }
        if (mode & kSendShutdown) {
            peerMode |= kRcvShutdown;
        }
        peer_->shutdown_ |= peerMode;
        wakeAll(peer_->queue_);
    }
    return 0;
}

void UnixSocket::release(bool embryo) {
    if (dead_) {
        return;
    }
    registered_ = false;
    node_.reset();
    dead_ = true;
    shutdown_ = kShutdownMask;
    State was = state_;
    state_ = State::Closed;
    Ref<UnixSocket> peer = static_cast<Ref<UnixSocket>&&>(peer_);
    if (peer && type_ != kSockDgram) {
        peer->shutdown_ = kShutdownMask;
        if (head_ != nullptr || embryo) {
            peer->err_ = ECONNRESET;
        }
        wakeAll(peer->queue_);
    }
    wakeConnected(); // they may write now, and learn that nobody listens
    wakeAll(queue_);
    dropQueue();
    if (was == State::Listening) {
        while (pendingHead_) {
            Ref<UnixSocket> s = static_cast<Ref<UnixSocket>&&>(pendingHead_);
            pendingHead_ = static_cast<Ref<UnixSocket>&&>(s->nextPending_);
            s->release(true);
        }
        pendingTail_ = nullptr;
        pending_ = 0;
    }
}

void UnixSocket::wakeConnected() {
    if (type_ == kSockStream) {
        return;
    }
    for (UnixSocket* s = g_all; s != nullptr; s = s->allNext_) {
        if (s->peer_.get() == this) {
            wakeAll(s->queue_);
        }
    }
}

// ---- queues -----------------------------------------------------------------------------

void UnixSocket::enqueue(Message* m) {
    if (tail_ != nullptr) {
        tail_->next = m;
    } else {
        head_ = m;
    }
    tail_ = m;
    ++messages_;
    queued_ += m->len;
}

void UnixSocket::unlink(Message* m) {
    head_ = m->next;
    if (head_ == nullptr) {
        tail_ = nullptr;
    }
    --messages_;
}

void UnixSocket::uncharge(size_t n) {
    wmem_ -= n;
    wakeAll(queue_);
}

void freeMessage(Message* m) {
    if (m->sender && m->charge != 0) {
        m->sender->uncharge(m->charge);
    }
    delete m;
}

void UnixSocket::dropQueue() {
    Message* m = head_;
    head_ = tail_ = nullptr;
    messages_ = 0;
    queued_ = 0;
    while (m != nullptr) {
        Message* next = m->next;
        freeMessage(m); // passed files close here, which may release other sockets
        m = next;
    }
}

// ---- sending ----------------------------------------------------------------------------

long UnixSocket::send(SocketMessage& m, bool nb) {
    if (m.flags & kMsgDontwait) {
        nb = true;
    }
    if (m.flags & kMsgOob) {
        return -EOPNOTSUPP;
    }
    return type_ == kSockStream ? sendStream(m, nb) : sendDgram(m, nb);
}

long UnixSocket::sendStream(SocketMessage& m, bool nb) {
    if (m.nameLen != 0) {
        return state_ == State::Connected ? -EISCONN : -EOPNOTSUPP;
    }
    Ref<UnixSocket> other = peer_;
    if (!other) {
        return -ENOTCONN;
    }
    size_t sent = 0;
    bool fdsSent = false;
    uint64_t until = deadline(false);
    if (sndtimeo_ == 0) {
        nb = true;
    }
    IovCursor in(m.iov, m.iovCount);
    long err = 0;
    bool pipe = (shutdown_ & kSendShutdown) != 0;
    while (!pipe && sent < m.total) {
        // sock_alloc_send_pskb: room while less than SO_SNDBUF is in flight.
        if (err_ != 0) {
            err = -takeError();
            break;
        }
        if (shutdown_ & kSendShutdown) {
            err = -EPIPE; // without SIGPIPE: the peer went away while this waited
            break;
        }
        if (wmem_ >= sndbuf_) {
            if (nb) {
                err = -EAGAIN;
                break;
            }
            if (long r = waitFor(queue_, until); r < 0) {
                err = r;
                break;
            }
            continue;
        }
        if (other->dead_ || (other->shutdown_ & kRcvShutdown)) {
            pipe = true;
            break;
        }
        // As Linux: at most half the buffer per piece, so two are in flight.
        size_t size = m.total - sent;
        size_t piece = sndbuf_ / 2 - 64;
        if (size > piece) {
            size = piece;
        }
        bool carriesFds = !fdsSent && m.rights.count > 0;
        Message* tail = other->tail_;
        size_t n;
        if (!carriesFds && tail != nullptr && tail->sender.get() == this &&
            tail->rights.count == 0 && tail->cap > tail->len && sameCred(tail->cred, m.self)) {
            n = tail->cap - tail->len < size ? tail->cap - tail->len : size;
            in.read(tail->data + tail->len, n);
            tail->len += n;
            tail->charge += n;
            other->queued_ += n;
        } else {
            Message* msg = new (std::nothrow) Message;
            size_t cap = size < kChunkMin ? kChunkMin : size;
            char* data = msg != nullptr ? new (std::nothrow) char[cap] : nullptr;
            if (data == nullptr) {
                delete msg;
                err = -ENOMEM;
                break;
            }
            n = size;
            msg->data = data;
            msg->cap = cap;
            msg->len = n;
            msg->charge = n;
            msg->sender = Ref<UnixSocket>(this);
            msg->cred = m.self;
            in.read(data, n);
            if (carriesFds) {
                copyRights(m.rights, msg->rights, true);
            }
            other->enqueue(msg);
        }
        fdsSent = true;
        wmem_ += n;
        sent += n;
        wakeAll(other->queue_);
    }
    if (pipe && sent == 0) {
        if (!(m.flags & kMsgNosignal)) {
            brokenPipe();
        }
        return -EPIPE;
    }
    return sent > 0 ? static_cast<long>(sent) : err;
}

long UnixSocket::sendDgram(SocketMessage& m, bool nb) {
    if (type_ == kSockSeqpacket) {
        if (err_ != 0) {
            return -takeError();
        }
        if (state_ != State::Connected) {
            return -ENOTCONN;
        }
        m.nameLen = 0; // ignored, as Linux does
    }
    Address target;
    if (m.nameLen != 0) {
        if (long r = parseAddress(m.name, m.nameLen, &target); r < 0) {
            return r;
        }
    }
    if (passcred() && addr_.len == 0) {
        if (long r = autobind(); r < 0) {
            return r;
        }
    }
    if (m.total + 32 > sndbuf_) {
        return -EMSGSIZE;
    }
    uint64_t until = deadline(false);
    if (sndtimeo_ == 0) {
        nb = true;
    }
    // Room in this socket's send budget first (sock_alloc_send_pskb).
    for (;;) {
        if (err_ != 0) {
            return -takeError();
        }
        if (shutdown_ & kSendShutdown) {
            return -EPIPE;
        }
        if (wmem_ < sndbuf_) {
            break;
        }
        if (nb) {
            return -EAGAIN;
        }
        if (long r = waitFor(queue_, until); r < 0) {
            return r;
        }
    }
    Message* msg = new (std::nothrow) Message;
    if (msg == nullptr) {
        return -ENOMEM;
    }
    if (m.total > 0) {
        msg->data = new (std::nothrow) char[m.total];
        if (msg->data == nullptr) {
            delete msg;
            return -ENOMEM;
        }
        IovCursor(m.iov, m.iovCount).read(msg->data, m.total);
    }
    msg->len = msg->cap = m.total;
    msg->cred = m.self;
    copyRights(m.rights, msg->rights, true);
    Ref<UnixSocket> other;
    long err = 0;
    for (bool lookedUp = false;;) {
        if (!other) {
            if (m.nameLen != 0) {
                err = findBound(m.ctx, target, type_, &other);
            } else {
                other = peer_;
                err = other ? 0 : -ENOTCONN;
            }
            if (err < 0) {
                break;
            }
        }
        if (other->peer_ && other->peer_.get() != this) {
            err = -EPERM;
            break;
        }
        if (other->dead_) {
            if (type_ == kSockSeqpacket) {
                err = -EPIPE;
                break;
            }
            if (peer_.get() == other.get()) {
                peer_.reset();
                state_ = State::Closed;
                disconnected(other.get());
                wakeAll(queue_);
                err = -ECONNREFUSED;
                break;
            }
            if (m.nameLen == 0 || lookedUp) {
                err = -ECONNRESET;
                break;
            }
            other.reset();
            lookedUp = true;
            continue;
        }
        if (other->shutdown_ & kRcvShutdown) {
            err = -EPIPE;
            break;
        }
        if (other.get() != this && other->peer_.get() != this && other->messages_ > kMaxDgramQlen) {
            if (nb) {
                err = -EAGAIN;
                break;
            }
            if (long r = waitFor(other->queue_, until); r < 0) {
                err = r;
                break;
            }
            continue;
        }
        msg->sender = Ref<UnixSocket>(this);
        msg->charge = m.total + kMessageCost;
        wmem_ += msg->charge;
        other->enqueue(msg);
        wakeAll(other->queue_);
        return static_cast<long>(m.total);
    }
    delete msg;
    return err;
}

// ---- receiving --------------------------------------------------------------------------

long UnixSocket::recv(SocketMessage& m, bool nb) {
    if (m.flags & kMsgDontwait) {
        nb = true;
    }
    if (rcvtimeo_ == 0) {
        nb = true;
    }
    return type_ == kSockStream ? recvStream(m, nb) : recvDgram(m, nb);
}

void senderAddress(const Message* msg, SocketMessage& m) {
    size_t len = 0;
    if (msg->sender) {
        msg->sender->name(false, m.name, &len);
        if (len <= kSunPathOffset) {
            len = 0; // unbound: no name
        }
    }
    m.nameLen = len;
}

long UnixSocket::recvStream(SocketMessage& m, bool nb) {
    if (state_ != State::Connected) {
        return -EINVAL;
    }
    if (m.flags & kMsgOob) {
        return -EOPNOTSUPP;
    }
    bool peek = m.flags & kMsgPeek;
    size_t lowat = static_cast<size_t>(rcvlowat_);
    size_t target =
        (m.flags & kMsgWaitall) && !peek ? m.total : (lowat < m.total ? lowat : m.total);
    if (target == 0) {
        target = 1;
    }
    uint64_t until = deadline(true);
    IovCursor out(m.iov, m.iovCount);
    size_t copied = 0;
    size_t left = m.total;
    bool checkCreds = false;
    long err = 0;
    UnixSocket* woken = nullptr; // a sender whose budget this read freed
    Message* at = head_;
    size_t skip = at != nullptr ? at->consumed : 0;
    while (left > 0) {
        if (at == nullptr) {
            if (copied >= target) {
                break;
            }
            if (err_ != 0) {
                err = -takeError();
                break;
            }
            if (shutdown_ & kRcvShutdown) {
                break;
            }
            if (nb) {
                err = -EAGAIN;
                break;
            }
            if (long r = waitFor(queue_, until); r < 0) {
                err = r;
                break;
            }
            at = head_;
            skip = at != nullptr ? at->consumed : 0;
            continue;
        }
        if (checkCreds) {
            if (!sameCred(at->cred, m.creds)) {
                break; // never glue together writes of different senders
            }
        } else if (passcred()) {
            m.hasCreds = true;
            m.creds = at->cred;
            checkCreds = true;
        }
        if (copied == 0) {
            senderAddress(at, m);
        }
        size_t n = at->len - skip < left ? at->len - skip : left;
        out.write(at->data + skip, n);
        copied += n;
        left -= n;
        if (peek) {
            if (at->rights.count > 0) {
                copyRights(at->rights, m.rights, false);
                break;
            }
            at = at->next;
            skip = 0;
            continue;
        }
        at->consumed += n;
        queued_ -= n;
        if (at->sender) {
            at->charge -= n;
            at->sender->wmem_ -= n;
            woken = at->sender.get();
        }
        if (at->rights.count > 0) {
            copyRights(at->rights, m.rights, true);
        }
        if (at->unread() > 0) {
            break;
        }
        unlink(at);
        freeMessage(at);
        if (m.rights.count > 0) {
            break;
        }
        at = head_;
        skip = at != nullptr ? at->consumed : 0;
    }
    if (!peek && copied > 0) {
        wakeAll(queue_);
        if (woken != nullptr) {
            wakeAll(woken->queue_);
        }
    }
    return copied > 0 ? static_cast<long>(copied) : err;
}

long UnixSocket::recvDgram(SocketMessage& m, bool nb) {
    if (m.flags & kMsgOob) {
        return -EOPNOTSUPP;
    }
    if (type_ == kSockSeqpacket && state_ != State::Connected) {
        return -ENOTCONN;
    }
    uint64_t until = deadline(true);
    while (head_ == nullptr) {
        if (err_ != 0) {
            return -takeError();
        }
        if (nb) {
            // EOF on a disconnected non-blocking SEQPACKET socket, as Linux.
            return type_ == kSockSeqpacket && (shutdown_ & kRcvShutdown) ? 0 : -EAGAIN;
        }
        if (shutdown_ & kRcvShutdown) {
            return 0;
        }
        if (long r = waitFor(queue_, until); r < 0) {
            return r;
        }
    }
    if (err_ != 0) {
        return -takeError();
    }
    Message* msg = head_;
    senderAddress(msg, m);
    size_t n = msg->len < m.total ? msg->len : m.total;
    if (msg->len > m.total) {
        m.msgFlags |= kMsgTrunc;
    }
    IovCursor(m.iov, m.iovCount).write(msg->data, n);
    if (passcred()) {
        m.hasCreds = true;
        m.creds = msg->cred;
    }
    long result = static_cast<long>((m.flags & kMsgTrunc) ? msg->len : n);
    if (m.flags & kMsgPeek) {
        copyRights(msg->rights, m.rights, false);
        return result;
    }
    copyRights(msg->rights, m.rights, true);
    bool wasFull = messages_ > kMaxDgramQlen;
    unlink(msg);
    queued_ -= msg->len;
    freeMessage(msg); // wakes the sender: its budget grew
    wakeAll(queue_);
    if (wasFull) {
        wakeConnected();
    }
    return result;
}

// ---- readiness and options --------------------------------------------------------------

uint32_t UnixSocket::poll() const {
    uint32_t mask = 0;
    if (err_ != 0) {
        mask |= kPollErr;
    }
    if (shutdown_ == kShutdownMask) {
        mask |= kPollHup;
    }
    if (shutdown_ & kRcvShutdown) {
        mask |= kPollRdHup | kPollIn | kPollRdNorm;
    }
    if (head_ != nullptr || pendingHead_) {
        mask |= kPollIn | kPollRdNorm;
    }
    if (type_ != kSockDgram && state_ == State::Closed) {
        mask |= kPollHup;
    }
    bool writable = state_ != State::Listening && wmem_ * 4 <= sndbuf_;
    if (writable && type_ != kSockStream) {
        const UnixSocket* other = peer_.get();
        if (other != nullptr && other->peer_.get() != this && !other->dead_ &&
            other->messages_ > kMaxDgramQlen) {
            writable = false;
        }
    }
    if (writable) {
        mask |= kPollOut | kPollWrNorm | 0x200; // EPOLLWRBAND too
    }
    return mask;
}

long UnixSocket::available() const {
    if (state_ == State::Listening) {
        return -EINVAL;
    }
    if (type_ != kSockDgram) {
        return static_cast<long>(queued_);
    }
    return head_ != nullptr ? static_cast<long>(head_->len) : 0;
}

struct Timeval {
    int64_t sec;
    int64_t usec;
};

long UnixSocket::getOption(int level, int option, void* val, size_t* len) {
    if (level != kSolSocket) {
        return -EOPNOTSUPP;
    }
    union {
        int i;
        int ling[2];
        Timeval tv;
        Ucred cred;
    } v;
    __builtin_memset(&v, 0, sizeof v);
    size_t lv = sizeof(int);
    switch (option) {
    case kSoType:
        v.i = type_;
        break;
    case kSoDomain:
        v.i = kAfUnix;
        break;
    case kSoProtocol:
        v.i = 0;
        break;
    case kSoError:
        v.i = takeError();
        break;
    case kSoAcceptconn:
        v.i = state_ == State::Listening;
        break;
    case kSoSndbuf:
        v.i = static_cast<int>(sndbuf_);
        break;
    case kSoRcvbuf:
        v.i = static_cast<int>(rcvbuf_);
        break;
    case kSoPriority:
        v.i = priority_;
        break;
    case kSoRcvlowat:
        v.i = rcvlowat_;
        break;
    case kSoSndlowat:
        v.i = 1;
        break;
    case kSoLinger:
        v.ling[0] = linger_[0];
        v.ling[1] = linger_[1];
        lv = sizeof v.ling;
        break;
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew:
    case kSoSndtimeoOld:
    case kSoSndtimeoNew: {
        bool rcv = option == kSoRcvtimeoOld || option == kSoRcvtimeoNew;
        uint64_t t = rcv ? rcvtimeo_ : sndtimeo_;
        if (t != kForever) {
            v.tv.sec = static_cast<int64_t>(t / 1'000'000'000);
            v.tv.usec = static_cast<int64_t>(t % 1'000'000'000 / 1000);
        }
        lv = sizeof v.tv;
        break;
    }
    case kSoPeercred:
        v.cred = peerCred_;
        lv = sizeof v.cred;
        break;
    default:
        if (option >= 0 && option < 32 && (kStoredFlags & flagBit(option))) {
            v.i = (flags_ & flagBit(option)) != 0;
            break;
        }
        return -ENOPROTOOPT;
    }
    if (*len > lv) {
        *len = lv;
    }
    __builtin_memcpy(val, &v, *len);
    return 0;
}

long UnixSocket::setOption(int level, int option, const void* val, size_t len) {
    if (level != kSolSocket) {
        return -EOPNOTSUPP;
    }
    if (len < sizeof(int)) {
        return -EINVAL;
    }
    int v;
    __builtin_memcpy(&v, val, sizeof v);
    switch (option) {
    case kSoSndbuf:
    case kSoRcvbuf: {
        // min_t(u32, val, max) and then doubled, as Linux keeps room for its bookkeeping.
        uint32_t u = static_cast<uint32_t>(v);
        size_t n = u < kMaxBuf ? u : kMaxBuf;
        if (option == kSoSndbuf) {
            sndbuf_ = n * 2 > kMinSndbuf ? n * 2 : kMinSndbuf;
        } else {
            rcvbuf_ = n * 2 > kMinRcvbuf ? n * 2 : kMinRcvbuf;
        }
        wakeAll(queue_);
        return 0;
    }
    case kSoPriority:
        priority_ = v;
        return 0;
    case kSoRcvlowat:
        rcvlowat_ = v < 0 ? 0x7fffffff : (v == 0 ? 1 : v);
        return 0;
    case kSoLinger:
        if (len < sizeof linger_) {
            return -EINVAL;
        }
        __builtin_memcpy(linger_, val, sizeof linger_);
        return 0;
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew:
    case kSoSndtimeoOld:
    case kSoSndtimeoNew: {
        Timeval tv;
        if (len < sizeof tv) {
            return -EINVAL;
        }
        __builtin_memcpy(&tv, val, sizeof tv);
        if (tv.usec < 0 || tv.usec >= 1'000'000) {
            return -EDOM;
        }
        uint64_t t;
        if (tv.sec < 0) {
            t = 0; // as Linux: a negative timeout does not wait at all
        } else if (tv.sec == 0 && tv.usec == 0) {
            t = kForever;
        } else if (static_cast<uint64_t>(tv.sec) > 1'000'000'000ull * 1000) {
            t = kForever - 1;
        } else {
            t = static_cast<uint64_t>(tv.sec) * 1'000'000'000 +
                static_cast<uint64_t>(tv.usec) * 1000;
        }
        (option == kSoRcvtimeoOld || option == kSoRcvtimeoNew ? rcvtimeo_ : sndtimeo_) = t;
        return 0;
    }
    default:
        if (option >= 0 && option < 32 && (kStoredFlags & flagBit(option))) {
            if (v != 0) {
                flags_ |= flagBit(option);
            } else {
                flags_ &= ~flagBit(option);
            }
            return 0;
        }
        return -ENOPROTOOPT;
    }
}

// ---- the open file description ----------------------------------------------------------

class UnixSocketFile : public SocketFile {
public:
    UnixSocketFile(Ref<UnixSocket> s, const Cred& owner, uint32_t flags)
        : SocketFile(owner, flags), sock_(static_cast<Ref<UnixSocket>&&>(s)) {}

    int family() const override { return kAfUnix; }
    int type() const override { return sock_->type(); }
    long bind(Context& ctx, const uint8_t* addr, size_t len) override {
        return sock_->bind(ctx, addr, len);
    }
    long connect(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self) override {
        return sock_->connect(ctx, addr, len, self, nonBlocking());
    }
    long listen(int backlog, const Ucred& self) override { return sock_->listen(backlog, self); }
    long accept(uint32_t flags, const Cred& owner, Ref<File>* out) override {
        Ref<UnixSocket> s;
        if (long r = sock_->accept(nonBlocking(), &s); r < 0) {
            return r;
        }
        Ref<UnixSocketFile> f = make<UnixSocketFile>(s, owner, flags);
        if (!f || f->node() == nullptr) {
            if (s) {
                s->release(true);
            }
            return -ENOMEM;
        }
        *out = static_cast<Ref<UnixSocketFile>&&>(f);
        return 0;
    }
    long shutdown(int how) override { return sock_->shutdown(how); }
    long sendMsg(SocketMessage& m) override { return sock_->send(m, nonBlocking()); }
    long recvMsg(SocketMessage& m) override { return sock_->recv(m, nonBlocking()); }
    long name(bool peer, uint8_t* out, size_t* len) override { return sock_->name(peer, out, len); }
    long getOption(int level, int option, void* val, size_t* len) override {
        return sock_->getOption(level, option, val, len);
    }
    long setOption(int level, int option, const void* val, size_t len) override {
        return sock_->setOption(level, option, val, len);
    }
    long unsent() const override { return sock_->unsent(); }
    long available() const override { return sock_->available(); }
    long ioctl(unsigned long request, uint64_t arg) override {
        // FIONREAD comes here only when available() failed: a listening socket.
        return request == kFionread ? sock_->available() : File::ioctl(request, arg);
    }
    uint32_t poll() const override { return sock_->poll(); }
    sched::WaitQueue* pollQueue() override { return &sock_->queue(); }
    UnixSocket* endpoint() const { return sock_.get(); }

protected:
    ~UnixSocketFile() override { sock_->release(false); }

private:
    Ref<UnixSocket> sock_;
};

bool knownType(int type) {
    return type == kSockStream || type == kSockDgram || type == kSockSeqpacket;
}

} // namespace

long makeUnixSocket(int type, uint32_t flags, const Cred& owner, Ref<File>* out) {
    if (!knownType(type)) {
        return -ESOCKTNOSUPPORT;
    }
    Ref<UnixSocket> s = make<UnixSocket>(type);
    if (!s) {
        return -ENOMEM;
    }
    Ref<UnixSocketFile> f = make<UnixSocketFile>(s, owner, flags);
    if (!f || f->node() == nullptr) {
        return -ENOMEM;
    }
    *out = static_cast<Ref<UnixSocketFile>&&>(f);
    return 0;
}

long makeUnixSocketPair(int type, uint32_t flags, const Cred& owner, const Ucred& self,
                        Ref<File>* a, Ref<File>* b) {
    Ref<File> x, y;
    if (long r = makeUnixSocket(type, flags, owner, &x); r < 0) {
        return r;
    }
    if (long r = makeUnixSocket(type, flags, owner, &y); r < 0) {
        return r;
    }
    // Both files are UnixSocketFiles: reach their endpoints through the socket interface.
    UnixSocket::pair(static_cast<UnixSocketFile*>(x->socket())->endpoint(),
                     static_cast<UnixSocketFile*>(y->socket())->endpoint(), self);
    *a = x;
    *b = y;
    return 0;
}

} // namespace uk::vfs
