// lwIP's configuration for uk (see lwip/opt.h for every option). lwIP runs without an OS
// layer (NO_SYS): the library OS drives it from one network thread under one lock and puts
// its own socket layer over the raw API, so lwIP's netconn and socket APIs are off.
#pragma once

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1

// Memory: lwIP's own heap and pools, sized for a server with many connections.
#define MEM_ALIGNMENT 8
#define MEM_SIZE (1024 * 1024)
#define MEMP_NUM_PBUF 256
#define MEMP_NUM_TCP_PCB 256
#define MEMP_NUM_TCP_PCB_LISTEN 32
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_UDP_PCB 64
#define PBUF_POOL_SIZE 1024

// Protocols: IPv4 with ARP, ICMP, UDP, TCP, DHCP; IPv6 (link-local and SLAAC addresses, so
// dual-stack servers such as nginx's [::]:80 listeners work); the loopback interface.
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define IPV6_FRAG_COPYHEADER 1 // 64-bit pointers do not fit the fragment header
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 0
#define DHCP_DOES_ARP_CHECK 0 // the address is the host's to give: no 2 s probe
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
// Programs resolve names themselves (libc reads /etc/resolv.conf); lwIP's DNS module is on only
// so that DHCP records the servers a lease names, which go into /etc/resolv.conf.
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 3
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0

// TCP tuned for throughput (Linux-like window and buffer sizes).
#define TCP_MSS 1460
#define TCP_WND (64 * TCP_MSS)
#define TCP_SND_BUF (64 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define SO_REUSE 1
#define TCP_LISTEN_BACKLOG 1 // listen(2)'s backlog: SYNs beyond it wait for accept(2)
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

#define LWIP_CHECKSUM_CTRL_PER_NETIF 1 // the NIC may compute TCP/UDP checksums
#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 0
#define LWIP_DEBUG 0
