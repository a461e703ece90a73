#include "stack.h"

#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "../app/process.h"
#include <uk/image_format.h>

#include "../kernel/log.h"
#include "../sched/scheduler.h"
#include "../sched/timer.h"
#include "../sched/wait_queue.h"
#include "../time/clock.h"
#include "../vfs/env.h"
#include "../vfs/system.h"
#include "../vfs/wait.h"
#include "config.h"
#include "inet_socket.h"
#include "netdev.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

extern "C" {

u32_t sys_now(void) {
    return static_cast<u32_t>(uk::clock::monotonicNs() / 1000000);
}

void uk_lwip_diag(const char* message) {
    uk::log::info("lwip: %s", message);
}

void uk_lwip_assert(const char* message, const char* file, int line) {
    uk::log::panic("lwIP assertion failed: %s (%s:%d)", message, file, line);
}

uint32_t uk_lwip_rand(void) {
    uint32_t r;
    uk::vfs::randomBytes(&r, sizeof r);
    return r;
}

} // extern "C"

namespace uk::net {

namespace {

constexpr uint64_t kDhcpWaitNs = 5'000'000'000;  // how long the first socket waits for DHCP
constexpr uint64_t kExitDrainNs = 1'000'000'000; // how long exit waits for TCP to deliver

constinit bool g_started = false;
constinit struct netif g_eth = {};
constinit NetDevice* g_device = nullptr;
constinit sched::Timer g_timer = {};
constinit uint64_t g_timerDeadline = 0; // what g_timer is armed for (0: not armed)
constinit sched::WaitQueue g_addressWait;

// One frame in: a copy into a pbuf from lwIP's pool, then Ethernet input. Called in the
// device's interrupt handler.
void frameIn(void*, const uint8_t* data, size_t len) {
    if (len > 0xffff) {
        return;
    }
    pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_POOL);
    if (p == nullptr) {
        return; // lwIP is out of buffers: the frame is lost, TCP resends it
    }
    pbuf_take(p, data, static_cast<u16_t>(len));
    if (g_eth.input(p, &g_eth) != ERR_OK) {
        pbuf_free(p);
    }
}

void batchDone(void*) {
    stackWorkDone();
}

err_t linkOutput(struct netif*, pbuf* p) {
    NetDevice::Piece pieces[16];
    size_t count = 0;
    for (pbuf* q = p; q != nullptr; q = q->next) {
        if (count == 16) {
            // A long chain (rare): one contiguous copy.
            pbuf* flat = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
            if (flat == nullptr) {
                return ERR_MEM;
            }
            NetDevice::Piece one{flat->payload, flat->len};
            bool ok = g_device->transmit(&one, 1, flat->len);
            pbuf_free(flat);
            return ok ? ERR_OK : ERR_MEM;
        }
        pieces[count++] = NetDevice::Piece{q->payload, q->len};
    }
    return g_device->transmit(pieces, count, p->tot_len) ? ERR_OK : ERR_MEM;
}

err_t ethInit(struct netif* n) {
    n->name[0] = 'e';
    n->name[1] = 'n';
    n->output = etharp_output;
    n->output_ip6 = ethip6_output;
    n->linkoutput = linkOutput;
    n->mtu = static_cast<u16_t>(g_device->mtu());
    if (bootConfig().mtu != 0 && bootConfig().mtu < n->mtu) {
        n->mtu = static_cast<u16_t>(bootConfig().mtu); // uk.mtu: a smaller path ahead
    }
    n->hwaddr_len = 6;
    // A MAC from uk.mac wins: the guest takes over a container's interface and its address
    // (the device accepts every destination: no receive filter is negotiated).
    const Config& c = bootConfig();
    __builtin_memcpy(n->hwaddr, c.haveMac ? c.mac : g_device->mac(), 6);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    if (g_device->checksumOffload()) {
        // The device computes TCP and UDP checksums of what is sent; received frames are
        // still checked here.
        NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_ENABLE_ALL &
                                       ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP));
    }
    return ERR_OK;
}

void onTimer(sched::Timer*) {
    g_timerDeadline = 0;
    sys_check_timeouts();
    stackWorkDone();
}

// After every entry into lwIP: the timer fires at lwIP's next timeout. Re-arming only when
// that is earlier than what is armed keeps the common case (a timeout already pending)
// free of timer reprogramming.
void rearm() {
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
        return;
    }
    uint64_t when = clock::monotonicNs() + static_cast<uint64_t>(sleep) * 1000000;
    if (g_timerDeadline != 0 && g_timerDeadline <= when) {
        return;
    }
    g_timerDeadline = when;
    sched::armTimer(&g_timer, when);
}

void addressChanged(struct netif*) {
    vfs::wakeAll(g_addressWait);
}

void logAddress(const char* how) {
    char ip[16], gw[16];
    formatIpv4(lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&g_eth))), ip);
    formatIpv4(lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&g_eth))), gw);
    uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&g_eth)));
    log::info("net: %s/%d gateway %s (%s)", ip, __builtin_popcount(mask), gw, how);
}

// Whether every TCP connection has had all it sent acknowledged.
bool tcpDelivered() {
    for (tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next) {
        if (p->unsent != nullptr || p->unacked != nullptr) {
            return false;
        }
    }
    return true;
}

// At exit: a Linux kernel goes on sending what a process wrote before it exited; here the
// machine stops with the application, so wait (up to a second) until the peers have
// acknowledged everything sent, or a server's last response is lost with the VM.
void deliverBeforeExit() {
    const uint64_t until = clock::monotonicNs() + kExitDrainNs;
    while (!tcpDelivered() && clock::monotonicNs() < until) {
        sched::sleepUntil(clock::monotonicNs() + 1'000'000, false);
    }
}

} // namespace

void startStack() {
    if (g_started) {
        return;
    }
    g_started = true;
    lwip_init(); // also the loopback interface (127.0.0.1, ::1)
    g_timer.fire = onTimer;
    setStackTimerHook(rearm);
    app::addExitHook(deliverBeforeExit);
    // The network cards: only now, so a program without sockets neither links the drivers
    // nor waits for them at boot.
    const Config& c = bootConfig();
    if (c.noNetwork) {
        log::info("net: no network (%s); loopback only", image::kOptNoNetwork);
        stackWorkDone();
        return;
    }
    probeVirtioMmio(c.mmio, c.mmioCount);
    probeVirtioPci();
    g_device = netDevice(0);
    if (g_device == nullptr) {
        log::info("net: no network device; loopback only");
        stackWorkDone();
        return;
    }
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(c.ip));
    ip4_addr_set_u32(&mask, lwip_htonl(c.netmask()));
    ip4_addr_set_u32(&gw, lwip_htonl(c.gateway));
    if (netif_add(&g_eth, &ip, &mask, &gw, nullptr, ethInit, ethernet_input) == nullptr) {
        log::notice("net: %s cannot be added to the stack", g_device->describe());
        return;
    }
    if (c.mtu != 0) {
        log::info("net: MTU %u (%s)", static_cast<unsigned>(g_eth.mtu), image::kOptMtu);
    }
    if (c.haveMac) {
        log::info("net: MAC %02x:%02x:%02x:%02x:%02x:%02x (%s), not the card's own", c.mac[0],
                  c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5], image::kOptMac);
    }
    if (c.hostname[0] != 0) {
        netif_set_hostname(&g_eth, c.hostname);
    }
    netif_set_default(&g_eth);
    netif_set_status_callback(&g_eth, addressChanged);
    netif_create_ip6_linklocal_address(&g_eth, 1);
    netif_set_ip6_autoconfig_enabled(&g_eth, 1);
    g_device->start(NetDevice::Receiver{frameIn, batchDone, nullptr});
    netif_set_up(&g_eth);
    if (g_device->linkUp()) {
        netif_set_link_up(&g_eth);
    }
    if (!c.useDhcp()) {
        logAddress("static");
        stackWorkDone();
        return;
    }
    dhcp_start(&g_eth);
    stackWorkDone();
    // The first socket waits for the lease: a program's first connect then works.
    uint64_t until = clock::monotonicNs() + kDhcpWaitNs;
    while (!dhcp_supplied_address(&g_eth)) {
        if (vfs::waitOn(g_addressWait, until) == vfs::WaitResult::TimedOut) {
            log::notice("net: no DHCP lease after %lu s; going on without an address",
                        kDhcpWaitNs / 1000000000);
            return;
        }
    }
    logAddress("dhcp");
    // The lease's name servers, unless uk run named some.
    if (c.dnsCount == 0) {
        Config leased = c;
        leased.ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&g_eth)));
        for (u8_t i = 0; i < DNS_MAX_SERVERS && leased.dnsCount < Config::kMaxDns; ++i) {
            const ip_addr_t* d = dns_getserver(i);
            if (d != nullptr && IP_IS_V4(d) && !ip_addr_isany(d)) {
                leased.dns[leased.dnsCount++] = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(d)));
            }
        }
        if (long r = writeResolverFiles(vfs::current(), leased); r < 0) {
            log::notice("net: cannot write /etc/resolv.conf (error %ld)", -r);
        }
    }
}

} // namespace uk::net
