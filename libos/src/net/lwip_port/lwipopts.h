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
#define MEMP_NUM_UDP_PCB 32
#define PBUF_POOL_SIZE 512

// Protocols: IPv4 with ARP, ICMP, UDP, TCP, DHCP; the loopback interface.
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0 // programs resolve names themselves (libc reads /etc/resolv.conf)
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
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 0
#define LWIP_DEBUG 0
