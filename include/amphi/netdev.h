/*
 * Network devices (kernel/netdev.c): the one interface NIC drivers offer
 * and the TCP/IP stack uses, so nothing above a driver knows whether a
 * link is a Xen vif or something else.
 *
 * A frame is an Ethernet frame (header included, no FCS) handed over as a
 * list of fragments.  Transmit copies: once xmit returns, the caller's
 * fragments are its own again.  Receive is pushed: a driver calls
 * netdev_rx() from thread context, never from an interrupt handler, and
 * the stack copies what it keeps before returning.
 *
 * Any of this may happen on any CPU: devices are registered, changed and
 * found under one mutex (thread context), and the counters are bumped
 * atomically (netdev_count), from interrupts too.
 */
#ifndef AMPHI_NETDEV_H
#define AMPHI_NETDEV_H
#include <amphi/types.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
/* Fragments of one frame: a 64 KiB frame in pages, plus slack. */
#define NETDEV_MAX_FRAGS 18

/* What a device can do (struct netdev.features). */
#define NETDEV_F_SG (1u << 0)	   /* xmit takes frames in several fragments */
#define NETDEV_F_TX_CSUM (1u << 1) /* xmit fills in TCP/UDP checksums (CSUM_PARTIAL) */
#define NETDEV_F_RX_CSUM (1u << 2) /* received frames may come CSUM_PARTIAL or CSUM_VALID */

/* Per frame (struct netdev_frame.flags). */
/* Transmit: the device computes the ones'-complement checksum from
 * csum_start to the end and stores it at csum_start + csum_offset, where
 * the stack left the pseudo-header sum (as Linux's CHECKSUM_PARTIAL).
 * Receive: the same state, as the peer left it; the data itself is known
 * good and the checksum must be completed before anyone checks it. */
#define NETDEV_FRAME_CSUM_PARTIAL (1u << 0)
/* Receive: the checksum was already verified by the other end. */
#define NETDEV_FRAME_CSUM_VALID (1u << 1)

struct netdev_frag {
	const void *data;
	uint32_t len;
};

struct netdev_frame {
	struct netdev_frag frag[NETDEV_MAX_FRAGS];
	unsigned nfrags;
	uint32_t len; /* sum of the fragments' lengths */
	unsigned flags;
	uint16_t csum_start;  /* with CSUM_PARTIAL: offsets from the frame's start */
	uint16_t csum_offset; /* from csum_start */
};

struct netdev;

struct netdev_ops {
	/* Sends one frame, copying it.  0; -EAGAIN when the device has no
	 * room just now (the caller may retry or drop); -ENETDOWN when it is
	 * not connected; -EINVAL for a frame it cannot take (too many
	 * fragments without NETDEV_F_SG, too long).  Thread context. */
	int (*xmit)(struct netdev *dev, const struct netdev_frame *f);
};

/* Bumped with netdev_count; read as they are, one at a time. */
struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev {
	char name[16];
	uint8_t mac[ETH_ALEN];
	uint16_t mtu;	   /* largest IP packet, without the Ethernet header */
	unsigned features; /* NETDEV_F_* */
	unsigned nqueues;  /* transmit/receive queue pairs, for reports */
	bool link_up;	   /* changed by netdev_set_link only */
	const struct netdev_ops *ops;
	void *priv; /* the driver's */
	struct netdev_stats stats;

	/* Set by the stack's listener when the device is added (stack_priv
	 * first, rx published after it), cleared when it is removed. */
	void (*rx)(struct netdev *dev, const struct netdev_frame *f);
	void *stack_priv;
	struct netdev *next; /* private to kernel/netdev.c */
};

/* Drivers. */
int netdev_register(struct netdev *dev);
void netdev_unregister(struct netdev *dev);
void netdev_set_link(struct netdev *dev, bool up);
/* Hands a received frame up (counted, or dropped when no stack is
 * attached).  Thread context. */
void netdev_rx(struct netdev *dev, const struct netdev_frame *f);
/* Sends through the driver, counting the result. */
int netdev_xmit(struct netdev *dev, const struct netdev_frame *f);
/* Adds n to one of a device's counters, from any context and CPU. */
static inline void netdev_count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* The stack: told of every device registered (also those registered
 * before it asked), of each change of its link and of every one that
 * goes away, in that order, with the device layer's mutex held (thread
 * context; they may sleep, but not register or find devices). */
struct netdev_listener {
	void (*added)(struct netdev *dev);
	void (*removed)(struct netdev *dev);
	void (*link_changed)(struct netdev *dev);
	void (*notify_peers)(struct netdev *dev);
};
void netdev_listen(const struct netdev_listener *l);
/* The device came back behind another switch port (a restore or a
 * migration reconnected it): the stack tells its peers where it is now
 * (a gratuitous ARP), as Linux's netif_notify_peers.  Thread context. */
void netdev_notify_peers(struct netdev *dev);

/* The device named `name`, or NULL.  Thread context. */
struct netdev *netdev_find(const char *name);
/* Calls fn for every device, newest first, with the device layer's mutex
 * held: no device goes away meanwhile (fn must not register or find
 * devices).  Thread context. */
void netdev_for_each(void (*fn)(struct netdev *dev, void *arg), void *arg);

/* Completes a CSUM_PARTIAL frame's checksum in place: buf holds the
 * whole frame contiguously.  -EINVAL when the offsets do not fit. */
int netdev_csum_complete(void *buf, uint32_t len, uint16_t csum_start, uint16_t csum_offset);
#endif
