/*
 * blkfront driven from every CPU at once, on the blk scenarios' xvda:
 * two threads per CPU, each with its own range of 4 MiB .. 8 MiB (which
 * dom0 neither writes nor checks), write a pattern that names the thread,
 * the round and every 512-byte unit's place, in requests of several
 * sizes (one page, direct, indirect), then read it back eight requests
 * at a time and check it, round after round.  The queues' interrupts are
 * spread over the CPUs: each queue's must have run on its CPU only.  A
 * request lost, completed twice, answered with another's data or written
 * to another's place fails the test.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include "blkfront.h"
#include "blkfront_selftest.h"

#define BS_PER_CPU 2
#define BS_ROUNDS 6
#define BS_FIRST_UNIT 8192u	       /* 4 MiB */
#define BS_UNITS 8192u		       /* 4 MiB shared out */
#define BS_MAX_SPAN (256u * 1024)      /* bytes per thread at most */
#define BS_READS 8		       /* reads in flight per thread */
#define BS_WAIT_NS (30 * NSEC_PER_SEC) /* as blkdev_io_sync */
#define BS_TIMEOUT_NS (120 * NSEC_PER_SEC)

struct bs_worker {
	struct blkdev *d;
	uint64_t unit;	/* its first 512-byte unit */
	uint32_t units; /* its length */
	char *buf;
	/* The reads in flight, under lock. */
	struct spinlock lock;
	struct wait_queue wq;
	struct blkdev_request rq[BS_READS];
	unsigned int done;
	int status;
	/* What went wrong, the first time. */
	int rc;
	int64_t bad_unit;
	unsigned int rounds;
};

static struct bs_worker bs[BS_PER_CPU * NR_CPUS];

static uint32_t bs_seed(unsigned int idx, unsigned int round)
{
	return 0x5a000000u | (idx << 8) | round;
}

/* Writes the range in requests of one page, 48 KiB (12 pages: indirect
 * where offered) and the rest, in turn. */
static int bs_write(struct bs_worker *w)
{
	static const uint32_t sizes[] = {8, 96, 256}; /* 512-byte units */
	uint32_t per = w->d->sector_size / 512, off = 0;
	int rc = 0;

	for (unsigned int k = 0; off < w->units && !rc; k++) {
		uint32_t n = MIN(sizes[k % ARRAY_SIZE(sizes)], w->units - off);

		rc = blkdev_io_sync(w->d, BLKDEV_WRITE, (w->unit + off) / per, n / per,
				    w->buf + 512 * (size_t)off);
		off += n;
	}
	return rc;
}

static void bs_read_done(struct blkdev_request *rq)
{
	struct bs_worker *w = rq->priv;
	unsigned long flags = spin_lock_irqsave(&w->lock);

	if (rq->status && !w->status)
		w->status = rq->status;
	WRITE_ONCE(w->done, w->done + 1);
	wq_wake_all(&w->wq);
	spin_unlock_irqrestore(&w->lock, flags);
}

/* Reads the range back as BS_READS requests in flight together. */
static int bs_read(struct bs_worker *w)
{
	uint32_t per = w->d->sector_size / 512, chunk = w->units / BS_READS;
	unsigned int submitted = 0;
	int rc = 0;

	w->done = 0;
	w->status = 0;
	for (unsigned int i = 0; i < BS_READS; i++) {
		w->rq[i] = (struct blkdev_request){.op = BLKDEV_READ,
						   .sector = (w->unit + i * chunk) / per,
						   .count = chunk / per,
						   .buf = w->buf + 512 * (size_t)(i * chunk),
						   .done = bs_read_done,
						   .priv = w};
		if ((rc = blkdev_submit(w->d, &w->rq[i])))
			break; /* a refused request never completes */
		submitted++;
	}
	if (!wait_event_deadline(&w->wq, READ_ONCE(w->done) == submitted,
				 sched_clock() + BS_WAIT_NS))
		return -ETIMEDOUT; /* the requests still use w: the test fails */
	unsigned long flags = spin_lock_irqsave(&w->lock); /* the last wake is done */
	spin_unlock_irqrestore(&w->lock, flags);
	return rc ? rc : w->status;
}

static void bs_thread(unsigned int idx, void *arg)
{
	struct bs_worker *w = &bs[idx];

	(void)arg;
	for (unsigned int r = 0; r < BS_ROUNDS && !w->rc && w->bad_unit < 0; r++) {
		blkdev_pattern_fill(w->buf, w->unit, w->units, bs_seed(idx, r));
		if ((w->rc = bs_write(w)))
			break;
		memset(w->buf, 0, 512 * (size_t)w->units);
		if ((w->rc = bs_read(w)))
			break;
		w->bad_unit = blkdev_pattern_check(w->buf, w->unit, w->units, bs_seed(idx, r));
		w->rounds++;
	}
}

/* The k-th online CPU. */
static unsigned int bs_online_cpu(unsigned int k)
{
	for (unsigned int c = 0; c < nr_cpus_present; c++)
		if (cpus[c].online && k-- == 0)
			return c;
	return 0;
}

/* Each queue's interrupts ran on its own CPU only, and the queues are on
 * the (i mod online)-th online CPUs. */
static enum selftest_result bs_check_queues(struct selftest_ctx *ctx, const char *name, char *out,
					    size_t len)
{
	struct blkfront_stats st;
	size_t n = 0;

	if (blkfront_get_stats(name, &st))
		return selftest_fail(ctx, "%s: no statistics: not connected?", name);
	for (unsigned int i = 0; i < st.nr_queues; i++) {
		unsigned int want = bs_online_cpu(i % nr_cpus_online());

		if (st.cpu[i] != want || st.irq_cpus[i] != cpumask_of(want))
			return selftest_fail(ctx,
					     "%s: queue %u bound to CPU %u (want %u), its "
					     "interrupts ran on CPUs %#lx",
					     name, i, st.cpu[i], want, st.irq_cpus[i]);
		n += (size_t)snprintf(out + n, len - n, "%squeue %u on CPU %u", i ? ", " : "", i,
				      want);
	}
	return SELFTEST_SUCCESS;
}

static void bs_setup(struct blkdev *d, unsigned int nthreads)
{
	uint32_t units = MIN(BS_UNITS / nthreads, BS_MAX_SPAN / 512);

	units -= units % (8 * BS_READS); /* whole pages in each read */
	for (unsigned int i = 0; i < ARRAY_SIZE(bs); i++) {
		bs[i] = (struct bs_worker){.d = d,
					   .unit = BS_FIRST_UNIT + (uint64_t)i * units,
					   .units = units,
					   .lock = SPINLOCK_INIT,
					   .wq = WAIT_QUEUE_INIT,
					   .bad_unit = -1};
		if (i < nthreads)
			bs[i].buf = kmalloc(512 * (size_t)units);
	}
}

static enum selftest_result bs_verdict(struct selftest_ctx *ctx, struct blkdev *d, int n)
{
	char queues[96];
	enum selftest_result r;

	for (int i = 0; i < n; i++) {
		if (bs[i].rc)
			return selftest_fail(ctx, "%s: thread %d, round %u: I/O failed (%d)",
					     d->name, i, bs[i].rounds, bs[i].rc);
		if (bs[i].bad_unit >= 0)
			return selftest_fail(ctx,
					     "%s: thread %d, round %u: unit %lld does not hold "
					     "its pattern",
					     d->name, i, bs[i].rounds, (long long)bs[i].bad_unit);
	}
	if ((r = bs_check_queues(ctx, d->name, queues, sizeof(queues))))
		return r;
	return selftest_pass(ctx,
			     "%s: %d threads on %u CPUs, %u rounds each of %u KiB "
			     "written and read back intact; %s",
			     d->name, n, nr_cpus_online(), BS_ROUNDS, bs[0].units / 2, queues);
}

SELFTEST(blkfront_smp)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	unsigned int want = BS_PER_CPU * nr_cpus_online();
	struct blkdev *d;
	int n;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(d = blkdev_get("xvda")))
		return selftest_skip(ctx, "no xvda: the blk scenarios attach one");
	if (d->read_only || d->sectors * d->sector_size < (8u << 20)) {
		blkdev_put(d);
		return selftest_skip(ctx, "xvda is read-only or under 8 MiB");
	}
	bs_setup(d, want);
	for (unsigned int i = 0; i < want && r == SELFTEST_SUCCESS; i++)
		if (!bs[i].buf)
			r = selftest_error(ctx, "out of memory");
	n = r ? 0 : selftest_on_every_cpu("blk-smp", bs_thread, NULL, BS_PER_CPU, BS_TIMEOUT_NS);
	if (n == -2) /* the threads may still use their buffers and d */
		return selftest_fail(ctx, "the threads did not finish within 120 s");
	if (!r)
		r = n == (int)want ? bs_verdict(ctx, d, n)
				   : selftest_error(ctx, "%d of %u threads started", n, want);
	for (unsigned int i = 0; i < want; i++)
		kfree(bs[i].buf);
	blkdev_put(d);
	return r;
}
