// lwIP as fetched from Debian's source package and configured by lwipopts.h, on the host: a
// TCP echo and a UDP datagram over the loopback interface, driven the way the library OS
// will drive it (no OS layer: poll the interfaces, run the timers, advance the clock).
#include <doctest/doctest.h>

#include "lwip_test_support.h"

#include <lwip/init.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>

#include <functional>
#include <string>

namespace {
uint32_t fakeNow = 0;
std::string serverGot, clientGot, udpGot;
bool assertion = false;
} // namespace

extern "C" {
u32_t sys_now(void) {
    return fakeNow;
}
void uk_lwip_diag(const char*) {}
void uk_lwip_assert(const char*, const char*, int) {
    assertion = true;
}
uint32_t uk_lwip_rand(void) {
    static uint32_t x = 2463534242u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}
}

namespace {

std::string take(struct pbuf* p) {
    std::string s(p->tot_len, '\0');
    pbuf_copy_partial(p, s.data(), p->tot_len, 0);
    return s;
}

err_t echo(void*, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
    if (p == nullptr) {
        tcp_close(pcb);
        return ERR_OK;
    }
    std::string s = take(p);
    serverGot += s;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    tcp_write(pcb, s.data(), static_cast<u16_t>(s.size()), TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    return ERR_OK;
}

err_t accepted(void*, struct tcp_pcb* pcb, err_t err) {
    REQUIRE(err == ERR_OK);
    tcp_recv(pcb, echo);
    return ERR_OK;
}

err_t clientReceived(void*, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
    if (p != nullptr) {
        clientGot += take(p);
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
    }
    return ERR_OK;
}

err_t connected(void*, struct tcp_pcb* pcb, err_t err) {
    REQUIRE(err == ERR_OK);
    const char msg[] = "hello from uk over lwIP";
    tcp_write(pcb, msg, sizeof msg - 1, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    return ERR_OK;
}

void udpReceived(void*, struct udp_pcb*, struct pbuf* p, const ip_addr_t*, u16_t) {
    udpGot += take(p);
    pbuf_free(p);
}

void pump(const std::function<bool()>& done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
        netif_poll_all();
        sys_check_timeouts();
        fakeNow += 5;
    }
}

} // namespace

TEST_CASE("lwip: TCP echo and UDP over the loopback interface") {
    lwipInitOnce();
    ip_addr_t loopback;
    IP_ADDR4(&loopback, 127, 0, 0, 1);

    struct tcp_pcb* listener = tcp_new();
    REQUIRE(listener != nullptr);
    REQUIRE(tcp_bind(listener, IP_ANY_TYPE, 7) == ERR_OK);
    listener = tcp_listen(listener);
    REQUIRE(listener != nullptr);
    tcp_accept(listener, accepted);

    struct tcp_pcb* client = tcp_new();
    REQUIRE(client != nullptr);
    tcp_recv(client, clientReceived);
    REQUIRE(tcp_connect(client, &loopback, 7, connected) == ERR_OK);
    pump([] { return clientGot.size() >= 23; });
    CHECK(serverGot == "hello from uk over lwIP");
    CHECK(clientGot == "hello from uk over lwIP");

    struct udp_pcb* server = udp_new();
    REQUIRE(udp_bind(server, IP_ANY_TYPE, 9) == ERR_OK);
    udp_recv(server, udpReceived, nullptr);
    struct udp_pcb* sender = udp_new();
    struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, 5, PBUF_RAM);
    REQUIRE(p != nullptr);
    pbuf_take(p, "ping!", 5);
    REQUIRE(udp_sendto(sender, p, &loopback, 9) == ERR_OK);
    pbuf_free(p);
    pump([] { return !udpGot.empty(); });
    CHECK(udpGot == "ping!");
    CHECK_FALSE(assertion);

    tcp_close(client);
    udp_remove(server);
    udp_remove(sender);
    tcp_close(listener);
}
