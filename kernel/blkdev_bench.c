/*
 * Read benchmarks over any block device, for the shell's `blk bench` and
 * for tests that log numbers a later run can be compared with: one
 * sequential pass in the device's largest requests, then random 4 KiB
 * reads kept several at a time in flight, which is where more queues or
 * a larger ring can show.  Reads only, so a read-only disk serves too.
 * The random offsets come from a fixed seed, so two runs read the same
 * sectors in the same order.  The random reads complete in interrupt
 * handlers, perhaps on other CPUs, so the slots and counts they share
 * with the submitting thread are under the bench's spinlock.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>

#define BENCH_MAX_DEPTH 32
#define BENCH_TIMEOUT_NS (60ull * 1000000000ull)

struct bench_async {
	struct blkdev_request rq[BENCH_MAX_DEPTH];
	struct spinlock lock; /* the fields below */
	bool busy[BENCH_MAX_DEPTH];
	struct wait_queue wq;
	unsigned done, inflight, issued;
	int err;
};

/* Any context.  Woken under the lock, which the waiter takes before it
 * frees a (see blkdev_sync_done()). */
static void bench_done(struct blkdev_request *rq)
{
	struct bench_async *a = rq->priv;
	unsigned long flags = spin_lock_irqsave(&a->lock);

	a->busy[rq - a->rq] = false;
	if (rq->status && !a->err)
		a->err = rq->status;
	WRITE_ONCE(a->done, a->done + 1);
	a->inflight--;
	wq_wake_all(&a->wq);
	spin_unlock_irqrestore(&a->lock, flags);
}

static uint64_t bench_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int bench_seq(struct blkdev *d, uint64_t n, struct blkdev_bench *out)
{
	uint32_t req = out->seq_req_bytes ? out->seq_req_bytes / d->sector_size : d->max_sectors;
	void *buf;
	uint64_t t0;
	int rc = 0;

	if (!req)
		return -EINVAL;
	if (!(buf = kmalloc((size_t)req * d->sector_size)))
		return -ENOMEM;
	t0 = time_now_ns();
	/* blkdev_io_sync splits what is over the device's largest request. */
	for (uint64_t s = 0; s < n && !rc; s += req)
		rc = blkdev_io_sync(d, BLKDEV_READ, s, (uint32_t)MIN(n - s, (uint64_t)req), buf);
	out->seq_ns = time_now_ns() - t0;
	out->seq_bytes = n * d->sector_size;
	kfree(buf);
	return rc;
}

/* Submits slot i for a random 4 KiB-aligned read; interrupts on. */
static int bench_submit(struct blkdev *d, struct bench_async *a, unsigned i, uint64_t *seed,
			uint64_t span)
{
	uint32_t per = 4096 / d->sector_size ? 4096 / d->sector_size : 1;
	uint64_t units = span / per;

	a->rq[i].op = BLKDEV_READ;
	a->rq[i].sector = (bench_next(seed) % units) * per;
	a->rq[i].count = per;
	a->rq[i].done = bench_done;
	a->rq[i].priv = a;
	return blkdev_submit(d, &a->rq[i]);
}

/* Under the lock: a free slot to issue the next read in (marked busy),
 * or -1 when there is none or nothing more to issue. */
static int bench_claim(struct bench_async *a, unsigned depth, unsigned total)
{
	if (a->issued >= total || a->err)
		return -1;
	for (unsigned i = 0; i < depth; i++)
		if (!a->busy[i]) {
			a->busy[i] = true;
			a->inflight++;
			a->issued++;
			return (int)i;
		}
	return -1;
}

/* Issues reads while slots are free and sleeps for a completion when
 * none is; false when the deadline passed first. */
static bool bench_run(struct blkdev *d, struct bench_async *a, unsigned total, unsigned depth,
		      uint64_t span, uint64_t deadline)
{
	uint64_t seed = 1;
	unsigned seen;

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&a->lock);
		int i = bench_claim(a, depth, total);
		bool finished = i < 0 && !a->inflight;

		seen = a->done;
		spin_unlock_irqrestore(&a->lock, flags);
		if (finished)
			return true;
		if (i < 0) {
			if (!wait_event_deadline(&a->wq, READ_ONCE(a->done) != seen, deadline))
				return false;
			continue;
		}
		int rc = bench_submit(d, a, (unsigned)i, &seed, span);
		if (rc) {
			flags = spin_lock_irqsave(&a->lock);
			a->busy[i] = false;
			a->inflight--;
			a->err = rc;
			spin_unlock_irqrestore(&a->lock, flags);
		}
	}
}

static int bench_random(struct blkdev *d, uint64_t span, struct blkdev_bench *out)
{
	struct bench_async *a = kmalloc(sizeof(*a));
	size_t len = MAX((size_t)4096, (size_t)d->sector_size);
	unsigned depth = out->depth, i;
	unsigned long flags;
	uint64_t t0;
	bool ok;
	int rc = 0;

	if (!a)
		return -ENOMEM;
	memset(a, 0, sizeof(*a));
	a->lock = (struct spinlock)SPINLOCK_INIT;
	a->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	for (i = 0; i < depth; i++)
		if (!(a->rq[i].buf = kmalloc(len)))
			rc = -ENOMEM;
	if (rc || span < 4096 / d->sector_size + 1)
		goto out;
	t0 = time_now_ns();
	ok = bench_run(d, a, out->rand_reads, depth, span, t0 + BENCH_TIMEOUT_NS);
	out->rand_ns = time_now_ns() - t0;
	flags = spin_lock_irqsave(&a->lock);
	unsigned inflight = a->inflight;
	rc = a->err;
	spin_unlock_irqrestore(&a->lock, flags);
	if (!ok && inflight) {
		/* Requests still out own their buffers: leave them be. */
		pr_err("blk: %s: bench requests did not complete in 60 s\n", d->name);
		return -ETIMEDOUT;
	}
out:
	for (i = 0; i < depth; i++)
		kfree(a->rq[i].buf);
	kfree(a);
	return rc;
}

int blkdev_bench(struct blkdev *d, uint64_t seq_max_bytes, struct blkdev_bench *out)
{
	int rc;

	uint64_t span = MIN(d->sectors, seq_max_bytes / d->sector_size);

	if (!out->depth || out->depth > BENCH_MAX_DEPTH)
		return -EINVAL;
	if ((rc = bench_seq(d, span, out)))
		return rc;
	return bench_random(d, span, out);
}

void blkdev_bench_print(struct blkdev *d, const char *tag, const struct blkdev_bench *b)
{
	uint64_t seq_ms = b->seq_ns / 1000000, rand_ms = b->rand_ns / 1000000;

	kprintf("blk bench: %s%s%s: sequential %llu KiB in %s%u KiB reads, %llu ms (%llu KiB/s); "
		"random 4 KiB x%u at depth %u in %llu ms (%llu IOPS)\n",
		d->name, tag ? " " : "", tag ? tag : "", (unsigned long long)(b->seq_bytes >> 10),
		b->seq_req_bytes ? "" : "<= ",
		(b->seq_req_bytes ? b->seq_req_bytes : d->max_sectors * d->sector_size) >> 10,
		(unsigned long long)seq_ms,
		(unsigned long long)((b->seq_bytes >> 10) * 1000000000ull /
				     (b->seq_ns ? b->seq_ns : 1)),
		b->rand_reads, b->depth, (unsigned long long)rand_ms,
		(unsigned long long)((uint64_t)b->rand_reads * 1000000000ull /
				     (b->rand_ns ? b->rand_ns : 1)));
}
