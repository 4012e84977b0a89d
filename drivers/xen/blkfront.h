/*
 * What blkfront's data path (blkfront.c) and its xenstore handshake
 * (blkfront_xs.c) share: one device's state.  Nothing outside these files
 * includes it; the rest of the kernel sees a struct blkdev.
 */
#ifndef DRIVERS_XEN_BLKFRONT_H
#define DRIVERS_XEN_BLKFRONT_H
#include <amphi/blkdev.h>
#include <amphi/spinlock.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/xenbus.h>

/* ring.h leaves its barriers to the includer.  x86 keeps stores in order
 * and loads in order, so only the full barrier (a store then a load, in
 * the notify checks) needs a fence; the others stop the compiler. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif
#include <xen/io/blkif.h>

#define BLKFRONT_RING_SIZE __CONST_RING_SIZE(blkif, 4096)
#define BLKFRONT_SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST

/* A request in flight, as we sent it: a response is checked against it,
 * never trusted on its own. */
struct blkfront_shadow {
	struct blkdev_request *rq; /* NULL: the slot is free */
	uint8_t op;
	uint8_t nseg;
	grant_ref_t gref[BLKFRONT_SEGS];
	void *page[BLKFRONT_SEGS]; /* bounce pages, owned by the slot */
};

struct blkfront_info {
	struct xenbus_device *xdev;
	struct blkdev bdev;
	bool registered;
	uint32_t vdevice;
	struct spinlock lock;
	blkif_front_ring_t ring;
	void *ring_page;
	grant_ref_t ring_ref;
	int evtchn;	/* -1 when not bound */
	bool connected; /* requests may go on the ring */
	bool broken;	/* the backend misbehaved: fail everything */
	bool feature_barrier;
	struct blkdev_request *queue_head, *queue_tail; /* waiting for a slot */
	struct blkfront_shadow shadow[BLKFRONT_RING_SIZE];
	struct xs_watch sectors_watch;
	char sectors_path[112];
	bool watching;
};

/* blkfront.c */
int blkfront_ring_setup(struct blkfront_info *info);
void blkfront_ring_free(struct blkfront_info *info);
void blkfront_fail_all(struct blkfront_info *info, int status);
extern const struct blkdev_ops blkfront_blkdev_ops;
/* blkfront_xs.c */
int blkfront_name(uint32_t vdevice, char *buf, size_t len);
/* Vbds the bus knows, and how many of them are connected. */
unsigned blkfront_count(unsigned *connected);
#endif
