/*
 * What the Xen network frontend's data path (netfront.c) and its xenstore
 * handshake (netfront_xs.c) share: one vif's state.  Nothing else
 * includes it; the rest of the kernel sees a struct netdev.
 */
#ifndef DRIVERS_XEN_NETFRONT_H
#define DRIVERS_XEN_NETFRONT_H
#include <amphi/netdev.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/ring.h>
#include <drivers/xen/xenbus.h>
#include <xen/io/netif.h>

#define NETFRONT_TX_SIZE __CONST_RING_SIZE(netif_tx, 4096)
#define NETFRONT_RX_SIZE __CONST_RING_SIZE(netif_rx, 4096)
/* Queues we ask for when the backend offers several.  One vCPU needs no
 * more than two; two are enough to keep the per-queue code honest. */
#define NETFRONT_MAX_QUEUES 2
/* Slots one transmitted frame may take (the minimum every backend must
 * accept, netif.h's XEN_NETIF_NR_SLOTS_MIN). */
#define NETFRONT_TX_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN

/* A transmit slot: its page stays granted read-only to the backend for
 * the queue's life, so sending is a copy and no grant operation. */
struct netfront_tx_slot {
	void *page;
	grant_ref_t gref;
	uint16_t next_free;
};

/* A receive buffer: a page granted to the backend, which copies a frame
 * (or part of one) into it. */
struct netfront_rx_buf {
	void *page;
	grant_ref_t gref;
};

struct netfront_info;

struct netfront_queue {
	struct netfront_info *info;
	unsigned id;
	/* The tx ring and slots, from threads and from the tx handler:
	 * taken with interrupts off. */
	struct spinlock lock;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	void *tx_ring_page, *rx_ring_page;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	int evtchn_tx, evtchn_rx; /* the same port without split channels; -1: none */
	struct netfront_tx_slot tx_slot[NETFRONT_TX_SIZE];
	/* tx_busy[id]: slot id is on the ring, waiting for its response (a
	 * table of its own, which netif_tx_rsp_check() judges and clears). */
	bool tx_busy[NETFRONT_TX_SIZE];
	uint16_t tx_free; /* head of the free list; NETFRONT_TX_SIZE: none */
	unsigned tx_in_flight;
	struct netfront_rx_buf rx_buf[NETFRONT_RX_SIZE];
	volatile bool rx_pending; /* the rx event fired since the thread looked */
};

struct netfront_info {
	struct xenbus_device *xdev;
	struct netdev ndev;
	unsigned nqueues;
	struct netfront_queue queue[NETFRONT_MAX_QUEUES];
	/* What the backend offered and we use. */
	bool sg, split_evtchn, tx_csum;
	bool rings_ready; /* rings allocated and offered */
	bool registered;  /* the netdev is registered */
	volatile bool broken, connected;
	bool suspended; /* sending stopped for a suspend; was connected */
	unsigned bad_said; /* bad frames and statuses reported so far */
	/* The receive thread (on any CPU): it runs netdev_rx(), which must
	 * not be called from an interrupt.  rx_stopped is set under rx_lock,
	 * so the thread stopping it cannot free info under its last wake-up. */
	struct wait_queue rx_wq;
	volatile bool rx_stop, rx_stopped;
	struct spinlock rx_lock;
	struct wait_queue rx_stopped_wq;
};

/* netfront_ring.c */
int netfront_rings_setup(struct netfront_info *info);
void netfront_rings_free(struct netfront_info *info);
/* netfront.c */
/* Posts every receive buffer and starts the receive thread. */
int netfront_start(struct netfront_info *info);
void netfront_stop(struct netfront_info *info);
extern const struct netdev_ops netfront_netdev_ops;
/* What the event handlers run: take the responses the backend published
 * (tx: with q->lock held).  Also driven by the selftest with a pretend
 * backend. */
void netfront_tx_reclaim(struct netfront_queue *q);
void netfront_rx_poll(struct netfront_queue *q);
/* netfront_suspend.c: the driver's suspend and resume. */
int netfront_suspend(struct xenbus_device *dev);
void netfront_resume(struct xenbus_device *dev, bool new_domain);
/* netfront_xs.c */
/* Vifs the bus knows, and how many of them are network devices now. */
unsigned netfront_count(unsigned *connected);
#endif
