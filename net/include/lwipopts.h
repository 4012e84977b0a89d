/*
 * lwIP's configuration for Amphi (read by lwIP's opt.h, which defaults
 * everything not set here).
 *
 * The stack runs as lwIP's own tcpip thread on the kernel scheduler
 * (NO_SYS=0), so shell commands and tests can use the blocking netconn
 * API.  IPv4 only, addresses set statically (ip= on the command line):
 * no DHCP, no DNS, no sockets layer.
 *
 * Memory: dynamic allocations (segments, PBUF_RAM buffers) come from the
 * kernel heap; the fixed pools below are a few hundred KiB in all, sized
 * for a few connections moving a few MB/s in a 64 MiB guest, plus what
 * the net_smp selftest opens at once: two threads on each of up to eight
 * CPUs, each with a UDP connection, then a TCP connection per pair and
 * a listener per CPU (lwIP would otherwise kill a live connection to make
 * room for a new one).
 */
#ifndef AMPHI_LWIPOPTS_H
#define AMPHI_LWIPOPTS_H

#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1
/* Mutexes are semaphores of one (net/sys_arch.c has no separate type). */
#define LWIP_COMPAT_MUTEX 1
#define LWIP_COMPAT_MUTEX_ALLOWED 1

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* ping sends its echo requests through a raw netconn */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1

#define LWIP_NETCONN 1
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
#define LWIP_SO_RCVTIMEO 1 /* sink and ping give up after a while */
#define LWIP_SO_SNDTIMEO 1 /* source gives up on a stalled peer */
#define LWIP_TCP_KEEPALIVE 0

/* 127.0.0.1, so the stack can be tested where no NIC exists. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
/* Frames queued on it at most (each a heap copy): enough for a full TCP
 * window of each of the net_smp selftest's flows with their ACKs, so
 * that the loopback itself drops nothing there. */
#define LWIP_LOOPBACK_MAX_PBUFS 256
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 1

/* A device doing TCP/UDP checksums gets them turned off in lwIP (see
 * net/netif_glue.c). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* Memory.  Four-byte alignment is lwIP's minimum; 8 suits us better. */
#define MEM_ALIGNMENT 8
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_free lwip_port_free
#define mem_clib_calloc lwip_port_calloc
#define MEMP_MEM_MALLOC 0
#define PBUF_POOL_SIZE 128 /* ~1.5 KiB each: received frames */
#define MEMP_NUM_PBUF 64   /* pbufs referring to data kept elsewhere */
#define MEMP_NUM_RAW_PCB 4
#define MEMP_NUM_UDP_PCB 24
#define MEMP_NUM_TCP_PCB 24
#define MEMP_NUM_TCP_PCB_LISTEN 12
#define MEMP_NUM_NETCONN 48
#define MEMP_NUM_NETBUF 32
#define MEMP_NUM_TCPIP_MSG_API 16
#define MEMP_NUM_TCPIP_MSG_INPKT 128
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)

/* TCP: a window of 16 full segments (23 KiB) each way; no window scaling,
 * which is plenty on a link inside one machine. */
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* A connect to a host that never answers gives up after about 45 s
 * (SYNs at 3, 6, 9, 12 and 15 s intervals) rather than lwIP's 84. */
#define TCP_SYNMAXRTX 4
#define MEMP_NUM_TCP_SEG (2 * TCP_SND_QUEUELEN)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 0

/* The tcpip thread's stack is the scheduler's (16 KiB): sizes are
 * ignored.  Mailbox sizes bound what may queue towards each thread. */
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE 16384
#define TCPIP_THREAD_PRIO 1
#define TCPIP_MBOX_SIZE 256
#define DEFAULT_THREAD_STACKSIZE 16384
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 16
#define DEFAULT_RAW_RECVMBOX_SIZE 16
#define DEFAULT_ACCEPTMBOX_SIZE 8

#define LWIP_RAND() lwip_port_rand()
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0

#endif
