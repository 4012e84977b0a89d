/*
 * Selftests of the Xen block frontend against a real backend.  They need
 * disks that tests/vm/blk-scenarios.sh attaches: xvda and xvdb writable,
 * and a read-only one, where dom0 wrote blkdev_pattern_fill() with
 * BLKFRONT_TEST_DOM0_SEED over the first MiB.  The guest writes its own
 * seed into a region dom0 checks after the guest powered off.  Without
 * vbds (native, dom0, a domU without disks) they skip and say why; the
 * naming test is pure and runs everywhere.  What the handshake negotiated
 * must be seen carrying requests, not only announced.  The explicit
 * resize and hot-plug tests need dom0 to act on lines they print.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include "blkfront.h"

#define BLKFRONT_TEST_DOM0_SEED 0x00d0d0d0u
#define BLKFRONT_TEST_GUEST_SEED 0x0a3f1e5du
#define DOM0_UNITS 2048	 /* dom0's pattern: the first MiB */
#define GUEST_UNIT 4096	 /* the guest's region: 2 MiB in ... */
#define GUEST_UNITS 1024 /* ... 512 KiB long */

SELFTEST(blkfront_names)
{
	static const struct {
		uint32_t vdev;
		const char *name;
	} cases[] = {
	    {51712, "xvda"},
	    {51728, "xvdb"},
	    {51713, "xvda1"},
	    {(202 << 8) | (15 << 4), "xvdp"},
	    {(1u << 28) | (25 << 8), "xvdz"},
	    {(1u << 28) | (26 << 8), "xvdaa"},
	    {(1u << 28) | (27 << 8) | 3, "xvdab3"},
	    {(1u << 28) | (702 << 8), "xvdaaa"},
	    {3 << 8, "xvda"},
	    {22 << 8, "xvdc"},
	    {(8 << 8) | 16, "xvdb"},
	};
	char buf[16];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (blkfront_name(cases[i].vdev, buf, sizeof(buf)))
			return selftest_fail(ctx, "vdev %u not named", cases[i].vdev);
		if (strcmp(buf, cases[i].name))
			return selftest_fail(ctx, "vdev %u named %s, want %s", cases[i].vdev, buf,
					     cases[i].name);
	}
	if (blkfront_name(7 << 8, buf, sizeof(buf)) != -EINVAL)
		return selftest_fail(ctx, "an unknown major was named %s", buf);
	return selftest_pass(ctx, "%u names, extended encoding included",
			     (unsigned)(sizeof(cases) / sizeof(cases[0])));
}

/* SKIP unless this domain has vbds; waits (10 s at most) until the bus's
 * vbds are connected, since their handshake runs in the watch thread. */
static enum selftest_result blkfront_need_vbds(struct selftest_ctx *ctx)
{
	unsigned total, connected = 0;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: no vbds natively");
	if (hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0 has no vbd frontends");
	if (!(total = blkfront_count(&connected)))
		return selftest_skip(ctx, "this domain has no vbd (no disk in its config)");
	for (int i = 0; i < 200 && connected < total; i++) {
		sleep_ns(50000000);
		total = blkfront_count(&connected);
	}
	if (connected < total)
		return selftest_error(ctx, "only %u of %u vbds connected within 10 s", connected,
				      total);
	return SELFTEST_SUCCESS;
}

/* Reads `units` 512-byte units at `unit` and checks them against seed. */
static enum selftest_result blkfront_expect(struct selftest_ctx *ctx, struct blkdev *d,
					    uint64_t unit, uint32_t units, uint32_t seed)
{
	uint32_t per = d->sector_size / 512;
	void *buf = kmalloc((size_t)units * 512);
	int64_t bad;
	int rc;

	if (!buf)
		return selftest_error(ctx, "out of memory");
	rc = blkdev_io_sync(d, BLKDEV_READ, unit / per, units / per, buf);
	bad = rc ? -1 : blkdev_pattern_check(buf, unit, units, seed);
	kfree(buf);
	if (rc)
		return selftest_fail(ctx, "%s: read at unit %llu failed (%d)", d->name,
				     (unsigned long long)unit, rc);
	if (bad >= 0)
		return selftest_fail(ctx, "%s: 512-byte unit %lld does not hold seed %08x", d->name,
				     (long long)bad, seed);
	return SELFTEST_SUCCESS;
}

static enum selftest_result blkfront_write_region(struct selftest_ctx *ctx, struct blkdev *d)
{
	uint32_t per = d->sector_size / 512;
	void *buf = kmalloc((size_t)GUEST_UNITS * 512);
	int rc;

	if (!buf)
		return selftest_error(ctx, "out of memory");
	blkdev_pattern_fill(buf, GUEST_UNIT, GUEST_UNITS, BLKFRONT_TEST_GUEST_SEED);
	rc = blkdev_io_sync(d, BLKDEV_WRITE, GUEST_UNIT / per, GUEST_UNITS / per, buf);
	kfree(buf);
	if (rc)
		return selftest_fail(ctx, "%s: write failed (%d)", d->name, rc);
	if (d->can_flush && (rc = blkdev_io_sync(d, BLKDEV_FLUSH, 0, 0, NULL)))
		return selftest_fail(ctx, "%s: flush failed (%d)", d->name, rc);
	return blkfront_expect(ctx, d, GUEST_UNIT, GUEST_UNITS, BLKFRONT_TEST_GUEST_SEED);
}

static char blkfront_use[160];

/* Every negotiated feature must have carried requests: each queue some,
 * the 1 MiB pattern reads indirect ones, persistent grants reused. */
static enum selftest_result blkfront_features_used(struct selftest_ctx *ctx, const char *name)
{
	struct blkfront_stats st;
	char *buf = blkfront_use;
	size_t len = sizeof(blkfront_use), n;

	if (blkfront_get_stats(name, &st))
		return selftest_fail(ctx, "%s: no statistics: not connected?", name);
	snprintf(buf, len, "requests per queue");
	for (unsigned i = 0; i < st.nr_queues; i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " %llu", (unsigned long long)st.requests[i]);
		if (!st.requests[i])
			return selftest_fail(ctx, "%s: queue %u of %u carried no request", name, i,
					     st.nr_queues);
	}
	n = strlen(buf);
	snprintf(buf + n, len - n, ", %llu indirect, %llu grants reused",
		 (unsigned long long)st.indirect_requests, (unsigned long long)st.grants_reused);
	if (st.indirect && !st.indirect_requests)
		return selftest_fail(ctx, "%s: indirect requests negotiated, none sent", name);
	if (st.persistent && !st.grants_reused)
		return selftest_fail(ctx, "%s: persistent grants negotiated, none reused", name);
	return SELFTEST_SUCCESS;
}

SELFTEST(blkfront_rw)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	struct blkdev *d = NULL, *done = NULL;
	const char *names[] = {"xvda", "xvdb"};
	char one[4096];
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	for (unsigned i = 0; i < 2; i++) {
		if (!(d = blkdev_find(names[i]))) {
			if (i)
				break; /* xvdb is optional */
			return selftest_skip(ctx, "no xvda: the scenario attaches one");
		}
		done = d;
		if (d->read_only || d->sectors * d->sector_size < 4u << 20)
			return selftest_skip(ctx, "%s is read-only or under 4 MiB", d->name);
		if ((r = blkfront_expect(ctx, d, 0, DOM0_UNITS, BLKFRONT_TEST_DOM0_SEED)))
			return r;
		if ((r = blkfront_write_region(ctx, d)))
			return r;
		if ((rc = blkdev_io_sync(d, BLKDEV_READ, d->sectors - 1, 1, one)))
			return selftest_fail(ctx, "%s: reading the last sector failed (%d)",
					     d->name, rc);
		if ((rc = blkdev_io_sync(d, BLKDEV_READ, d->sectors, 1, one)) != -ERANGE)
			return selftest_fail(ctx, "%s: a read past the end gave %d", d->name, rc);
		/* 64 KiB at 8 MiB, a region dom0 does not check: the backend
		 * must take the discard (what it then reads is its choice). */
		if (d->can_discard &&
		    (rc = blkdev_io_sync(d, BLKDEV_DISCARD, (8u << 20) / d->sector_size,
					 (64u << 10) / d->sector_size, NULL)))
			return selftest_fail(ctx, "%s: discard failed (%d)", d->name, rc);
	}
	if ((r = blkfront_features_used(ctx, done->name)))
		return r;
	return selftest_pass(ctx, "dom0's pattern read, ours written%s%s on %s; %s",
			     done->can_flush ? " and flushed" : "",
			     done->can_discard ? ", 64 KiB discarded" : "",
			     d ? "xvda and xvdb" : "xvda", blkfront_use);
}

static struct blkdev *blkfront_find_ro(void)
{
	for (struct blkdev *d = blkdev_list(); d; d = d->next)
		if (d->read_only && !strncmp(d->name, "xvd", 3))
			return d;
	return NULL;
}

SELFTEST(blkfront_ro)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	struct blkdev *d;
	char buf[4096];
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(d = blkfront_find_ro()))
		return selftest_skip(ctx, "no read-only vbd attached");
	if ((r = blkfront_expect(ctx, d, 0, 64, BLKFRONT_TEST_DOM0_SEED)))
		return r;
	memset(buf, 0x5a, sizeof(buf));
	if ((rc = blkdev_io_sync(d, BLKDEV_WRITE, 0, 1, buf)) != -EROFS)
		return selftest_fail(ctx, "%s: a write was not refused (%d)", d->name, rc);
	/* Let one through to see the backend's refusal come back as -EIO. */
	d->read_only = false;
	rc = blkdev_io_sync(d, BLKDEV_WRITE, 0, 1, buf);
	d->read_only = true;
	if (rc != -EIO)
		return selftest_fail(ctx, "%s: the backend's answer to a write was %d, not -EIO",
				     d->name, rc);
	if ((r = blkfront_expect(ctx, d, 0, 64, BLKFRONT_TEST_DOM0_SEED)))
		return r;
	return selftest_pass(ctx,
			     "%s: read works, writes refused here (-EROFS) and by the "
			     "backend (-EIO)",
			     d->name);
}

/* Online resize: named explicitly, since it needs dom0 to grow xvda's
 * image when it sees the line below (tests/vm/blk-scenarios.sh does).
 * Linux's blkback notices a new size only when it handles a request, so
 * the test keeps reading while it waits. */
SELFTEST_EXPLICIT(blkfront_resize)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	struct blkdev *d;
	uint64_t old;
	char buf[4096];
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(d = blkdev_find("xvda")))
		return selftest_skip(ctx, "no xvda to resize");
	old = d->sectors;
	kprintf("blkfront_resize: waiting for dom0 to grow %s beyond %llu sectors\n", d->name,
		(unsigned long long)old);
	for (int i = 0; i < 120 && READ_ONCE(d->sectors) == old; i++) {
		sleep_ns(500000000);
		if ((rc = blkdev_io_sync(d, BLKDEV_READ, 0, 1, buf)))
			return selftest_fail(ctx, "%s: read while waiting failed (%d)", d->name,
					     rc);
	}
	if (d->sectors == old)
		return selftest_fail(ctx, "%s did not grow within 60 s", d->name);
	if ((rc = blkdev_io_sync(d, BLKDEV_READ, d->sectors - 1, 1, buf)))
		return selftest_fail(ctx, "%s: reading the new last sector failed (%d)", d->name,
				     rc);
	return selftest_pass(ctx, "%s grew online from %llu to %llu sectors", d->name,
			     (unsigned long long)old, (unsigned long long)d->sectors);
}

/* dom0 writes this once `xl block-attach` succeeded: a first try that
 * libxl's hotplug timeout cut short is undone and retried, and the disk
 * may come and go meanwhile. */
#define BLKFRONT_ATTACHED_KEY "data/blk-hotplug"

static bool blkfront_wait_attached(unsigned secs)
{
	for (unsigned i = 0; i < secs * 10; i++) {
		int err;
		char *v = xs_read(XBT_NIL, BLKFRONT_ATTACHED_KEY, &err);
		bool ok = v && !strcmp(v, "attached");

		kfree(v);
		if (ok)
			return true;
		sleep_ns(100000000);
	}
	return false;
}

/* Waits up to `secs` for `name` to be registered (want) or gone. */
static bool blkfront_wait_disk(const char *name, bool want, unsigned secs)
{
	for (unsigned i = 0; i < secs * 10; i++) {
		if ((blkdev_find(name) != NULL) == want)
			return true;
		sleep_ns(100000000);
	}
	return false;
}

/* The hot-plugged disk is writable: dom0's whole pattern reads back
 * (indirect requests where offered), and so does the guest's, written
 * over its region; dom0 checks that image once the domain is gone. */
static enum selftest_result blkfront_check_hot(struct selftest_ctx *ctx, const char *name)
{
	struct blkdev *d = blkdev_get(name);
	enum selftest_result r;

	if (!d)
		return selftest_fail(ctx, "%s vanished while being checked", name);
	if (d->read_only)
		r = selftest_fail(ctx, "%s, attached writable, is read-only", name);
	else if (!(r = blkfront_expect(ctx, d, 0, DOM0_UNITS, BLKFRONT_TEST_DOM0_SEED)))
		r = blkfront_write_region(ctx, d);
	blkdev_put(d);
	return r;
}

/* Keeps reading `name` through a held reference while dom0 detaches it:
 * each read must bring the pattern or fail with -EIO (none may hang),
 * and once the disk is gone a read fails at once. */
static enum selftest_result blkfront_read_through_detach(struct selftest_ctx *ctx, const char *name,
							 unsigned *reads, unsigned *failed)
{
	struct blkdev *d = blkdev_get(name);
	enum selftest_result r = SELFTEST_SUCCESS;
	void *buf = kmalloc(64 * 512);
	int rc;

	*reads = *failed = 0;
	if (!d || !buf) {
		kfree(buf);
		if (d)
			blkdev_put(d);
		return selftest_error(ctx, "%s: %s", name, d ? "out of memory" : "gone early");
	}
	/* Back to back, so the close is likely to find a read in flight. */
	for (uint64_t end = time_now_ns() + 90000000000ull;
	     time_now_ns() < end && blkdev_find(name) && !r;) {
		rc = blkdev_io_sync(d, BLKDEV_READ, 0, 64, buf);
		++*reads;
		if (rc == -EIO)
			++*failed;
		else if (rc)
			r = selftest_fail(ctx, "%s: a read during the detach gave %d", name, rc);
		else if (blkdev_pattern_check(buf, 0, 64, BLKFRONT_TEST_DOM0_SEED) >= 0)
			r = selftest_fail(ctx, "%s: a read during the detach brought bad data",
					  name);
	}
	if (!r && blkdev_find(name))
		r = selftest_fail(ctx, "%s was not removed within 90 s", name);
	if (!r && (rc = blkdev_io_sync(d, BLKDEV_READ, 0, 64, buf)) != -EIO)
		r = selftest_fail(ctx, "%s: a read after removal gave %d, not -EIO", name, rc);
	kfree(buf);
	blkdev_put(d);
	return r;
}

/* Logs one bench of `name` under `tag`, so runs can be compared: the
 * same sectors are read each time. */
static enum selftest_result blkfront_bench(struct selftest_ctx *ctx, const char *name)
{
	struct blkdev_bench b = {.rand_reads = 256, .depth = 16};
	struct blkdev *d = blkdev_get(name);
	struct blkfront_stats st;
	char tag[80];
	int rc;

	if (blkfront_get_stats(name, &st) == 0)
		snprintf(tag, sizeof(tag), "(%u queue%s, %u ring page%s, %u segments, %s)",
			 st.nr_queues, st.nr_queues == 1 ? "" : "s", st.ring_pages,
			 st.ring_pages == 1 ? "" : "s", st.max_segs,
			 st.persistent ? "persistent" : "per-request grants");
	else
		snprintf(tag, sizeof(tag), "(not connected)");
	if (!d)
		return selftest_fail(ctx, "%s vanished before its bench", name);
	if (!(rc = blkdev_bench(d, 4u << 20, &b)))
		blkdev_bench_print(d, tag, &b);
	blkdev_put(d);
	if (rc)
		return selftest_fail(ctx, "%s: bench failed (%d)", name, rc);
	return SELFTEST_SUCCESS;
}

/* Closes `name` from our side and waits for it to connect again. */
static enum selftest_result blkfront_reconnect(struct selftest_ctx *ctx, const char *name)
{
	unsigned gen = blkfront_generation(name);
	int rc;

	if ((rc = blkfront_restart(name)))
		return selftest_fail(ctx, "%s: cannot start a reconnect (%d)", name, rc);
	for (int i = 0; i < 300 && blkfront_generation(name) == gen; i++)
		sleep_ns(100000000);
	if (blkfront_generation(name) == gen || !blkdev_find(name))
		return selftest_fail(ctx, "%s did not connect again within 30 s", name);
	return SELFTEST_SUCCESS;
}

/* Reconnects `name` offering only the plain protocol (one page, one
 * queue, 11 segments, grants per request) and reads it that way. */
static enum selftest_result blkfront_plain(struct selftest_ctx *ctx, const char *name)
{
	struct blkfront_limits saved = blkfront_limits;
	struct blkfront_stats st;
	enum selftest_result r;

	blkfront_limits = (struct blkfront_limits){.ring_order = 0, .queues = 1, .segs = 11};
	r = blkfront_reconnect(ctx, name);
	blkfront_limits = saved;
	if (r || (r = blkfront_check_hot(ctx, name)) || (r = blkfront_bench(ctx, name)))
		return r;
	if (blkfront_get_stats(name, &st))
		return selftest_fail(ctx, "%s: no statistics after the reconnect", name);
	if (st.nr_queues != 1 || st.ring_pages != 1 || st.indirect || st.persistent ||
	    st.max_segs != BLKIF_MAX_SEGMENTS_PER_REQUEST || !st.requests[0] ||
	    st.indirect_requests || st.grants_reused)
		return selftest_fail(ctx,
				     "%s: plain reconnect has %u queues, %u pages, %u segments, "
				     "indirect %d (%llu), persistent %d (%llu reused)",
				     name, st.nr_queues, st.ring_pages, st.max_segs, st.indirect,
				     (unsigned long long)st.indirect_requests, st.persistent,
				     (unsigned long long)st.grants_reused);
	return SELFTEST_SUCCESS;
}

/* Hot-plug: named explicitly, since dom0 must act on the lines below
 * (tests/vm/blk-scenarios.sh does): it attaches a writable xvdd to the
 * running guest, which reads dom0's pattern and writes and reads its own
 * with every feature the backend offers,
 * closes and reconnects it from its side (the backend goes back to
 * InitWait, as after a toolstack reset) offering only the plain protocol
 * and reads it again, then dom0 detaches it and the guest sees it go
 * with its grants released. */
SELFTEST_EXPLICIT(blkfront_hotplug)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	const char *name = "xvdd";
	unsigned total, connected, deferred, reads, failed;

	if (r != SELFTEST_SUCCESS)
		return r;
	total = blkfront_count(&connected);
	if (blkdev_find(name))
		return selftest_skip(ctx, "%s is there already: not a hot-plug", name);
	xs_rm(XBT_NIL, BLKFRONT_ATTACHED_KEY);
	kprintf("blkfront_hotplug: waiting for dom0 to attach %s\n", name);
	if (!blkfront_wait_attached(150))
		return selftest_fail(ctx, "dom0 did not report the attach within 150 s");
	if (!blkfront_wait_disk(name, true, 30))
		return selftest_fail(ctx, "%s did not appear within 30 s of the attach", name);
	if ((r = blkfront_check_hot(ctx, name)) || (r = blkfront_features_used(ctx, name)))
		return r;
	kprintf("blkfront_hotplug: %s read, %s\n", name, blkfront_use);
	if ((r = blkfront_bench(ctx, name)))
		return r;
	if ((r = blkfront_plain(ctx, name)))
		return r;
	deferred = gnttab_deferred_count();
	kprintf("blkfront_hotplug: %s reconnected, waiting for dom0 to detach it\n", name);
	if ((r = blkfront_read_through_detach(ctx, name, &reads, &failed)))
		return r;
	/* The toolstack removes our directory only after its hotplug script
	 * ran, seconds after the backend closed. */
	for (int i = 0; i < 600 && blkfront_count(&connected) > total; i++)
		sleep_ns(100000000);
	if (blkfront_count(&connected) != total)
		return selftest_fail(ctx, "the bus still has %u vbds 60 s after the detach, not %u",
				     blkfront_count(&connected), total);
	/* Grants the backend held at close are released once it lets go. */
	for (int i = 0; i < 100 && gnttab_deferred_count() > deferred; i++)
		sleep_ns(100000000);
	if (gnttab_deferred_count() > deferred)
		return selftest_fail(ctx, "%u grants still deferred 10 s after the detach",
				     gnttab_deferred_count() - deferred);
	xs_rm(XBT_NIL, BLKFRONT_ATTACHED_KEY);
	return selftest_pass(
	    ctx,
	    "%s attached writable, read and written, reconnected with the plain "
	    "protocol; detached under %u reads (%u -EIO), grants released",
	    name, reads, failed);
}
