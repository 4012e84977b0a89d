/*
 * Every decision blkfront takes on what its backend hands it: the
 * responses on the ring, the index the backend publishes, and the values
 * it writes in xenstore.  Pure code (drivers/xen/blkif_check.c), with no
 * state of its own and no printing, so that the host tests and a fuzzer
 * give it any input at all; the driver prints what `why` says and acts
 * on the verdict.
 */
#ifndef DRIVERS_XEN_BLKIF_CHECK_H
#define DRIVERS_XEN_BLKIF_CHECK_H
#include <amphi/types.h>
#include <drivers/xen/ring.h>

/* What the frontend sent in one ring slot (the slot's id is its index in
 * the table): a response is judged against it, never on its own. */
struct blkif_sent {
	uint8_t op;	  /* the BLKIF_OP_ sent */
	uint8_t inner_op; /* for BLKIF_OP_INDIRECT: read or write */
	bool in_flight;	  /* sent and not answered yet */
};

enum blkif_verdict {
	BLKIF_ACCEPT, /* finishes request `id`, with *error from its status */
	BLKIF_FAIL,   /* finishes request `id` with -EIO: the response is wrong */
	BLKIF_BREACH, /* answers no request: the connection cannot be trusted */
};

/* Marks slot `id` of `sent` (nr slots) in flight with what was sent. */
void blkif_sent_start(struct blkif_sent *sent, unsigned nr, unsigned id, uint8_t op,
		      uint8_t inner_op);
/* Judges one response (its id, operation and status) against `sent`; on
 * ACCEPT or FAIL the slot is no longer in flight, so a second response
 * to it is a breach.  *error: 0, -ENOSYS (operation not supported) or
 * -EIO.  *why: what was wrong, NULL on a clean ACCEPT. */
enum blkif_verdict blkif_rsp_check(struct blkif_sent *sent, unsigned nr, uint64_t id, uint8_t op,
				   int16_t status, int *error, const char **why);
/* Response indexes: ring_rsp_prod_check (drivers/xen/ring.h). */

/* The backend's xenstore values.  Each takes the result of reading the
 * node (rc 0 with `v`, -ENOENT when it wrote none, another error when it
 * wrote something that is not a number) and returns what to use: the
 * plain protocol's value for anything refused, with *why set (NULL when
 * the value is taken or simply absent), and never more than `cap`. */
unsigned blkif_be_ring_order(int rc, uint64_t v, unsigned cap, const char **why);
unsigned blkif_be_queues(int rc, uint64_t v, unsigned cap, const char **why);
/* Segments per request: above 11 only when indirect requests are offered
 * (feature-max-indirect-segments) and `cap` allows. */
unsigned blkif_be_segments(int rc, uint64_t v, unsigned cap, const char **why);
/* A feature-* flag: 0 or 1; anything else refused, and off. */
bool blkif_be_flag(int rc, uint64_t v, const char **why);

/* The disk's size: "sectors" (512-byte units, whatever the sector size,
 * as Linux's blkback writes it) and "sector-size". */
struct blkif_geometry {
	uint32_t sector_size;
	uint64_t sectors; /* of sector_size bytes */
};
/* 0 with *g filled, or -1 with *why. */
int blkif_be_geometry(int rc_sectors, uint64_t sectors, int rc_ssize, uint64_t ssize,
		      struct blkif_geometry *g, const char **why);
/* A later "sectors" (an online resize) for a disk of `sector_size`:
 * 0 with *out in device sectors, or -1 with *why. */
int blkif_be_resize(int rc, uint64_t sectors, uint32_t sector_size, uint64_t *out,
		    const char **why);
#endif
