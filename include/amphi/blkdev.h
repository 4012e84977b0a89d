/*
 * Block devices (kernel/blkdev.c): the one interface storage drivers
 * offer and everything above them uses, so a caller never knows whether
 * a disk is a Xen vbd or something else.  A driver registers a device
 * with its geometry and capabilities and a submit function; requests are
 * checked here (bounds, read-only, capability) before a driver sees them,
 * and each ends with a completion callback carrying 0 or a negative errno.
 */
#ifndef AMPHI_BLKDEV_H
#define AMPHI_BLKDEV_H
#include <amphi/types.h>

enum blkdev_op {
	BLKDEV_READ,
	BLKDEV_WRITE,
	BLKDEV_FLUSH,	/* everything completed so far reaches stable storage */
	BLKDEV_DISCARD, /* the sectors' contents may be dropped */
};

struct blkdev_request {
	enum blkdev_op op;
	uint64_t sector; /* in the device's sectors */
	uint32_t count;	 /* sectors; 0 for a flush */
	void *buf;	 /* count * sector_size bytes (read, write) */
	/* Runs once, possibly in interrupt context: it must not sleep. */
	void (*done)(struct blkdev_request *rq);
	void *priv;
	int status;		     /* 0, or a negative errno, when done runs */
	struct blkdev_request *next; /* private to the driver's queue */
};

struct blkdev;

struct blkdev_ops {
	/* Queues a checked request; it completes through rq->done, even
	 * when the device goes away first (-EIO).  Any context. */
	void (*submit)(struct blkdev *dev, struct blkdev_request *rq);
	/* The driver retired the device and nobody holds it any more: its
	 * memory may go.  Any context; optional. */
	void (*release)(struct blkdev *dev);
};

struct blkdev {
	char name[16];
	uint64_t sectors;
	uint32_t sector_size;
	uint32_t max_sectors; /* per request; larger transfers are split */
	bool read_only;
	bool can_flush;
	bool can_discard;
	const struct blkdev_ops *ops;
	void *priv;
	/* Private to kernel/blkdev.c. */
	struct blkdev *next;
	unsigned refs; /* blkdev_get() holders */
	bool retired;
};

int blkdev_register(struct blkdev *dev);
void blkdev_unregister(struct blkdev *dev);
/* The device named `name`, or NULL: only a glance, since a device can be
 * unplugged and freed at any time. */
struct blkdev *blkdev_find(const char *name);
/* The same, held: its memory stays until blkdev_put(), even if it is
 * unplugged meanwhile (requests then fail with -EIO). */
struct blkdev *blkdev_get(const char *name);
void blkdev_put(struct blkdev *dev);
/* The driver is done with an unregistered device: ops->release runs now
 * if nobody holds it, else at the last blkdev_put(). */
void blkdev_retire(struct blkdev *dev);
/* Registered devices, newest first, for the shell. */
struct blkdev *blkdev_list(void);
/* The driver saw the size change (an online resize). */
void blkdev_set_capacity(struct blkdev *dev, uint64_t sectors);
/* How often any device changed size, for tests. */
extern unsigned blkdev_resizes;

/* Checks and queues rq: 0, or the reason it was refused (-EROFS for a
 * write to a read-only device, -ERANGE beyond the end, -ENOSYS for an
 * operation the device lacks); a refused request's done never runs. */
int blkdev_submit(struct blkdev *dev, struct blkdev_request *rq);
/* Submits and sleeps until done, splitting large transfers; a request
 * that does not complete within 30 s is -ETIMEDOUT.  Thread context. */
int blkdev_io_sync(struct blkdev *dev, enum blkdev_op op, uint64_t sector, uint32_t count,
		   void *buf);

/* Read benchmarks (kernel/blkdev_bench.c): a sequential pass over up to
 * seq_max_bytes in requests of seq_req_bytes (0: the device's largest),
 * one at a time, then rand_reads random 4 KiB reads within the same span,
 * depth at a time (at most 32), their offsets xorshift64 from seed 1, so
 * tools/dom0/blkbench.c can make the very same reads from Linux.  Thread
 * context. */
struct blkdev_bench {
	unsigned rand_reads, depth; /* asked for */
	uint32_t seq_req_bytes;	    /* asked for; 0 for the device's largest */
	uint64_t seq_bytes, seq_ns, rand_ns;
};
int blkdev_bench(struct blkdev *dev, uint64_t seq_max_bytes, struct blkdev_bench *out);
/* One "blk bench: NAME TAG: ..." line, for logs that runs are compared by. */
void blkdev_bench_print(struct blkdev *dev, const char *tag, const struct blkdev_bench *b);

/* A test pattern dom0 can write and check with awk: every 512 bytes at
 * byte offset 512*n hold 16 lines "amphi SSSSSSSS NNNNNNNNNNNNNN K\n"
 * (seed, n and the line index, in hex). */
void blkdev_pattern_fill(void *buf, uint64_t unit512, uint32_t units, uint32_t seed);
/* The first mismatching 512-byte unit, or -1 when all match. */
int64_t blkdev_pattern_check(const void *buf, uint64_t unit512, uint32_t units, uint32_t seed);
#endif
