/*
 * What blkfront's data path (blkfront.c), its granted pages and rings
 * (blkfront_ring.c) and its xenstore handshake (blkfront_xs.c) share: one
 * device's state.  Nothing outside these files includes it; the rest of
 * the kernel sees a struct blkdev.
 *
 * A device has one or more queues, each a ring of 2^order pages with its
 * own event channel, lock, request slots and pool of granted data pages.
 * Which of the backend's offers are taken is decided in the handshake and
 * kept in struct blkfront_info, never re-read from the store later.
 *
 * Several CPUs: requests are submitted from threads on any CPU, and queue
 * i's event channel is bound to the (i mod online)-th online CPU, whose
 * handler completes them there.  A queue's lock (interrupts off) guards
 * its ring, slots, waiting list and pool; `connected` and `registered`,
 * which submitters test under that lock, change under every queue's lock
 * (blkfront_set_live), so a request is either refused or queued where a
 * later failing of all requests finds it.  The handshake itself runs in
 * the xenbus thread only.
 */
#ifndef DRIVERS_XEN_BLKFRONT_H
#define DRIVERS_XEN_BLKFRONT_H
#include <amphi/blkdev.h>
#include <amphi/spinlock.h>
#include <drivers/xen/blkif_check.h>
#include <drivers/xen/events.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/xenbus.h>

#include <drivers/xen/ring.h>
#include <xen/io/blkif.h>

/* Our own ceilings on what a backend may offer.  Four ring pages and two
 * queues are plenty here (two vCPUs in the tests) and exercise both; 32
 * indirect segments make a 128 KiB request, whose segment list fits one
 * indirect page. */
#define BLKFRONT_MAX_RING_ORDER 2
#define BLKFRONT_MAX_RING_PAGES (1u << BLKFRONT_MAX_RING_ORDER)
#define BLKFRONT_MAX_QUEUES 2
#define BLKFRONT_MAX_SEGS 32
#define BLKFRONT_SEGS_PER_INDIRECT (4096 / sizeof(struct blkif_request_segment))
/* Granted pages a queue keeps for reuse with persistent grants; beyond
 * this a request's pages are granted and ended one by one. */
#define BLKFRONT_POOL_MAX 256

/* A data (or indirect segment) page and, while `granted`, its grant. */
struct blkfront_gpage {
	void *page;
	grant_ref_t gref;
	bool granted;
	bool pooled; /* counted in the queue's pool: kept granted when done */
	struct blkfront_gpage *next;
};

/* A request in flight, as we sent it: a response is checked against it,
 * never trusted on its own. */
struct blkfront_shadow {
	struct blkdev_request *rq; /* NULL: the slot is free */
	uint8_t op;		   /* the ring operation we sent */
	uint8_t inner_op;	   /* for BLKIF_OP_INDIRECT: read or write */
	uint16_t nseg;
	struct blkfront_gpage *data[BLKFRONT_MAX_SEGS];
	struct blkfront_gpage *indirect; /* the segment list page, or NULL */
};

struct blkfront_info;

struct blkfront_queue {
	/* First: a reconnection clears everything after it, and the lock
	 * stays, held, meanwhile (blkfront_rings_setup). */
	struct spinlock lock;
	struct blkfront_info *info;
	unsigned index;
	unsigned cpu; /* the CPU its event channel is bound to */
	blkif_front_ring_t ring;
	void *ring_mem; /* ring_pages pages, virtually contiguous */
	grant_ref_t ring_ref[BLKFRONT_MAX_RING_PAGES];
	int evtchn; /* -1 when not bound */
	struct blkfront_shadow *shadow;
	struct blkif_sent *sent; /* what each slot sent, for blkif_rsp_check */
	unsigned nr_shadow;	 /* the ring's size */
	struct blkdev_request *queue_head, *queue_tail; /* waiting for a slot */
	struct blkfront_gpage *free_gpages;		/* idle pooled pages */
	unsigned pooled; /* pages the queue keeps (granted throughout if persistent) */
	/* Counters, for tests. */
	uint64_t requests, indirect_requests;
	uint64_t grants_reused; /* pages sent with the grant they already had */
	uint64_t irq_cpus;	/* the CPUs its interrupt ran on (a cpumask) */
};

struct blkfront_info {
	struct xenbus_device *xdev;
	struct blkdev bdev;
	bool registered;
	uint32_t vdevice;
	/* What the handshake settled on. */
	unsigned nr_queues, ring_order, ring_pages;
	unsigned max_segs; /* per request: 11, or the indirect segments */
	bool indirect, persistent;
	bool offer_persistent; /* what our offer said */
	struct blkfront_queue queue[BLKFRONT_MAX_QUEUES];
	unsigned next_queue; /* round robin over the queues */
	bool rings_up;	     /* rings and event channels allocated */
	bool connected;	     /* requests may go on the rings */
	bool broken;	     /* the backend misbehaved: fail everything */
	bool feature_barrier;
	bool want_reconnect; /* closed on purpose: start over once Closed */
	unsigned generation; /* connections so far, for tests */
	struct xs_watch sectors_watch;
	char sectors_path[112];
	bool watching;
	/* Across a suspend (blkfront_suspend.c): rings stopped and drained;
	 * in a new domain, reconnecting, with the requests that were queued
	 * taken aside until then. */
	bool suspended, resuming;
	bool stopped; /* nothing new onto the rings; answers still taken */
	struct blkdev_request *held;
	struct spinlock held_lock; /* resuming and held */
};

/* blkfront.c */
void blkfront_fail_all(struct blkfront_info *info, int status);
/* Sets stopped under every queue's lock. */
void blkfront_set_stopped(struct blkfront_info *info, bool stopped);
/* Sets connected and registered under every queue's lock. */
void blkfront_set_live(struct blkfront_info *info, bool connected, bool registered);
void blkfront_interrupt(evtchn_port_t port, void *arg);
/* Moves queued requests onto the ring while it has room. */
void blkfront_kick(struct blkfront_queue *q);
/* A request onto the next queue in turn (or failed, the device dead). */
void blkfront_queue_submit(struct blkfront_info *info, struct blkdev_request *rq);
/* blkfront_suspend.c: the driver's suspend and resume, and the end of a
 * resume in a new domain, once connected to its backend. */
int blkfront_suspend(struct xenbus_device *dev);
void blkfront_resume(struct xenbus_device *dev, bool new_domain);
void blkfront_resume_connected(struct blkfront_info *info);
extern const struct blkdev_ops blkfront_blkdev_ops;
/* blkfront_ring.c */
int blkfront_rings_setup(struct blkfront_info *info);
void blkfront_rings_free(struct blkfront_info *info);
/* A page granted to the backend (read-only if `readonly` and grants are
 * not persistent), or NULL; and back, once the backend answered or, with
 * `in_flight`, while it may still hold the page.  Queue lock held. */
struct blkfront_gpage *blkfront_gpage_get(struct blkfront_queue *q, bool readonly);
void blkfront_gpage_put(struct blkfront_queue *q, struct blkfront_gpage *g, bool in_flight);
/* How every data page starts (blkfront_gpage_get, and tests outside any
 * queue): a new page, cleared, granted to domid; NULL without memory or
 * grants.  blkfront_gpage_free ends its grant (deferred while held) and
 * frees both. */
struct blkfront_gpage *blkfront_gpage_new(uint16_t domid, bool readonly);
void blkfront_gpage_free(struct blkfront_gpage *g);
/* blkfront_feat.c: the offers, read from the backend (`otherend`) and
 * written to our directory, within these ceilings (the maxima above
 * unless a test lowers them; a connection keeps what it started with). */
struct blkfront_limits {
	unsigned ring_order, queues, segs;
	bool persistent;
};
extern struct blkfront_limits blkfront_limits;
void blkfront_choose_rings(struct blkfront_info *info);
/* An xs_transact() body: arg is the struct blkfront_info. */
int blkfront_write_offer(xs_transaction_t t, void *arg);
/* Needs the sector size read first. */
void blkfront_choose_features(struct blkfront_info *info);
/* blkfront_xs.c */
int blkfront_name(uint32_t vdevice, char *buf, size_t len);
/* Vbds the bus knows, and how many of them are connected. */
unsigned blkfront_count(unsigned *connected);
/* Closes the disk from our side and connects it again, as after a
 * toolstack reset: 0 when the close was started. */
int blkfront_restart(const char *name);
/* How often `name` connected (0: unknown), for tests. */
unsigned blkfront_generation(const char *name);

/* What a connected disk negotiated and how its requests went, for tests. */
struct blkfront_stats {
	unsigned nr_queues, ring_pages, max_segs;
	bool indirect, persistent;
	uint64_t requests[BLKFRONT_MAX_QUEUES];
	unsigned cpu[BLKFRONT_MAX_QUEUES];	/* where each queue's events go */
	uint64_t irq_cpus[BLKFRONT_MAX_QUEUES]; /* where they ran (cpumasks) */
	uint64_t indirect_requests, grants_reused;
};
int blkfront_get_stats(const char *name, struct blkfront_stats *st);
#endif
