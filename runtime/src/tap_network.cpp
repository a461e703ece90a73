#include <uk/runtime/tap_network.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include <uk/support/fs.h>

namespace uk::runtime {

namespace stdfs = std::filesystem;

namespace {

constexpr size_t kMaxGuestDns = 3; // uk run's limit (loader: kMaxDnsServers)

// --- rtnetlink ------------------------------------------------------------------------------

// One request being built: the netlink header, the family header, then attributes.
class Message {
public:
    Message(uint16_t type, uint16_t flags, const void* header, size_t headerLen) {
        nlmsghdr h{};
        h.nlmsg_type = type;
        h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
        append(&h, sizeof h);
        append(header, headerLen);
    }

    void attr(uint16_t type, const void* data, size_t len) {
        rtattr a{};
        a.rta_type = type;
        a.rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
        append(&a, sizeof a);
        append(data, len);
    }
    void attrString(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
    void attrU32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }

    // A nested attribute: begin() before its members, end() after.
    size_t begin(uint16_t type) {
        size_t at = bytes_.size();
        rtattr a{};
        a.rta_type = type;
        append(&a, sizeof a);
        return at;
    }
    void end(size_t at) {
        auto len = static_cast<unsigned short>(bytes_.size() - at);
        std::memcpy(bytes_.data() + at + offsetof(rtattr, rta_len), &len, sizeof len);
    }

    std::string& finish(uint32_t seq) {
        auto len = static_cast<uint32_t>(bytes_.size());
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
        return bytes_;
    }

private:
    void append(const void* data, size_t len) {
        bytes_.append(static_cast<const char*>(data), len);
        bytes_.resize(NLMSG_ALIGN(bytes_.size()), '\0');
    }
    std::string bytes_;
};

// Attributes of one message, by type (the last of a type wins).
struct Attributes {
    std::vector<const rtattr*> byType;
    Attributes(const rtattr* first, int len) {
        for (const rtattr* a = first; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
            size_t type = a->rta_type & NLA_TYPE_MASK;
            if (type >= byType.size()) {
                byType.resize(type + 1, nullptr);
            }
            byType[type] = a;
        }
    }
    const rtattr* get(size_t type) const { return type < byType.size() ? byType[type] : nullptr; }
    std::optional<uint32_t> u32(size_t type) const {
        const rtattr* a = get(type);
        if (a == nullptr || RTA_PAYLOAD(a) < sizeof(uint32_t)) {
            return std::nullopt;
        }
        uint32_t v;
        std::memcpy(&v, RTA_DATA(a), sizeof v);
        return v;
    }
    std::string string(size_t type) const {
        const rtattr* a = get(type);
        if (a == nullptr) {
            return "";
        }
        const char* s = static_cast<const char*>(RTA_DATA(a));
        return std::string(s, strnlen(s, RTA_PAYLOAD(a)));
    }
    std::string bytes(size_t type) const {
        const rtattr* a = get(type);
        return a == nullptr ? ""
                            : std::string(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a));
    }
};

// The kernel's extended acknowledgement message, when it sent one.
std::string extendedAck(const nlmsghdr* h) {
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) {
        return "";
    }
    const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    size_t offset = sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
        offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    }
    size_t total = h->nlmsg_len - NLMSG_HDRLEN;
    if (offset >= total) {
        return "";
    }
    const auto* first =
        reinterpret_cast<const rtattr*>(static_cast<const char*>(NLMSG_DATA(h)) + offset);
    Attributes attrs(first, static_cast<int>(total - offset));
    return attrs.string(NLMSGERR_ATTR_MSG);
}

// A NETLINK_ROUTE socket in the calling thread's network namespace.
class Netlink {
public:
    Netlink() {
        fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd_ < 0) {
            throwErrno("cannot open a netlink socket");
        }
        int one = 1;
        ::setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
        ::setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    }
    ~Netlink() { ::close(fd_); }
    Netlink(const Netlink&) = delete;
    Netlink& operator=(const Netlink&) = delete;

    // Sends a request with NLM_F_ACK and waits for its answer: 0, or the kernel's errno (its
    // extended message, if any, in `message`).
    int call(Message& m, std::string* message = nullptr) {
        uint32_t seq = send(m, NLM_F_ACK);
        int result = 0;
        bool done = false;
        receive(seq, [&](const nlmsghdr* h) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                result = static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
                if (message != nullptr) {
                    *message = extendedAck(h);
                }
                done = true;
            }
            return done;
        });
        return result;
    }

    // call(), throwing uk::Error "WHAT: REASON" unless it succeeds (or fails with `allowed`).
    void must(Message& m, const std::string& what, int allowed = 0) {
        std::string message;
        int e = call(m, &message);
        if (e < 0 && -e != allowed) {
            throw Error(what + ": " + (message.empty() ? std::strerror(-e) : message));
        }
    }

    // A dump request (NLM_F_DUMP): every message of the answer.
    std::vector<std::string> dump(Message& m) {
        uint32_t seq = send(m, NLM_F_DUMP);
        std::vector<std::string> out;
        int error = 0;
        receive(seq, [&](const nlmsghdr* h) {
            if (h->nlmsg_type == NLMSG_DONE) {
                return true;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                error = static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
                return true;
            }
            out.emplace_back(reinterpret_cast<const char*>(h), h->nlmsg_len);
            return false;
        });
        if (error < 0) {
            errno = -error;
            throwErrno("netlink dump");
        }
        return out;
    }

private:
    uint32_t send(Message& m, uint16_t extraFlags) {
        uint32_t seq = ++seq_;
        std::string& bytes = m.finish(seq);
        uint16_t flags;
        std::memcpy(&flags, bytes.data() + offsetof(nlmsghdr, nlmsg_flags), sizeof flags);
        flags |= extraFlags;
        std::memcpy(bytes.data() + offsetof(nlmsghdr, nlmsg_flags), &flags, sizeof flags);
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        ssize_t n;
        do {
            n = ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                         sizeof kernel);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            throwErrno("netlink send");
        }
        return seq;
    }

    // Reads answers to `seq` until `each` returns true.
    template <typename F>
    void receive(uint32_t seq, F each) {
        std::vector<uint64_t> buffer(8192); // aligned, 64 KiB
        for (;;) {
            ssize_t n;
            do {
                n = ::recv(fd_, buffer.data(), buffer.size() * sizeof(uint64_t),
                           MSG_PEEK | MSG_TRUNC);
            } while (n < 0 && errno == EINTR);
            if (n < 0) {
                throwErrno("netlink receive");
            }
            if (static_cast<size_t>(n) > buffer.size() * sizeof(uint64_t)) {
                buffer.resize(static_cast<size_t>(n) / sizeof(uint64_t) + 1);
            }
            do {
                n = ::recv(fd_, buffer.data(), buffer.size() * sizeof(uint64_t), 0);
            } while (n < 0 && errno == EINTR);
            if (n < 0) {
                throwErrno("netlink receive");
            }
            const size_t total = static_cast<size_t>(n);
            const char* bytes = reinterpret_cast<const char*>(buffer.data());
            for (size_t off = 0; off + sizeof(nlmsghdr) <= total;) {
                const auto* h = reinterpret_cast<const nlmsghdr*>(bytes + off);
                if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > total - off) {
                    break;
                }
                off += NLMSG_ALIGN(h->nlmsg_len);
                if (h->nlmsg_seq == seq && each(h)) {
                    return;
                }
            }
        }
    }

    int fd_ = -1;
    uint32_t seq_ = 0;
};

// --- what the namespace holds -----------------------------------------------------------------

struct Link {
    int index = 0;
    std::string name;
    unsigned flags = 0;
    unsigned short type = 0; // ARPHRD_*
    std::string mac;         // "02:42:ac:12:00:02" for Ethernet
    unsigned mtu = 1500;
    std::string kind; // IFLA_INFO_KIND: "veth", "tun", ...
    std::string alias;
};

struct Route {
    int oif = 0;
    uint32_t gateway = 0; // host byte order
    uint32_t priority = 0;
};

std::string formatMac(const std::string& raw) {
    std::string out;
    char part[4];
    for (size_t i = 0; i < raw.size(); ++i) {
        std::snprintf(part, sizeof part, i == 0 ? "%02x" : ":%02x",
                      static_cast<unsigned char>(raw[i]));
        out += part;
    }
    return out;
}

std::vector<Link> links(Netlink& nl) {
    ifinfomsg req{};
    req.ifi_family = AF_UNSPEC;
    Message m(RTM_GETLINK, 0, &req, sizeof req);
    std::vector<Link> out;
    for (const auto& msg : nl.dump(m)) {
        const auto* h = reinterpret_cast<const nlmsghdr*>(msg.data());
        if (h->nlmsg_type != RTM_NEWLINK) {
            continue;
        }
        const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        Attributes a(IFLA_RTA(info), static_cast<int>(IFLA_PAYLOAD(h)));
        Link l;
        l.index = info->ifi_index;
        l.flags = info->ifi_flags;
        l.type = info->ifi_type;
        l.name = a.string(IFLA_IFNAME);
        l.mac = formatMac(a.bytes(IFLA_ADDRESS));
        l.mtu = a.u32(IFLA_MTU).value_or(1500);
        l.alias = a.string(IFLA_IFALIAS);
        if (const rtattr* li = a.get(IFLA_LINKINFO)) {
            Attributes info2(static_cast<const rtattr*>(RTA_DATA(li)),
                             static_cast<int>(RTA_PAYLOAD(li)));
            l.kind = info2.string(IFLA_INFO_KIND);
        }
        out.push_back(std::move(l));
    }
    return out;
}

struct Address {
    int index = 0;
    InterfaceAddress address;
    unsigned char scope = 0;
};

std::vector<Address> ipv4Addresses(Netlink& nl) {
    ifaddrmsg req{};
    req.ifa_family = AF_INET;
    Message m(RTM_GETADDR, 0, &req, sizeof req);
    std::vector<Address> out;
    for (const auto& msg : nl.dump(m)) {
        const auto* h = reinterpret_cast<const nlmsghdr*>(msg.data());
        if (h->nlmsg_type != RTM_NEWADDR) {
            continue;
        }
        const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
        if (info->ifa_family != AF_INET) {
            continue;
        }
        Attributes a(IFA_RTA(info), static_cast<int>(IFA_PAYLOAD(h)));
        auto local = a.u32(IFA_LOCAL);
        if (!local) {
            local = a.u32(IFA_ADDRESS);
        }
        if (!local) {
            continue;
        }
        Address addr;
        addr.index = static_cast<int>(info->ifa_index);
        addr.scope = info->ifa_scope;
        addr.address.address = ntohl(*local);
        addr.address.prefix = info->ifa_prefixlen;
        if (auto b = a.u32(IFA_BROADCAST)) {
            addr.address.broadcast = ntohl(*b);
        }
        out.push_back(addr);
    }
    return out;
}

std::vector<Route> defaultRoutes(Netlink& nl) {
    rtmsg req{};
    req.rtm_family = AF_INET;
    Message m(RTM_GETROUTE, 0, &req, sizeof req);
    std::vector<Route> out;
    for (const auto& msg : nl.dump(m)) {
        const auto* h = reinterpret_cast<const nlmsghdr*>(msg.data());
        if (h->nlmsg_type != RTM_NEWROUTE) {
            continue;
        }
        const auto* rt = static_cast<const rtmsg*>(NLMSG_DATA(h));
        Attributes a(RTM_RTA(rt), static_cast<int>(RTM_PAYLOAD(h)));
        uint32_t table = a.u32(RTA_TABLE).value_or(rt->rtm_table);
        if (rt->rtm_family != AF_INET || rt->rtm_dst_len != 0 || table != RT_TABLE_MAIN ||
            rt->rtm_type != RTN_UNICAST) {
            continue;
        }
        Route r;
        r.oif = static_cast<int>(a.u32(RTA_OIF).value_or(0));
        r.gateway = ntohl(a.u32(RTA_GATEWAY).value_or(0));
        r.priority = a.u32(RTA_PRIORITY).value_or(0);
        out.push_back(r);
    }
    std::sort(out.begin(), out.end(),
              [](const Route& x, const Route& y) { return x.priority < y.priority; });
    return out;
}

std::optional<uint32_t> parseAddress(const std::string& text) {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) {
        return std::nullopt;
    }
    return ntohl(a.s_addr);
}

// --- changing it --------------------------------------------------------------------------------

void addressRequest(Netlink& nl, uint16_t type, int index, const InterfaceAddress& a,
                    const std::string& what, int allowed) {
    ifaddrmsg req{};
    req.ifa_family = AF_INET;
    req.ifa_prefixlen = static_cast<unsigned char>(a.prefix);
    req.ifa_index = static_cast<unsigned>(index);
    req.ifa_scope = RT_SCOPE_UNIVERSE;
    Message m(type, type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0, &req, sizeof req);
    uint32_t be = htonl(a.address);
    m.attr(IFA_LOCAL, &be, sizeof be);
    m.attr(IFA_ADDRESS, &be, sizeof be);
    if (a.broadcast && type == RTM_NEWADDR) {
        uint32_t b = htonl(*a.broadcast);
        m.attr(IFA_BROADCAST, &b, sizeof b);
    }
    nl.must(m, what, allowed);
}

void addDefaultRoute(Netlink& nl, int index, uint32_t gateway) {
    rtmsg req{};
    req.rtm_family = AF_INET;
    req.rtm_table = RT_TABLE_MAIN;
    req.rtm_protocol = RTPROT_BOOT;
    req.rtm_scope = RT_SCOPE_UNIVERSE;
    req.rtm_type = RTN_UNICAST;
    Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &req, sizeof req);
    uint32_t be = htonl(gateway);
    m.attr(RTA_GATEWAY, &be, sizeof be);
    m.attrU32(RTA_OIF, static_cast<uint32_t>(index));
    nl.must(m, "cannot restore the default route via " + formatAddress(gateway), EEXIST);
}

void setLink(Netlink& nl, int index, unsigned mtu, const std::string& alias,
             const std::string& name) {
    ifinfomsg req{};
    req.ifi_family = AF_UNSPEC;
    req.ifi_index = index;
    req.ifi_flags = IFF_UP;
    req.ifi_change = IFF_UP;
    Message m(RTM_NEWLINK, 0, &req, sizeof req);
    m.attrU32(IFLA_MTU, mtu);
    m.attrString(IFLA_IFALIAS, alias);
    nl.must(m, "cannot bring " + name + " up");
}

void deleteLink(Netlink& nl, int index, const std::string& name) {
    ifinfomsg req{};
    req.ifi_family = AF_UNSPEC;
    req.ifi_index = index;
    Message m(RTM_DELLINK, 0, &req, sizeof req);
    nl.must(m, "cannot delete " + name, ENODEV);
}

tcmsg ingressHandle(int index) {
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = index;
    t.tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
    t.tcm_parent = TC_H_INGRESS;
    return t;
}

void addIngressQdisc(Netlink& nl, int index, const std::string& name) {
    tcmsg t = ingressHandle(index);
    Message m(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &t, sizeof t);
    m.attrString(TCA_KIND, "ingress");
    std::string message;
    int e = nl.call(m, &message);
    if (e == -EEXIST) {
        throw Error("cannot redirect " + name +
                    "'s frames: it has an ingress qdisc already "
                    "(tc qdisc show dev " +
                    name + ")");
    }
    if (e < 0) {
        throw Error("cannot add an ingress qdisc to " + name + ": " +
                    (message.empty() ? std::strerror(-e) : message) +
                    " (the kernel needs CONFIG_NET_SCH_INGRESS)");
    }
}

void deleteIngressQdisc(Netlink& nl, int index, const std::string& name) {
    tcmsg t = ingressHandle(index);
    Message m(RTM_DELQDISC, 0, &t, sizeof t);
    std::string message;
    int e = nl.call(m, &message);
    if (e < 0 && e != -ENOENT && e != -EINVAL && e != -ENODEV) {
        throw Error("cannot delete " + name +
                    "'s ingress qdisc: " + (message.empty() ? std::strerror(-e) : message));
    }
}

// tc filter add dev FROM parent ffff: protocol all u32 match u8 0 0
//     action mirred egress redirect dev TO
void addRedirect(Netlink& nl, int from, const std::string& fromName, int to,
                 const std::string& toName) {
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = from;
    t.tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0);
    t.tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL)); // priority 1, every protocol
    Message m(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &t, sizeof t);
    m.attrString(TCA_KIND, "u32");
    size_t options = m.begin(TCA_OPTIONS);
    // A selector with one key (tc_u32_sel ends in its keys): mask 0, value 0 at offset 0,
    // which every frame matches.
    tc_u32_sel sel{};
    sel.flags = TC_U32_TERMINAL;
    sel.nkeys = 1;
    tc_u32_key key{};
    char selector[sizeof sel + sizeof key];
    std::memcpy(selector, &sel, sizeof sel);
    std::memcpy(selector + sizeof sel, &key, sizeof key);
    m.attr(TCA_U32_SEL, selector, sizeof selector);
    size_t actions = m.begin(TCA_U32_ACT);
    size_t first = m.begin(1);
    m.attrString(TCA_ACT_KIND, "mirred");
    size_t actOptions = m.begin(TCA_ACT_OPTIONS);
    tc_mirred mirred{};
    mirred.action = TC_ACT_STOLEN;
    mirred.eaction = TCA_EGRESS_REDIR;
    mirred.ifindex = static_cast<uint32_t>(to);
    m.attr(TCA_MIRRED_PARMS, &mirred, sizeof mirred);
    m.end(actOptions);
    m.end(first);
    m.end(actions);
    m.end(options);
    std::string message;
    int e = nl.call(m, &message);
    if (e < 0) {
        throw Error("cannot redirect " + fromName + "'s frames to " + toName + ": " +
                    (message.empty() ? std::strerror(-e) : message) +
                    " (the kernel needs CONFIG_NET_CLS_U32 and CONFIG_NET_ACT_MIRRED)");
    }
}

// A persistent tap (it outlives this descriptor, for QEMU to attach to), owned by root.
void makeTap(const std::string& name) {
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        throwErrno("cannot open /dev/net/tun to make the tap " + name);
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0 || ::ioctl(fd, TUNSETPERSIST, 1) != 0) {
        int e = errno;
        ::close(fd);
        errno = e;
        throwErrno("cannot make the tap " + name);
    }
    ::close(fd);
}

const Link* linkNamed(const std::vector<Link>& all, const std::string& name) {
    for (const auto& l : all) {
        if (l.name == name) {
            return &l;
        }
    }
    return nullptr;
}

// The tap's alias records the wiring, so a later uk container in the same namespace can undo
// one whose delete never ran (IFALIASZ: 256 bytes with the terminating zero).
constexpr char kAliasTag[] = "uk-runtime";
// The alias of a tap made before the guest booted and not wired yet (prepareTap).
constexpr char kPendingAlias[] = "uk-runtime: not wired yet";

std::string aliasFor(const TapWiring& w) {
    nlohmann::json j{{"by", kAliasTag}, {"if", w.interface}, {"mtu", w.mtu}};
    if (w.gateway) {
        j["gw"] = formatAddress(*w.gateway);
    }
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : w.addresses) {
        nlohmann::json one = nlohmann::json::array({formatInterfaceAddress(a)});
        if (a.broadcast) {
            one.push_back(formatAddress(*a.broadcast));
        }
        nlohmann::json next = j;
        addrs.push_back(one);
        next["addr"] = addrs;
        if (next.dump().size() > 255) {
            break;
        }
        j = next;
    }
    return j.dump();
}

std::optional<TapWiring> wiringFromAlias(const std::string& alias) {
    try {
        auto j = nlohmann::json::parse(alias);
        if (j.value("by", "") != kAliasTag) {
            return std::nullopt;
        }
        TapWiring w;
        w.interface = j.at("if").get<std::string>();
        w.mtu = j.value("mtu", 1500u);
        if (j.contains("gw")) {
            w.gateway = parseAddress(j.at("gw").get<std::string>());
        }
        for (const auto& one : j.at("addr")) {
            std::string text = one.at(0).get<std::string>();
            size_t slash = text.find('/');
            InterfaceAddress a;
            auto addr = parseAddress(text.substr(0, slash));
            if (!addr || slash == std::string::npos) {
                return std::nullopt;
            }
            a.address = *addr;
            a.prefix = static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
            if (one.size() > 1) {
                a.broadcast = parseAddress(one.at(1).get<std::string>());
            }
            w.addresses.push_back(a);
        }
        return w;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// IPv4 `nameserver` lines; loopback ones go to `loopback`.
std::vector<std::string> nameServers(const std::string& text, std::vector<std::string>* loopback) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string keyword, value;
        words >> keyword >> value;
        if (keyword != "nameserver") {
            continue;
        }
        auto a = parseAddress(value);
        if (!a) {
            continue; // IPv6: the guest's --dns takes IPv4
        }
        if ((*a >> 24) == 127 || *a == 0) {
            if (loopback != nullptr) {
                loopback->push_back(value);
            }
            continue;
        }
        if (std::find(out.begin(), out.end(), value) == out.end()) {
            out.push_back(value);
        }
    }
    return out;
}

} // namespace

const char* networkModeName(NetworkMode mode) {
    switch (mode) {
    case NetworkMode::Auto:
        return "auto";
    case NetworkMode::Tap:
        return "tap";
    case NetworkMode::User:
        return "user";
    }
    return "auto";
}

NetworkMode networkModeFor(const BundleSpec& spec, const std::string& what) {
    auto setting = runtimeSetting(spec, kNetworkAnnotation, kNetworkEnvironment, what);
    if (!setting) {
        return NetworkMode::Auto;
    }
    for (NetworkMode m : {NetworkMode::Auto, NetworkMode::Tap, NetworkMode::User}) {
        if (setting->value == networkModeName(m)) {
            return m;
        }
    }
    throw BundleError(setting->from + ": expected auto, tap or user, got '" + setting->value + "'");
}

std::string formatAddress(uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::string formatInterfaceAddress(const InterfaceAddress& a) {
    return formatAddress(a.address) + "/" + std::to_string(a.prefix);
}

void inNetworkNamespace(const stdfs::path& path, const std::function<void()>& fn) {
    int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        throwErrno("cannot open the network namespace " + path.string());
    }
    std::exception_ptr failure;
    // setns(CLONE_NEWNET) moves only the calling thread: this one keeps its namespace.
    std::thread worker([&] {
        try {
            if (::setns(ns, CLONE_NEWNET) != 0) {
                throwErrno("cannot join the network namespace " + path.string());
            }
            fn();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    ::close(ns);
    if (failure) {
        std::rethrow_exception(failure);
    }
}

std::optional<TapWiring> findContainerInterface(std::string& why) {
    Netlink nl;
    std::vector<Link> all = links(nl);
    // An earlier uk container's wiring that delete did not undo (a pod's shared namespace):
    // give the interface its addresses back first.
    if (const Link* tap = linkNamed(all, kTapName); tap != nullptr && tap->alias != kPendingAlias) {
        auto earlier = wiringFromAlias(tap->alias);
        if (!earlier) {
            why = std::string("the namespace has an interface named ") + kTapName +
                  " that uk-runtime did not make";
            return std::nullopt;
        }
        unwireTap(*earlier);
        all = links(nl);
    }
    std::vector<Address> addrs = ipv4Addresses(nl);
    std::vector<Route> routes = defaultRoutes(nl);

    std::vector<const Link*> candidates;
    for (const auto& l : all) {
        if ((l.flags & IFF_LOOPBACK) || !(l.flags & IFF_UP) || l.type != ARPHRD_ETHER ||
            l.mac.size() != 17) {
            continue;
        }
        bool hasAddress = std::any_of(addrs.begin(), addrs.end(), [&](const Address& a) {
            return a.index == l.index && a.scope != RT_SCOPE_HOST;
        });
        if (hasAddress) {
            candidates.push_back(&l);
        }
    }
    if (candidates.empty()) {
        why = "the network namespace has no interface with an IPv4 address";
        return std::nullopt;
    }
    const Link* chosen = candidates.front();
    std::optional<uint32_t> gateway;
    for (const auto& r : routes) {
        auto it = std::find_if(candidates.begin(), candidates.end(),
                               [&](const Link* l) { return l->index == r.oif; });
        if (it != candidates.end() && r.gateway != 0) {
            chosen = *it;
            gateway = r.gateway;
            break;
        }
    }
    TapWiring w;
    w.interface = chosen->name;
    w.mac = chosen->mac;
    w.mtu = chosen->mtu;
    for (const auto& a : addrs) {
        if (a.index == chosen->index && a.scope != RT_SCOPE_HOST) {
            w.addresses.push_back(a.address);
        }
    }
    w.gateway = gateway;
    for (const Link* l : candidates) {
        if (l != chosen) {
            w.others.push_back(l->name);
        }
    }
    return w;
}

void wireTap(const TapWiring& w) {
    Netlink nl;
    std::vector<Link> all = links(nl);
    const Link* eth = linkNamed(all, w.interface);
    if (eth == nullptr) {
        throw Error("the interface " + w.interface + " is gone from the network namespace");
    }
    // A tap prepareTap made (QEMU has it already) is used as it is, and kept on failure.
    const Link* existing = linkNamed(all, w.tap);
    const bool prepared = existing != nullptr && existing->alias == kPendingAlias;
    if (existing != nullptr && !prepared) {
        throw Error("the network namespace has an interface named " + w.tap + " already");
    }
    const int ethIndex = eth->index;
    if (!prepared) {
        makeTap(w.tap);
    }
    int tapIndex = static_cast<int>(::if_nametoindex(w.tap.c_str()));
    bool ethQdisc = false;
    size_t removed = 0;
    try {
        if (tapIndex == 0) {
            throwErrno("cannot find the tap " + w.tap + " just made");
        }
        setLink(nl, tapIndex, w.mtu, aliasFor(w), w.tap);
        addIngressQdisc(nl, tapIndex, w.tap);
        addRedirect(nl, tapIndex, w.tap, ethIndex, w.interface);
        addIngressQdisc(nl, ethIndex, w.interface);
        ethQdisc = true;
        addRedirect(nl, ethIndex, w.interface, tapIndex, w.tap);
        // The guest answers for the address now; the namespace's own stack must not (its
        // routes through the interface go with the address).
        for (const auto& a : w.addresses) {
            addressRequest(nl, RTM_DELADDR, ethIndex, a,
                           "cannot remove " + formatInterfaceAddress(a) + " from " + w.interface,
                           EADDRNOTAVAIL);
            ++removed;
        }
    } catch (const Error&) {
        try {
            if (ethQdisc) {
                deleteIngressQdisc(nl, ethIndex, w.interface);
            }
            if (tapIndex != 0 && !prepared) {
                deleteLink(nl, tapIndex, w.tap);
            }
            for (size_t i = 0; i < removed; ++i) {
                addressRequest(nl, RTM_NEWADDR, ethIndex, w.addresses[i], "restore", EEXIST);
            }
            if (removed > 0 && w.gateway) {
                addDefaultRoute(nl, ethIndex, *w.gateway);
            }
        } catch (const Error&) {
        }
        throw;
    }
}

void prepareTap() {
    Netlink nl;
    if (linkNamed(links(nl), kTapName) != nullptr) {
        throw Error(std::string("the network namespace has an interface named ") + kTapName +
                    " already");
    }
    makeTap(kTapName);
    int index = static_cast<int>(::if_nametoindex(kTapName));
    if (index == 0) {
        throwErrno(std::string("cannot find the tap ") + kTapName + " just made");
    }
    setLink(nl, index, 1500, kPendingAlias, kTapName);
}

void unwireTap(const TapWiring& w) {
    Netlink nl;
    std::vector<Link> all = links(nl);
    if (const Link* tap = linkNamed(all, w.tap)) {
        deleteLink(nl, tap->index, w.tap);
    }
    const Link* eth = linkNamed(all, w.interface);
    if (eth == nullptr) {
        return; // gone with its namespace's owner
    }
    deleteIngressQdisc(nl, eth->index, w.interface);
    for (const auto& a : w.addresses) {
        addressRequest(nl, RTM_NEWADDR, eth->index, a,
                       "cannot give " + w.interface + " back " + formatInterfaceAddress(a), EEXIST);
    }
    if (w.gateway) {
        addDefaultRoute(nl, eth->index, *w.gateway);
    }
}

std::vector<std::string> guestNameServers(const std::string& resolvConf,
                                          const std::vector<std::string>& hostResolvConfs,
                                          std::vector<std::string>& notes) {
    std::vector<std::string> loopback;
    std::vector<std::string> servers = nameServers(resolvConf, &loopback);
    const bool own = !servers.empty();
    if (!own) {
        for (const auto& host : hostResolvConfs) {
            servers = nameServers(host, nullptr);
            if (!servers.empty()) {
                break;
            }
        }
    }
    if (!loopback.empty()) {
        std::string list;
        for (const auto& s : loopback) {
            list += (list.empty() ? "" : ", ") + s;
        }
        std::string instead;
        if (!own) {
            instead = servers.empty() ? "; the guest gets no name server"
                                      : "; the guest gets the host's (" + servers.front() +
                                            (servers.size() > 1 ? ", ..." : "") + ")";
        }
        notes.push_back("name server " + list +
                        " is left out: it is on the network namespace's loopback (Docker's "
                        "embedded DNS), which the guest does not see, so container names do not "
                        "resolve in the guest" +
                        instead);
    }
    if (servers.size() > kMaxGuestDns) {
        servers.resize(kMaxGuestDns);
    }
    return servers;
}

std::string containerResolvConf(const BundleSpec& spec) {
    for (auto it = spec.mounts.rbegin(); it != spec.mounts.rend(); ++it) {
        if (it->destination == "/etc/resolv.conf" && (it->type == "bind" || it->type.empty())) {
            try {
                return fs::readFile(it->source);
            } catch (const Error&) {
                return "";
            }
        }
    }
    const stdfs::path inRootfs = spec.rootfs / "etc/resolv.conf";
    struct stat st;
    // Not followed when it is a link: its target would be resolved on the host.
    if (::lstat(inRootfs.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        try {
            return fs::readFile(inRootfs);
        } catch (const Error&) {
        }
    }
    return "";
}

namespace {

// `userArgs` less every `-p VALUE` before --entrypoint, with `net` inserted before it.
std::vector<std::string> withNetwork(const std::vector<std::string>& userArgs,
                                     const std::vector<std::string>& net) {
    std::vector<std::string> out;
    size_t i = 0;
    for (; i < userArgs.size() && userArgs[i] != "--entrypoint"; ++i) {
        if (userArgs[i] == "-p" && i + 1 < userArgs.size()) {
            ++i;
            continue;
        }
        out.push_back(userArgs[i]);
    }
    out.insert(out.end(), net.begin(), net.end());
    out.insert(out.end(), userArgs.begin() + static_cast<long>(i), userArgs.end());
    return out;
}

} // namespace

std::vector<std::string> tapSettings(const TapWiring& w, const std::vector<std::string>& dns) {
    std::vector<std::string> out{"--mac", w.mac};
    if (w.mtu < 1500 && w.mtu >= 68) {
        // A smaller path than the card's (an overlay network): the guest keeps to it.
        out.insert(out.end(), {"--mtu", std::to_string(w.mtu)});
    }
    if (!w.addresses.empty()) {
        out.insert(out.end(), {"--ip", formatInterfaceAddress(w.addresses.front())});
    }
    if (w.gateway) {
        out.insert(out.end(), {"--gw", formatAddress(*w.gateway)});
    }
    for (const auto& d : dns) {
        out.insert(out.end(), {"--dns", d});
    }
    return out;
}

std::vector<std::string> tapRunArgs(const std::vector<std::string>& userArgs, const TapWiring& w,
                                    const std::vector<std::string>& dns) {
    std::vector<std::string> net{"--net", "tap:" + w.tap};
    std::vector<std::string> settings = tapSettings(w, dns);
    net.insert(net.end(), settings.begin(), settings.end());
    return withNetwork(userArgs, net);
}

std::vector<std::string> preparedTapRunArgs(const std::vector<std::string>& userArgs) {
    return withNetwork(userArgs, {"--net", std::string("tap:") + kTapName});
}

} // namespace uk::runtime
