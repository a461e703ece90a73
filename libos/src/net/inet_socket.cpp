#include "inet_socket.h"

#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include "../base/new.h"
#include "../sched/wait_queue.h"
#include "../vfs/env.h"
#include "../vfs/wait.h"

namespace uk::net {

using vfs::Cred;
using vfs::File;
using vfs::IoVec;
using vfs::Ref;
using vfs::SocketMessage;
using vfs::WaitResult;

namespace {

constexpr uint64_t kForever = vfs::kNoTimeout;
constexpr int kMsgMore = 0x8000;            // MSG_MORE
constexpr int kDefaultTtl = IP_DEFAULT_TTL; // net.ipv4.ip_default_ttl (64), lwIP's too
constexpr size_t kDefaultBuf = 212992;      // net.core.rmem_default / wmem_default
constexpr size_t kMaxBuf = 212992;          // net.core.rmem_max / wmem_max
// IPPROTO_IP, IPPROTO_TCP and IPPROTO_IPV6 options programs set (x86_64 numbers).
constexpr int kIpTos = 1, kIpTtl = 2, kIpRecverr = 11, kIpMtuDiscover = 10, kIpFreebind = 15,
              kIpBindAddressNoPort = 24;
constexpr int kTcpNodelay = 1, kTcpMaxseg = 2, kTcpCork = 3, kTcpKeepidle = 4, kTcpKeepintvl = 5,
              kTcpKeepcnt = 6, kTcpDeferAccept = 9, kTcpInfo = 11, kTcpQuickack = 12,
              kTcpCongestion = 13, kTcpUserTimeout = 18, kTcpFastopen = 23, kTcpNotsentLowat = 25;
constexpr int kIpv6Unicasthops = 16, kIpv6V6only = 26, kIpv6Tclass = 67, kIpv6RecvPktinfo = 49;

void (*g_timerHook)() = nullptr;

long errnoOf(err_t e) {
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOBUFS;
    case ERR_TIMEOUT:
        return -ETIMEDOUT;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_INPROGRESS:
        return -EINPROGRESS;
    case ERR_WOULDBLOCK:
        return -EAGAIN;
    case ERR_USE:
        return -EADDRINUSE;
    case ERR_ALREADY:
        return -EALREADY;
    case ERR_ISCONN:
        return -EISCONN;
    case ERR_CONN:
    case ERR_CLSD:
        return -ENOTCONN;
    case ERR_IF:
        return -ENETDOWN;
    case ERR_ABRT:
        return -ECONNABORTED;
    case ERR_RST:
        return -ECONNRESET;
    default:
        return -EINVAL;
    }
}

// struct sockaddr_in and struct sockaddr_in6.
struct SockaddrIn {
    uint16_t family;
    uint16_t port; // network order
    uint32_t addr; // network order
    uint8_t zero[8];
};
static_assert(sizeof(SockaddrIn) == 16);
struct SockaddrIn6 {
    uint16_t family;
    uint16_t port;
    uint32_t flowinfo;
    uint32_t addr[4]; // network order, as lwIP keeps it
    uint32_t scope;
};
static_assert(sizeof(SockaddrIn6) == 28);
constexpr size_t kSin6LenRfc2133 = 24; // Linux accepts sockaddr_in6 without sin6_scope_id

// Walks the caller's iovec as contiguous spans.
class IovWalker {
public:
    IovWalker(const IoVec* v, int n) : v_(v), n_(n) {}
    // The next at most `max` bytes in one buffer; 0 when the iovec is exhausted.
    size_t next(size_t max, char** at) {
        while (i_ < n_ && off_ == v_[i_].len) {
            ++i_;
            off_ = 0;
        }
        if (i_ >= n_) {
            return 0;
        }
        size_t n = v_[i_].len - off_;
        n = n < max ? n : max;
        *at = reinterpret_cast<char*>(v_[i_].base) + off_;
        return n;
    }
    void advance(size_t n) { off_ += n; }
    void copyOut(const void* src, size_t len) {
        auto* s = static_cast<const char*>(src);
        while (len > 0) {
            char* at;
            size_t n = next(len, &at);
            if (n == 0) {
                return;
            }
            __builtin_memcpy(at, s, n);
            advance(n);
            s += n;
            len -= n;
        }
    }

private:
    const IoVec* v_;
    int n_;
    int i_ = 0;
    size_t off_ = 0;
};

// Common to TCP and UDP: the family, addresses, options, errors and the wait queue.
class InetSocket : public vfs::SocketFile {
public:
    InetSocket(int family, const Cred& owner, uint32_t flags)
        : SocketFile(owner, flags), family_(family) {}

    int family() const override { return family_; }
    sched::WaitQueue* pollQueue() override { return &queue_; }
    long getOption(int level, int option, void* val, size_t* len) override;
    long setOption(int level, int option, const void* val, size_t len) override;

protected:
    // The pcb's protocol-specific options.
    virtual long getProtoOption(int level, int option, int* out);
    virtual long setProtoOption(int level, int option, int value);
    virtual ip_pcb* ipPcb() = 0;
    virtual bool listening() const { return false; }

    // sockaddr -> lwIP address and port. `bind`: the wildcard of a dual-stack socket is
    // IP_ANY_TYPE.
    long parseAddress(const uint8_t* addr, size_t len, bool bind, ip_addr_t* ip, u16_t* port);
    // lwIP address and port -> this family's sockaddr (kSockAddrMax bytes of room).
    void formatAddress(const ip_addr_t* ip, u16_t port, uint8_t* out, size_t* len) const;
    // Is `ip` one of this machine's addresses (or a wildcard), so bind may use it?
    static bool isLocal(const ip_addr_t* ip);
    uint8_t pcbType() const { return family_ == kAfInet ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY; }

    uint64_t deadline(bool receive) const;
    long waitFor(uint64_t deadline);
    int takeError() {
        int e = err_;
        err_ = 0;
        return e;
    }
    void wake() { vfs::wakeAll(queue_); }

    int family_;
    bool v6only_ = false;
    bool reuseport_ = false;
    bool bound_ = false; // has a local port (bind, listen, connect, or accepted)
    int err_ = 0;        // pending error (SO_ERROR), positive
    size_t sndbuf_ = kDefaultBuf;
    size_t rcvbuf_ = kDefaultBuf;
    uint64_t rcvtimeo_ = kForever;
    uint64_t sndtimeo_ = kForever;
    int linger_[2] = {0, 0};
    int priority_ = 0;
    int rcvlowat_ = 1;
    int tos_ = 0;
    sched::WaitQueue queue_;
};

long InetSocket::parseAddress(const uint8_t* addr, size_t len, bool bind, ip_addr_t* ip,
                              u16_t* port) {
    uint16_t fam;
    if (len < sizeof fam) {
        return -EINVAL;
    }
    __builtin_memcpy(&fam, addr, sizeof fam);
    if (family_ == kAfInet) {
        if (len < sizeof(SockaddrIn)) {
            return -EINVAL;
        }
        SockaddrIn a;
        __builtin_memcpy(&a, addr, sizeof a);
        // As inet_bind: AF_UNSPEC with INADDR_ANY is taken for AF_INET (old programs).
        if (fam != kAfInet && !(bind && fam == vfs::kAfUnspec && a.addr == 0)) {
            return -EAFNOSUPPORT;
        }
        ip_addr_set_ip4_u32_val(*ip, a.addr);
        *port = lwip_ntohs(a.port);
        return 0;
    }
    if (len < kSin6LenRfc2133) {
        return -EINVAL;
    }
    if (fam != kAfInet6) {
        return -EAFNOSUPPORT;
    }
    SockaddrIn6 a{};
    __builtin_memcpy(&a, addr, len < sizeof a ? len : sizeof a);
    *port = lwip_ntohs(a.port);
    ip6_addr_t six;
    IP6_ADDR(&six, a.addr[0], a.addr[1], a.addr[2], a.addr[3]);
    if (ip6_addr_isipv4mappedipv6(&six)) {
        if (v6only_) {
            return bind ? -EINVAL : -ENETUNREACH;
        }
        ip_addr_set_ip4_u32_val(*ip, a.addr[3]);
        return 0;
    }
    if (ip6_addr_isany(&six)) {
        if (bind) {
            if (v6only_) {
                ip_addr_copy(*ip, *IP6_ADDR_ANY);
            } else {
                ip_addr_copy(*ip, *IP_ANY_TYPE);
            }
            return 0;
        }
        // connect(::) reaches this machine, as on Linux.
        ip_addr_copy_from_ip6(*ip, six);
        ip6_addr_set_loopback(ip_2_ip6(ip));
        return 0;
    }
    ip_addr_copy_from_ip6(*ip, six);
    if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN) && a.scope != 0) {
        ip6_addr_set_zone(ip_2_ip6(ip), static_cast<u8_t>(a.scope));
    }
    return 0;
}

void InetSocket::formatAddress(const ip_addr_t* ip, u16_t port, uint8_t* out, size_t* len) const {
    if (family_ == kAfInet) {
        SockaddrIn a{};
        a.family = kAfInet;
        a.port = lwip_htons(port);
        a.addr = ip != nullptr && IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
        __builtin_memcpy(out, &a, sizeof a);
        *len = sizeof a;
        return;
    }
    SockaddrIn6 a{};
    a.family = kAfInet6;
    a.port = lwip_htons(port);
    if (ip != nullptr && IP_IS_ANY_TYPE_VAL(*ip)) {
        // the dual-stack wildcard: ::
    } else if (ip != nullptr && IP_IS_V4(ip)) {
        a.addr[2] = PP_HTONL(0x0000ffffUL);
        a.addr[3] = ip4_addr_get_u32(ip_2_ip4(ip));
    } else if (ip != nullptr) {
        const ip6_addr_t* six = ip_2_ip6(ip);
        for (int i = 0; i < 4; ++i) {
            a.addr[i] = six->addr[i];
        }
        a.scope = ip6_addr_zone(six);
    }
    __builtin_memcpy(out, &a, sizeof a);
    *len = sizeof a;
}

bool InetSocket::isLocal(const ip_addr_t* ip) {
    if (ip_addr_isany(ip)) {
        return true;
    }
    if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip))) {
        return true;
    }
    struct netif* n;
    NETIF_FOREACH(n) {
        if (IP_IS_V4(ip) && (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)) ||
                             ip4_addr_isbroadcast(ip_2_ip4(ip), n))) {
            return true;
        }
        if (IP_IS_V6(ip) && netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0) {
            return true;
        }
    }
    return false;
}

uint64_t InetSocket::deadline(bool receive) const {
    return vfs::socketDeadline(receive ? rcvtimeo_ : sndtimeo_);
}

long InetSocket::waitFor(uint64_t deadline) {
    return vfs::socketWait(queue_, deadline);
}

long InetSocket::getProtoOption(int, int, int*) {
    return -ENOPROTOOPT;
}

long InetSocket::setProtoOption(int, int, int) {
    return -ENOPROTOOPT;
}

long InetSocket::getOption(int level, int option, void* val, size_t* len) {
    auto putInt = [&](int v) {
        size_t n = *len < sizeof v ? *len : sizeof v;
        __builtin_memcpy(val, &v, n);
        *len = n;
        return 0L;
    };
    if (level == vfs::kSolSocket) {
        switch (option) {
        case vfs::kSoType:
            return putInt(type());
        case vfs::kSoDomain:
            return putInt(family_);
        case vfs::kSoProtocol:
            return putInt(type() == vfs::kSockStream ? kIpprotoTcp : kIpprotoUdp);
        case vfs::kSoError:
            return putInt(takeError());
        case vfs::kSoAcceptconn:
            return putInt(listening() ? 1 : 0);
        case vfs::kSoReuseaddr:
            return putInt(ipPcb() != nullptr && ip_get_option(ipPcb(), SOF_REUSEADDR) ? 1 : 0);
        case vfs::kSoReuseport:
            return putInt(reuseport_ ? 1 : 0);
        case vfs::kSoKeepalive:
            return putInt(ipPcb() != nullptr && ip_get_option(ipPcb(), SOF_KEEPALIVE) ? 1 : 0);
        case vfs::kSoBroadcast:
            return putInt(ipPcb() != nullptr && ip_get_option(ipPcb(), SOF_BROADCAST) ? 1 : 0);
        case vfs::kSoSndbuf:
            return putInt(static_cast<int>(sndbuf_));
        case vfs::kSoRcvbuf:
            return putInt(static_cast<int>(rcvbuf_));
        case vfs::kSoPriority:
            return putInt(priority_);
        case vfs::kSoRcvlowat:
            return putInt(rcvlowat_);
        case vfs::kSoSndlowat:
            return putInt(1);
        case vfs::kSoLinger: {
            size_t n = *len < sizeof linger_ ? *len : sizeof linger_;
            __builtin_memcpy(val, linger_, n);
            *len = n;
            return 0;
        }
        case vfs::kSoRcvtimeoOld:
        case vfs::kSoRcvtimeoNew:
        case vfs::kSoSndtimeoOld:
        case vfs::kSoSndtimeoNew: {
            bool rcv = option == vfs::kSoRcvtimeoOld || option == vfs::kSoRcvtimeoNew;
            uint64_t t = rcv ? rcvtimeo_ : sndtimeo_;
            int64_t tv[2] = {0, 0};
            if (t != kForever) {
                tv[0] = static_cast<int64_t>(t / 1000000000);
                tv[1] = static_cast<int64_t>(t % 1000000000 / 1000);
            }
            size_t n = *len < sizeof tv ? *len : sizeof tv;
            __builtin_memcpy(val, tv, n);
            *len = n;
            return 0;
        }
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == kIpprotoIp) {
        switch (option) {
        case kIpTos:
            return putInt(tos_);
        case kIpTtl:
            return putInt(ipPcb() != nullptr ? ipPcb()->ttl : kDefaultTtl);
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == kIpprotoIpv6) {
        if (family_ != kAfInet6) {
            return -ENOPROTOOPT;
        }
        switch (option) {
        case kIpv6V6only:
            return putInt(v6only_ ? 1 : 0);
        case kIpv6Unicasthops:
            return putInt(ipPcb() != nullptr ? ipPcb()->ttl : kDefaultTtl);
        default:
            return -ENOPROTOOPT;
        }
    }
    int v = 0;
    if (long r = getProtoOption(level, option, &v); r < 0) {
        return r;
    }
    return putInt(v);
}

long InetSocket::setOption(int level, int option, const void* val, size_t len) {
    if (level == vfs::kSolSocket &&
        (option == vfs::kSoRcvtimeoOld || option == vfs::kSoRcvtimeoNew ||
         option == vfs::kSoSndtimeoOld || option == vfs::kSoSndtimeoNew)) {
        int64_t tv[2];
        if (len < sizeof tv) {
            return -EINVAL;
        }
        __builtin_memcpy(tv, val, sizeof tv);
        if (tv[1] < 0 || tv[1] >= 1000000) {
            return -EDOM;
        }
        uint64_t t = kForever;
        if (tv[0] < 0) {
            t = 0; // as Linux: a negative timeout does not wait at all
        } else if (tv[0] != 0 || tv[1] != 0) {
            t = static_cast<uint64_t>(tv[0]) * 1000000000 + static_cast<uint64_t>(tv[1]) * 1000;
        }
        bool rcv = option == vfs::kSoRcvtimeoOld || option == vfs::kSoRcvtimeoNew;
        (rcv ? rcvtimeo_ : sndtimeo_) = t;
        return 0;
    }
    if (level == vfs::kSolSocket && option == vfs::kSoLinger) {
        if (len < sizeof linger_) {
            return -EINVAL;
        }
        __builtin_memcpy(linger_, val, sizeof linger_);
        return 0;
    }
    if (len < sizeof(int)) {
        return -EINVAL;
    }
    int v;
    __builtin_memcpy(&v, val, sizeof v);
    ip_pcb* pcb = ipPcb();
    auto setFlag = [&](u8_t flag) {
        if (pcb != nullptr) {
            if (v != 0) {
                ip_set_option(pcb, flag);
            } else {
                ip_reset_option(pcb, flag);
            }
        }
        return 0L;
    };
    if (level == vfs::kSolSocket) {
        switch (option) {
        case vfs::kSoReuseaddr:
            return setFlag(SOF_REUSEADDR);
        case vfs::kSoReuseport:
            // Accepted and remembered: one listener per port gets the connections (lwIP does
            // not spread them), which is what a single-process server sees anyway.
            reuseport_ = v != 0;
            return 0;
        case vfs::kSoKeepalive:
            return setFlag(SOF_KEEPALIVE);
        case vfs::kSoBroadcast:
            return setFlag(SOF_BROADCAST);
        case vfs::kSoSndbuf:
        case vfs::kSoRcvbuf: {
            // As sock_setsockopt: doubled for bookkeeping, capped by the *mem_max sysctl.
            size_t n = v < 0 ? 0 : static_cast<size_t>(v);
            n = n > kMaxBuf ? kMaxBuf : n;
            n = n * 2 < 2048 ? 2048 : n * 2;
            (option == vfs::kSoSndbuf ? sndbuf_ : rcvbuf_) = n;
            return 0;
        }
        case vfs::kSoPriority:
            priority_ = v;
            return 0;
        case vfs::kSoRcvlowat:
            rcvlowat_ = v < 1 ? 1 : v;
            return 0;
        case vfs::kSoDebug:
        case vfs::kSoDontroute:
        case vfs::kSoOobinline:
        case vfs::kSoNoCheck:
        case vfs::kSoPasscred:
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == kIpprotoIp) {
        switch (option) {
        case kIpTos:
            tos_ = v & 0xff;
            if (pcb != nullptr) {
                pcb->tos = static_cast<u8_t>(tos_);
            }
            return 0;
        case kIpTtl:
            if (v < -1 || v == 0 || v > 255) {
                return -EINVAL;
            }
            if (pcb != nullptr) {
                pcb->ttl = static_cast<u8_t>(v == -1 ? kDefaultTtl : v);
            }
            return 0;
        case kIpRecverr:
        case kIpMtuDiscover:
        case kIpFreebind:
        case kIpBindAddressNoPort:
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == kIpprotoIpv6) {
        if (family_ != kAfInet6) {
            return -ENOPROTOOPT;
        }
        switch (option) {
        case kIpv6V6only:
            if (bound_) {
                return -EINVAL;
            }
            v6only_ = v != 0;
            return 0;
        case kIpv6Unicasthops:
        case kIpv6Tclass:
        case kIpv6RecvPktinfo:
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    return setProtoOption(level, option, v);
}

// ---- TCP --------------------------------------------------------------------------------

// Received data: the pbuf chains lwIP delivered, in order (each at most 64 KiB, lwIP's
// tot_len), with the read position in the first.
struct RxChunk {
    pbuf* p;
    RxChunk* next;
};

class TcpSocket final : public InetSocket {
public:
    enum class State : uint8_t { Fresh, Bound, Listening, Connecting, Connected, Closed };

    TcpSocket(int family, const Cred& owner, uint32_t flags, tcp_pcb* pcb)
        : InetSocket(family, owner, flags), owner_(owner), pcb_(pcb) {
        attach();
    }

    int type() const override { return vfs::kSockStream; }
    long bind(vfs::Context& ctx, const uint8_t* addr, size_t len) override;
    long connect(vfs::Context& ctx, const uint8_t* addr, size_t len,
                 const vfs::Ucred& self) override;
    long listen(int backlog, const vfs::Ucred& self) override;
    long accept(uint32_t flags, const Cred& owner, Ref<File>* out) override;
    long shutdown(int how) override;
    long sendMsg(SocketMessage& m) override;
    long recvMsg(SocketMessage& m) override;
    long name(bool peer, uint8_t* out, size_t* len) override;
    long unsent() const override;
    long available() const override;
    uint32_t poll() const override;

protected:
    ~TcpSocket() override;
    ip_pcb* ipPcb() override { return reinterpret_cast<ip_pcb*>(pcb_); }
    bool listening() const override { return state_ == State::Listening; }
    long getProtoOption(int level, int option, int* out) override;
    long setProtoOption(int level, int option, int value) override;

private:
    void attach();
    void detach();
    static err_t onRecv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err);
    static err_t onSent(void* arg, tcp_pcb* pcb, u16_t len);
    static void onErr(void* arg, err_t err);
    static err_t onConnected(void* arg, tcp_pcb* pcb, err_t err);
    static err_t onAccept(void* arg, tcp_pcb* pcb, err_t err);
    long autobind();
    size_t writeRoom() const;
    void pushPending();
    void freeReceived();
    // Copies up to `max` received bytes (from the read position) into `out`.
    size_t copyReceived(IovWalker& out, size_t max) const;
    // Drops `n` bytes from the read position and opens the window by as much.
    void consumeReceived(size_t n);

    Cred owner_;
    tcp_pcb* pcb_;
    State state_ = State::Fresh;
    bool eof_ = false; // the peer's FIN came
    bool shutRd_ = false;
    bool shutWr_ = false;
    bool nodelay_ = false;
    bool cork_ = false;
    // Received and not read yet.
    RxChunk* rxHead_ = nullptr;
    RxChunk* rxTail_ = nullptr;
    size_t rxOffset_ = 0;
    size_t rxBytes_ = 0;
    // Listening: connections not accepted yet.
    Ref<TcpSocket> pendingHead_;
    TcpSocket* pendingTail_ = nullptr;
    Ref<TcpSocket> nextPending_;
    // The addresses, kept for when the pcb is gone.
    ip_addr_t localIp_{};
    u16_t localPort_ = 0;
    ip_addr_t remoteIp_{};
    u16_t remotePort_ = 0;
    bool hasPeer_ = false;
};

void TcpSocket::attach() {
    if (pcb_ == nullptr) {
        return;
    }
    tcp_arg(pcb_, this);
    if (state_ == State::Listening) {
        tcp_accept(pcb_, onAccept);
        return;
    }
    tcp_recv(pcb_, onRecv);
    tcp_sent(pcb_, onSent);
    tcp_err(pcb_, onErr);
}

void TcpSocket::detach() {
    if (pcb_ == nullptr) {
        return;
    }
    tcp_arg(pcb_, nullptr);
    if (state_ == State::Listening) {
        tcp_accept(pcb_, nullptr);
    } else {
        tcp_recv(pcb_, nullptr);
        tcp_sent(pcb_, nullptr);
        tcp_err(pcb_, nullptr);
    }
}

void TcpSocket::freeReceived() {
    while (rxHead_ != nullptr) {
        RxChunk* c = rxHead_;
        rxHead_ = c->next;
        pbuf_free(c->p);
        delete c;
    }
    rxTail_ = nullptr;
    rxOffset_ = rxBytes_ = 0;
}

TcpSocket::~TcpSocket() {
    // Connections never accepted are reset, as Linux does when a listener closes.
    while (pendingHead_) {
        Ref<TcpSocket> c = pendingHead_;
        pendingHead_ = c->nextPending_;
        c->nextPending_ = Ref<TcpSocket>();
        if (c->pcb_ != nullptr) {
            c->detach();
            tcp_abort(c->pcb_);
            c->pcb_ = nullptr;
        }
    }
    bool unread = rxBytes_ > 0;
    freeReceived();
    if (pcb_ != nullptr) {
        detach();
        if (state_ != State::Listening && (unread || (linger_[0] != 0 && linger_[1] == 0))) {
            tcp_abort(pcb_); // unread data or SO_LINGER 0: RST, as tcp_close in Linux
        } else if (tcp_close(pcb_) != ERR_OK) {
            tcp_abort(pcb_);
        }
        pcb_ = nullptr;
    }
    stackWorkDone();
}

err_t TcpSocket::onRecv(void* arg, tcp_pcb*, pbuf* p, err_t) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s == nullptr) {
        if (p != nullptr) {
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == nullptr) {
        s->eof_ = true;
    } else {
        auto* c = new (std::nothrow) RxChunk{p, nullptr};
        if (c == nullptr) {
            return ERR_MEM; // lwIP keeps it and offers it again
        }
        (s->rxTail_ != nullptr ? s->rxTail_->next : s->rxHead_) = c;
        s->rxTail_ = c;
        s->rxBytes_ += p->tot_len;
    }
    s->wake();
    return ERR_OK;
}

err_t TcpSocket::onSent(void* arg, tcp_pcb*, u16_t) {
    if (auto* s = static_cast<TcpSocket*>(arg); s != nullptr) {
        s->wake();
    }
    return ERR_OK;
}

void TcpSocket::onErr(void* arg, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s == nullptr) {
        return;
    }
    // The pcb is freed already.
    s->pcb_ = nullptr;
    bool connecting = s->state_ == State::Connecting;
    s->state_ = State::Closed;
    switch (err) {
    case ERR_CLSD:
        break; // closed in order (both FINs after this side's shutdown)
    case ERR_RST:
        s->err_ = connecting ? ECONNREFUSED : ECONNRESET;
        break;
    case ERR_ABRT:
    case ERR_TIMEOUT:
        s->err_ = ETIMEDOUT; // retransmissions or keepalives ran out
        break;
    default:
        s->err_ = static_cast<int>(-errnoOf(err));
        break;
    }
    s->eof_ = true;
    s->wake();
}

err_t TcpSocket::onConnected(void* arg, tcp_pcb* pcb, err_t) {
    if (auto* s = static_cast<TcpSocket*>(arg); s != nullptr) {
        s->state_ = State::Connected;
        ip_addr_copy(s->localIp_, pcb->local_ip);
        s->localPort_ = pcb->local_port;
        s->wake();
    }
    return ERR_OK;
}

err_t TcpSocket::onAccept(void* arg, tcp_pcb* pcb, err_t err) {
    auto* l = static_cast<TcpSocket*>(arg);
    if (l == nullptr || pcb == nullptr || err != ERR_OK) {
        return ERR_VAL;
    }
    Ref<TcpSocket> c = vfs::make<TcpSocket>(l->family_, l->owner_, 0, nullptr);
    if (!c) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->pcb_ = pcb;
    c->state_ = State::Connected;
    c->bound_ = true;
    c->v6only_ = l->v6only_;
    c->hasPeer_ = true;
    ip_addr_copy(c->localIp_, pcb->local_ip);
    c->localPort_ = pcb->local_port;
    ip_addr_copy(c->remoteIp_, pcb->remote_ip);
    c->remotePort_ = pcb->remote_port;
    // What accept(2) inherits from the listener.
    c->nodelay_ = l->nodelay_;
    c->sndbuf_ = l->sndbuf_;
    c->rcvbuf_ = l->rcvbuf_;
    c->rcvtimeo_ = l->rcvtimeo_;
    c->sndtimeo_ = l->sndtimeo_;
    c->linger_[0] = l->linger_[0];
    c->linger_[1] = l->linger_[1];
    if (c->nodelay_) {
        tcp_nagle_disable(pcb);
    }
    if (ip_get_option(reinterpret_cast<ip_pcb*>(l->pcb_), SOF_KEEPALIVE)) {
        ip_set_option(reinterpret_cast<ip_pcb*>(pcb), SOF_KEEPALIVE);
    }
    c->attach();
    // Counted against the backlog until accept(2) takes it.
    tcp_backlog_delayed(pcb);
    if (l->pendingTail_ != nullptr) {
        l->pendingTail_->nextPending_ = c;
    } else {
        l->pendingHead_ = c;
    }
    l->pendingTail_ = c.get();
    l->wake();
    return ERR_OK;
}

long TcpSocket::autobind() {
    if (state_ != State::Fresh) {
        return 0;
    }
    ip_addr_t any;
    const ip_addr_t* wildcard = family_ == kAfInet ? IP4_ADDR_ANY
                                : v6only_          ? IP6_ADDR_ANY
                                                   : IP_ANY_TYPE;
    ip_addr_copy(any, *wildcard);
    if (long r = errnoOf(tcp_bind(pcb_, &any, 0)); r < 0) {
        return r == -ENOBUFS ? -EAGAIN : r; // no free ephemeral port, as inet_autobind
    }
    state_ = State::Bound;
    bound_ = true;
    ip_addr_copy(localIp_, pcb_->local_ip);
    localPort_ = pcb_->local_port;
    return 0;
}

long TcpSocket::bind(vfs::Context&, const uint8_t* addr, size_t len) {
    ip_addr_t ip;
    u16_t port;
    if (long r = parseAddress(addr, len, true, &ip, &port); r < 0) {
        return r;
    }
    if (state_ != State::Fresh || pcb_ == nullptr) {
        return -EINVAL;
    }
    if (!isLocal(&ip)) {
        return -EADDRNOTAVAIL;
    }
    if (long r = errnoOf(tcp_bind(pcb_, &ip, port)); r < 0) {
        return r;
    }
    state_ = State::Bound;
    bound_ = true;
    ip_addr_copy(localIp_, pcb_->local_ip);
    localPort_ = pcb_->local_port;
    return 0;
}

long TcpSocket::listen(int backlog, const vfs::Ucred&) {
    // As Linux: a negative or huge backlog is somaxconn; lwIP counts in a byte.
    if (backlog < 0 || backlog > 255) {
        backlog = 255;
    }
    if (state_ == State::Listening) {
        tcp_backlog_set(pcb_, static_cast<u8_t>(backlog == 0 ? 1 : backlog));
        return 0;
    }
    if ((state_ != State::Fresh && state_ != State::Bound) || pcb_ == nullptr) {
        return -EINVAL;
    }
    if (long r = autobind(); r < 0) {
        return r;
    }
    err_t err;
    // Linux lets backlog + 1 connections wait; 0 still lets one in.
    tcp_pcb* l =
        tcp_listen_with_backlog_and_err(pcb_, static_cast<u8_t>(backlog == 0 ? 1 : backlog), &err);
    if (l == nullptr) {
        return errnoOf(err) < 0 ? errnoOf(err) : -ENOBUFS;
    }
    pcb_ = l; // the old pcb is freed
    state_ = State::Listening;
    attach();
    return 0;
}

long TcpSocket::accept(uint32_t flags, const Cred&, Ref<File>* out) {
    if (state_ != State::Listening) {
        return -EINVAL;
    }
    uint64_t until = deadline(true);
    for (;;) {
        if (pendingHead_) {
            Ref<TcpSocket> c = pendingHead_;
            pendingHead_ = c->nextPending_;
            c->nextPending_ = Ref<TcpSocket>();
            if (!pendingHead_) {
                pendingTail_ = nullptr;
            }
            if (c->pcb_ != nullptr) {
                tcp_backlog_accepted(c->pcb_);
            }
            c->setFlags(vfs::kORdwr | (flags & vfs::kONonblock));
            *out = c;
            stackWorkDone();
            return 0;
        }
        if (err_ != 0) {
            return -takeError();
        }
        if (nonBlocking() || rcvtimeo_ == 0) {
            return -EAGAIN;
        }
        if (long r = waitFor(until); r < 0) {
            return r;
        }
        if (state_ != State::Listening) {
            return -EINVAL; // shut down while waiting
        }
    }
}

long TcpSocket::connect(vfs::Context&, const uint8_t* addr, size_t len, const vfs::Ucred&) {
    uint16_t fam = 0;
    if (len >= sizeof fam) {
        __builtin_memcpy(&fam, addr, sizeof fam);
    }
    if (fam == vfs::kAfUnspec && len >= sizeof fam) {
        // Disconnecting a TCP socket: only an unconnected one may, as Linux's tcp_disconnect
        // would reset it; uk does not reuse pcbs.
        return state_ == State::Connected ? -EINVAL : 0;
    }
    ip_addr_t ip;
    u16_t port;
    if (long r = parseAddress(addr, len, false, &ip, &port); r < 0) {
        return r;
    }
    switch (state_) {
    case State::Connecting:
        return -EALREADY;
    case State::Connected:
        return -EISCONN;
    case State::Listening:
    case State::Closed:
        if (err_ != 0) {
            return -takeError();
        }
        return state_ == State::Listening ? -EISCONN : -EINVAL;
    default:
        break;
    }
    if (pcb_ == nullptr) {
        return -EINVAL;
    }
    if (port == 0) {
        return -ECONNREFUSED;
    }
    err_t e = tcp_connect(pcb_, &ip, port, onConnected);
    if (e != ERR_OK) {
        return errnoOf(e);
    }
    state_ = State::Connecting;
    bound_ = true;
    hasPeer_ = true;
    ip_addr_copy(remoteIp_, ip);
    remotePort_ = port;
    ip_addr_copy(localIp_, pcb_->local_ip);
    localPort_ = pcb_->local_port;
    stackWorkDone();
    if (nonBlocking()) {
        return state_ == State::Connected ? 0 : -EINPROGRESS;
    }
    uint64_t until = deadline(false);
    while (state_ == State::Connecting) {
        if (long r = waitFor(until); r < 0) {
            // Interrupted: the connection goes on in the background (EINTR, or EINPROGRESS
            // for a timeout), as inet_stream_connect.
            return r == -EAGAIN ? -EINPROGRESS : r == -vfs::kRestartSys ? -EINTR : r;
        }
    }
    if (state_ == State::Connected) {
        return 0;
    }
    int e2 = takeError();
    return e2 != 0 ? -e2 : -ECONNREFUSED;
}

long TcpSocket::shutdown(int how) {
    if (how < vfs::kShutRd || how > vfs::kShutRdwr) {
        return -EINVAL;
    }
    if (state_ == State::Listening) {
        // Linux stops listening on SHUT_RD; waiting acceptors wake to EINVAL.
        if (how != vfs::kShutWr) {
            detach();
            tcp_close(pcb_);
            pcb_ = nullptr;
            state_ = State::Closed;
            wake();
            stackWorkDone();
        }
        return 0;
    }
    if (state_ != State::Connected && state_ != State::Connecting) {
        return -ENOTCONN;
    }
    if (how != vfs::kShutWr) {
        shutRd_ = true;
    }
    if (how != vfs::kShutRd && !shutWr_) {
        shutWr_ = true;
        if (pcb_ != nullptr) {
            tcp_shutdown(pcb_, 0, 1); // sends what is queued, then FIN
        }
    }
    wake();
    stackWorkDone();
    return 0;
}

size_t TcpSocket::writeRoom() const {
    if (pcb_ == nullptr) {
        return 0;
    }
    // Leave room in the segment queue: each write may take a few entries.
    if (tcp_sndqueuelen(pcb_) + 4 >= TCP_SND_QUEUELEN) {
        return 0;
    }
    return tcp_sndbuf(pcb_);
}

long TcpSocket::sendMsg(SocketMessage& m) {
    if (m.flags & vfs::kMsgOob) {
        return -EOPNOTSUPP; // lwIP sends no urgent data
    }
    bool nb = nonBlocking() || (m.flags & vfs::kMsgDontwait) || sndtimeo_ == 0;
    uint64_t until = deadline(false);
    auto pipe = [&]() -> long {
        if (!(m.flags & vfs::kMsgNosignal)) {
            vfs::brokenPipe();
        }
        return -EPIPE;
    };
    while (state_ == State::Connecting) {
        if (nb) {
            return -EAGAIN;
        }
        if (long r = waitFor(until); r < 0) {
            return r;
        }
    }
    if (state_ != State::Connected) {
        if (err_ != 0) {
            return -takeError();
        }
        return pipe();
    }
    IovWalker in(m.iov, m.iovCount);
    size_t sent = 0;
    long error = 0;
    bool wroteAny = false;
    while (sent < m.total) {
        if (err_ != 0) {
            error = -takeError();
            break;
        }
        if (pcb_ == nullptr || shutWr_) {
            error = pipe();
            break;
        }
        size_t room = writeRoom();
        if (room == 0) {
            if (wroteAny) {
                tcp_output(pcb_);
                wroteAny = false;
                stackWorkDone();
                continue; // loopback traffic may have freed room already
            }
            if (nb) {
                error = -EAGAIN;
                break;
            }
            if (long r = waitFor(until); r < 0) {
                error = r;
                break;
            }
            continue;
        }
        char* at;
        size_t n = in.next(room < 0xffff ? room : 0xffff, &at);
        if (n == 0) {
            break;
        }
        u8_t flags = TCP_WRITE_FLAG_COPY;
        if (sent + n < m.total || cork_ || (m.flags & kMsgMore)) {
            flags |= TCP_WRITE_FLAG_MORE;
        }
        err_t e = tcp_write(pcb_, at, static_cast<u16_t>(n), flags);
        if (e == ERR_MEM) {
            // lwIP's memory is short: send what is queued and wait for acknowledgements.
            if (tcp_sndqueuelen(pcb_) == 0) {
                // Nothing in flight will wake us: look again shortly.
                if (nb) {
                    error = -EAGAIN;
                    break;
                }
                uint64_t soon = vfs::monotonicNs() + 10000000;
                if (long r = waitFor(until != 0 && until < soon ? until : soon);
                    r < 0 && r != -EAGAIN) {
                    error = r;
                    break;
                }
                continue;
            }
            tcp_output(pcb_);
            if (nb) {
                error = -EAGAIN;
                break;
            }
            if (long r = waitFor(until); r < 0) {
                error = r;
                break;
            }
            continue;
        }
        if (e != ERR_OK) {
            error = errnoOf(e);
            break;
        }
        in.advance(n);
        sent += n;
        wroteAny = true;
    }
    // Corked (TCP_CORK, MSG_MORE): what was written waits for the rest, as on Linux, where
    // nginx's header and body then leave as one segment; uncorking pushes it.
    const bool hold = cork_ || (m.flags & kMsgMore);
    if (pcb_ != nullptr && wroteAny && !hold) {
        tcp_output(pcb_);
    }
    stackWorkDone();
    if (sent > 0) {
        if (error != 0 && error != -EAGAIN && error != -EPIPE) {
            err_ = static_cast<int>(-error); // reported by the next call
        }
        return static_cast<long>(sent);
    }
    return error;
}

size_t TcpSocket::copyReceived(IovWalker& out, size_t max) const {
    size_t skip = rxOffset_;
    size_t got = 0;
    for (RxChunk* c = rxHead_; c != nullptr && got < max; c = c->next) {
        for (pbuf* q = c->p; q != nullptr && got < max; q = q->next) {
            if (skip >= q->len) {
                skip -= q->len;
                continue;
            }
            size_t n = q->len - skip;
            n = n < max - got ? n : max - got;
            out.copyOut(static_cast<const char*>(q->payload) + skip, n);
            skip = 0;
            got += n;
        }
    }
    return got;
}

void TcpSocket::consumeReceived(size_t n) {
    rxBytes_ -= n;
    size_t at = rxOffset_ + n;
    while (rxHead_ != nullptr && at >= rxHead_->p->tot_len) {
        RxChunk* c = rxHead_;
        at -= c->p->tot_len;
        rxHead_ = c->next;
        pbuf_free(c->p);
        delete c;
    }
    if (rxHead_ == nullptr) {
        rxTail_ = nullptr;
    }
    rxOffset_ = at;
    // Open the receive window by what was read.
    while (pcb_ != nullptr && n > 0) {
        u16_t k = static_cast<u16_t>(n < 0xffff ? n : 0xffff);
        tcp_recved(pcb_, k);
        n -= k;
    }
}

long TcpSocket::recvMsg(SocketMessage& m) {
    if (m.flags & vfs::kMsgOob) {
        return -EINVAL;
    }
    if (state_ == State::Fresh || state_ == State::Bound || state_ == State::Listening) {
        return -ENOTCONN;
    }
    bool nb = nonBlocking() || (m.flags & vfs::kMsgDontwait) || rcvtimeo_ == 0;
    bool peek = m.flags & vfs::kMsgPeek;
    bool waitall = (m.flags & vfs::kMsgWaitall) && !peek;
    uint64_t until = deadline(true);
    IovWalker out(m.iov, m.iovCount);
    size_t got = 0;
    long error = 0;
    while (got < m.total) {
        if (rxBytes_ > 0) {
            size_t n = copyReceived(out, m.total - got);
            got += n;
            if (peek) {
                break;
            }
            consumeReceived(n);
            if (!waitall) {
                break;
            }
            continue;
        }
        if (err_ != 0) {
            if (got == 0) {
                error = -takeError();
            }
            break;
        }
        if (eof_ || shutRd_ || state_ == State::Closed) {
            break;
        }
        if (nb) {
            if (got == 0) {
                error = -EAGAIN;
            }
            break;
        }
        stackWorkDone(); // the window update goes out before this sleeps
        if (long r = waitFor(until); r < 0) {
            if (got == 0) {
                error = r;
            }
            break;
        }
    }
    stackWorkDone();
    return got > 0 ? static_cast<long>(got) : error;
}

long TcpSocket::name(bool peer, uint8_t* out, size_t* len) {
    if (peer) {
        if (!hasPeer_ || state_ == State::Connecting || (state_ == State::Closed && err_ != 0)) {
            return -ENOTCONN;
        }
        formatAddress(&remoteIp_, remotePort_, out, len);
        return 0;
    }
    if (pcb_ != nullptr) {
        ip_addr_copy(localIp_, pcb_->local_ip);
        localPort_ = pcb_->local_port;
    }
    formatAddress(bound_ ? &localIp_ : nullptr, bound_ ? localPort_ : 0, out, len);
    return 0;
}

void TcpSocket::pushPending() {
    // As tcp_push_pending_frames after TCP_CORK is cleared: everything queued goes now,
    // Nagle or not (it would hold a short last segment until the previous one is acknowledged,
    // a delayed-ACK round trip later).
    const bool nagleOff = tcp_nagle_disabled(pcb_);
    tcp_nagle_disable(pcb_);
    tcp_output(pcb_);
    if (!nagleOff) {
        tcp_nagle_enable(pcb_);
    }
    stackWorkDone();
}

long TcpSocket::unsent() const {
    if (pcb_ == nullptr || state_ == State::Listening) {
        return 0;
    }
    return static_cast<long>(TCP_SND_BUF - tcp_sndbuf(pcb_));
}

long TcpSocket::available() const {
    if (state_ == State::Listening) {
        return -EINVAL;
    }
    return static_cast<long>(rxBytes_);
}

uint32_t TcpSocket::poll() const {
    uint32_t mask = 0;
    if (err_ != 0) {
        mask |= vfs::kPollErr;
    }
    switch (state_) {
    case State::Listening:
        if (pendingHead_) {
            mask |= vfs::kPollIn | vfs::kPollRdNorm;
        }
        return mask;
    case State::Fresh:
    case State::Bound:
        // As tcp_poll for a socket that never connected.
        return mask | vfs::kPollOut | vfs::kPollWrNorm | vfs::kPollHup;
    case State::Connecting:
        return mask;
    case State::Connected:
    case State::Closed:
        break;
    }
    if (rxBytes_ > 0 || eof_ || shutRd_) {
        mask |= vfs::kPollIn | vfs::kPollRdNorm;
    }
    if (eof_ || shutRd_) {
        mask |= vfs::kPollRdHup;
    }
    if ((eof_ && shutWr_) || state_ == State::Closed) {
        mask |= vfs::kPollHup;
    }
    if (state_ == State::Closed || shutWr_) {
        mask |= vfs::kPollOut | vfs::kPollWrNorm; // a write fails at once
    } else if (writeRoom() >= TCP_SND_BUF / 4) {
        mask |= vfs::kPollOut | vfs::kPollWrNorm;
    }
    return mask;
}

long TcpSocket::getProtoOption(int level, int option, int* out) {
    if (level != kIpprotoTcp) {
        return -ENOPROTOOPT;
    }
    switch (option) {
    case kTcpNodelay:
        *out = nodelay_ ? 1 : 0;
        return 0;
    case kTcpCork:
        *out = cork_ ? 1 : 0;
        return 0;
    case kTcpMaxseg:
        *out = pcb_ != nullptr && state_ == State::Connected ? tcp_mss(pcb_) : TCP_MSS;
        return 0;
    case kTcpKeepidle:
        *out = pcb_ != nullptr ? static_cast<int>(pcb_->keep_idle / 1000) : 7200;
        return 0;
    case kTcpKeepintvl:
        *out = pcb_ != nullptr ? static_cast<int>(pcb_->keep_intvl / 1000) : 75;
        return 0;
    case kTcpKeepcnt:
        *out = pcb_ != nullptr ? static_cast<int>(pcb_->keep_cnt) : 9;
        return 0;
    case kTcpDeferAccept:
    case kTcpQuickack:
    case kTcpUserTimeout:
    case kTcpNotsentLowat:
    case kTcpFastopen:
        *out = 0;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

long TcpSocket::setProtoOption(int level, int option, int v) {
    if (level != kIpprotoTcp) {
        return -ENOPROTOOPT;
    }
    bool listeningPcb = state_ == State::Listening;
    switch (option) {
    case kTcpNodelay:
        nodelay_ = v != 0;
        if (pcb_ != nullptr && !listeningPcb) {
            if (nodelay_) {
                tcp_nagle_disable(pcb_);
                tcp_output(pcb_);
                stackWorkDone();
            } else {
                tcp_nagle_enable(pcb_);
            }
        }
        return 0;
    case kTcpCork:
        cork_ = v != 0;
        if (!cork_ && pcb_ != nullptr && !listeningPcb) {
            pushPending();
        }
        return 0;
    case kTcpKeepidle:
    case kTcpKeepintvl:
    case kTcpKeepcnt:
        if (v < 1 || v > 32767) {
            return -EINVAL;
        }
        if (pcb_ != nullptr && !listeningPcb) {
            if (option == kTcpKeepidle) {
                pcb_->keep_idle = static_cast<u32_t>(v) * 1000;
            } else if (option == kTcpKeepintvl) {
                pcb_->keep_intvl = static_cast<u32_t>(v) * 1000;
            } else {
                pcb_->keep_cnt = static_cast<u32_t>(v);
            }
        }
        return 0;
    case kTcpMaxseg:
    case kTcpDeferAccept:
    case kTcpQuickack:
    case kTcpCongestion:
    case kTcpUserTimeout:
    case kTcpNotsentLowat:
    case kTcpFastopen:
        return 0; // accepted; lwIP has no knob for them
    case kTcpInfo:
    default:
        return -ENOPROTOOPT;
    }
}

// ---- UDP --------------------------------------------------------------------------------

struct Datagram {
    pbuf* p;
    ip_addr_t from;
    u16_t port;
    Datagram* next;
};

class UdpSocket final : public InetSocket {
public:
    UdpSocket(int family, const Cred& owner, uint32_t flags, udp_pcb* pcb)
        : InetSocket(family, owner, flags), pcb_(pcb) {
        udp_recv(pcb_, onRecv, this);
    }

    int type() const override { return vfs::kSockDgram; }
    long bind(vfs::Context& ctx, const uint8_t* addr, size_t len) override;
    long connect(vfs::Context& ctx, const uint8_t* addr, size_t len,
                 const vfs::Ucred& self) override;
    long listen(int, const vfs::Ucred&) override { return -EOPNOTSUPP; }
    long accept(uint32_t, const Cred&, Ref<File>*) override { return -EOPNOTSUPP; }
    long shutdown(int how) override;
    long sendMsg(SocketMessage& m) override;
    long recvMsg(SocketMessage& m) override;
    long name(bool peer, uint8_t* out, size_t* len) override;
    long unsent() const override { return 0; }
    long available() const override {
        return head_ != nullptr ? static_cast<long>(head_->p->tot_len) : 0;
    }
    uint32_t poll() const override;

protected:
    ~UdpSocket() override;
    ip_pcb* ipPcb() override { return reinterpret_cast<ip_pcb*>(pcb_); }

private:
    static void onRecv(void* arg, udp_pcb* pcb, pbuf* p, const ip_addr_t* addr, u16_t port);
    long autobind();

    udp_pcb* pcb_;
    bool connected_ = false;
    bool shutRd_ = false;
    bool shutWr_ = false;
    Datagram* head_ = nullptr;
    Datagram* tail_ = nullptr;
    size_t queued_ = 0; // bytes waiting, against SO_RCVBUF
};

UdpSocket::~UdpSocket() {
    udp_remove(pcb_);
    while (head_ != nullptr) {
        Datagram* d = head_;
        head_ = d->next;
        pbuf_free(d->p);
        delete d;
    }
    stackWorkDone();
}

void UdpSocket::onRecv(void* arg, udp_pcb*, pbuf* p, const ip_addr_t* addr, u16_t port) {
    auto* s = static_cast<UdpSocket*>(arg);
    // A full receive buffer drops the datagram, as udp_queue_rcv_skb.
    if (s->shutRd_ || s->queued_ + p->tot_len > s->rcvbuf_) {
        pbuf_free(p);
        return;
    }
    auto* d = new (std::nothrow) Datagram{p, {}, port, nullptr};
    if (d == nullptr) {
        pbuf_free(p);
        return;
    }
    ip_addr_copy(d->from, *addr);
    (s->tail_ != nullptr ? s->tail_->next : s->head_) = d;
    s->tail_ = d;
    s->queued_ += p->tot_len;
    s->wake();
}

long UdpSocket::autobind() {
    if (bound_) {
        return 0;
    }
    ip_addr_t any;
    const ip_addr_t* wildcard = family_ == kAfInet ? IP4_ADDR_ANY
                                : v6only_          ? IP6_ADDR_ANY
                                                   : IP_ANY_TYPE;
    ip_addr_copy(any, *wildcard);
    if (long r = errnoOf(udp_bind(pcb_, &any, 0)); r < 0) {
        return r == -ENOBUFS ? -EAGAIN : r;
    }
    bound_ = true;
    return 0;
}

long UdpSocket::bind(vfs::Context&, const uint8_t* addr, size_t len) {
    ip_addr_t ip;
    u16_t port;
    if (long r = parseAddress(addr, len, true, &ip, &port); r < 0) {
        return r;
    }
    if (bound_) {
        return -EINVAL;
    }
    if (!isLocal(&ip)) {
        return -EADDRNOTAVAIL;
    }
    if (long r = errnoOf(udp_bind(pcb_, &ip, port)); r < 0) {
        return r;
    }
    bound_ = true;
    return 0;
}

long UdpSocket::connect(vfs::Context&, const uint8_t* addr, size_t len, const vfs::Ucred&) {
    uint16_t fam = 0;
    if (len >= sizeof fam) {
        __builtin_memcpy(&fam, addr, sizeof fam);
    }
    if (fam == vfs::kAfUnspec && len >= sizeof fam) {
        udp_disconnect(pcb_);
        connected_ = false;
        return 0;
    }
    ip_addr_t ip;
    u16_t port;
    if (long r = parseAddress(addr, len, false, &ip, &port); r < 0) {
        return r;
    }
    if (long r = autobind(); r < 0) {
        return r;
    }
    if (long r = errnoOf(udp_connect(pcb_, &ip, port)); r < 0) {
        return r;
    }
    connected_ = true;
    return 0;
}

long UdpSocket::shutdown(int how) {
    if (how < vfs::kShutRd || how > vfs::kShutRdwr) {
        return -EINVAL;
    }
    if (!connected_) {
        return -ENOTCONN;
    }
    shutRd_ = shutRd_ || how != vfs::kShutWr;
    shutWr_ = shutWr_ || how != vfs::kShutRd;
    wake();
    return 0;
}

long UdpSocket::sendMsg(SocketMessage& m) {
    if (shutWr_) {
        if (!(m.flags & vfs::kMsgNosignal)) {
            vfs::brokenPipe();
        }
        return -EPIPE;
    }
    ip_addr_t ip;
    u16_t port = 0;
    bool to = m.nameLen != 0;
    if (to) {
        if (long r = parseAddress(m.name, m.nameLen, false, &ip, &port); r < 0) {
            return r;
        }
        if (port == 0) {
            return -EINVAL;
        }
    } else if (!connected_) {
        return -EDESTADDRREQ;
    }
    if (m.total > 65507) {
        return -EMSGSIZE;
    }
    if (long r = autobind(); r < 0) {
        return r;
    }
    pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(m.total), PBUF_RAM);
    if (p == nullptr) {
        return -ENOBUFS;
    }
    {
        IovWalker in(m.iov, m.iovCount);
        size_t at = 0;
        char* src;
        size_t n;
        while ((n = in.next(m.total - at, &src)) > 0) {
            __builtin_memcpy(static_cast<char*>(p->payload) + at, src, n);
            in.advance(n);
            at += n;
        }
    }
    err_t e = to ? udp_sendto(pcb_, p, &ip, port) : udp_send(pcb_, p);
    pbuf_free(p);
    stackWorkDone();
    if (e == ERR_RTE) {
        return -ENETUNREACH;
    }
    if (e != ERR_OK && e != ERR_MEM && e != ERR_BUF) {
        return errnoOf(e);
    }
    // A datagram the interface could not take is lost, as one a network drops.
    return static_cast<long>(m.total);
}

long UdpSocket::recvMsg(SocketMessage& m) {
    if (m.flags & vfs::kMsgOob) {
        return -EOPNOTSUPP;
    }
    bool nb = nonBlocking() || (m.flags & vfs::kMsgDontwait) || rcvtimeo_ == 0;
    uint64_t until = deadline(true);
    while (head_ == nullptr) {
        if (err_ != 0) {
            return -takeError();
        }
        if (shutRd_) {
            return 0;
        }
        if (nb) {
            return -EAGAIN;
        }
        if (long r = waitFor(until); r < 0) {
            return r;
        }
    }
    Datagram* d = head_;
    size_t size = d->p->tot_len;
    size_t n = size < m.total ? size : m.total;
    IovWalker out(m.iov, m.iovCount);
    size_t left = n;
    for (pbuf* q = d->p; q != nullptr && left > 0; q = q->next) {
        size_t k = q->len < left ? q->len : left;
        out.copyOut(q->payload, k);
        left -= k;
    }
    formatAddress(&d->from, d->port, m.name, &m.nameLen);
    if (size > m.total) {
        m.msgFlags |= vfs::kMsgTrunc;
    }
    if (!(m.flags & vfs::kMsgPeek)) {
        head_ = d->next;
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        queued_ -= size;
        pbuf_free(d->p);
        delete d;
    }
    // MSG_TRUNC asks for the datagram's real length.
    return static_cast<long>((m.flags & vfs::kMsgTrunc) ? size : n);
}

long UdpSocket::name(bool peer, uint8_t* out, size_t* len) {
    if (peer) {
        if (!connected_) {
            return -ENOTCONN;
        }
        formatAddress(&pcb_->remote_ip, pcb_->remote_port, out, len);
        return 0;
    }
    formatAddress(bound_ ? &pcb_->local_ip : nullptr, bound_ ? pcb_->local_port : 0, out, len);
    return 0;
}

uint32_t UdpSocket::poll() const {
    uint32_t mask = vfs::kPollOut | vfs::kPollWrNorm;
    if (head_ != nullptr || shutRd_) {
        mask |= vfs::kPollIn | vfs::kPollRdNorm;
    }
    if (err_ != 0) {
        mask |= vfs::kPollErr;
    }
    if (shutRd_ && shutWr_) {
        mask |= vfs::kPollHup;
    }
    return mask;
}

// FIONREAD/SIOCINQ go through available(); SIOCOUTQ through unsent(), in the system call
// layer.

} // namespace

namespace {

// A new pcb (`create`) wrapped in a socket of type S, or the pcb freed (`drop`) again.
template <typename S, typename Pcb>
long wrapPcb(Pcb* pcb, void (*drop)(Pcb*), int family, uint32_t flags, const Cred& owner,
             Ref<File>* out) {
    if (pcb == nullptr) {
        return -ENOBUFS;
    }
    Ref<S> s = vfs::make<S>(family, owner, flags, pcb);
    if (!s) {
        drop(pcb);
        return -ENOMEM;
    }
    *out = s;
    return 0;
}

} // namespace

long makeInetSocket(int family, int type, int protocol, uint32_t flags, const Cred& owner,
                    Ref<File>* out) {
    const u8_t ipType = family == kAfInet ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
    if (type == vfs::kSockStream) {
        if (protocol != 0 && protocol != kIpprotoTcp) {
            return -EPROTONOSUPPORT;
        }
        return wrapPcb<TcpSocket>(tcp_new_ip_type(ipType), tcp_abort, family, flags, owner, out);
    }
    if (type == vfs::kSockDgram) {
        if (protocol != 0 && protocol != kIpprotoUdp) {
            return -EPROTONOSUPPORT;
        }
        return wrapPcb<UdpSocket>(udp_new_ip_type(ipType), udp_remove, family, flags, owner, out);
    }
    return type == vfs::kSockRaw ? -EPERM : -ESOCKTNOSUPPORT;
}

void stackWorkDone() {
    // Loopback (127.0.0.1, and this machine's own addresses) is queued by lwIP and
    // delivered here, possibly producing more (a SYN's SYN-ACK): until it is quiet.
    for (int round = 0; round < 64; ++round) {
        bool any = false;
        struct netif* n;
        NETIF_FOREACH(n) {
            if (n->loop_first != nullptr) {
                any = true;
                netif_poll(n);
            }
        }
        if (!any) {
            break;
        }
    }
    if (g_timerHook != nullptr) {
        g_timerHook();
    }
}

void setStackTimerHook(void (*rearm)()) {
    g_timerHook = rearm;
}

} // namespace uk::net
