/*
 * Selftests of the Xen block frontend against a real backend.  They need
 * disks that tests/vm/blk-scenarios.sh attaches: xvda and xvdb writable,
 * and a read-only one, where dom0 wrote blkdev_pattern_fill() with
 * BLKFRONT_TEST_DOM0_SEED over the first MiB.  The guest writes its own
 * seed into a region dom0 checks after the guest powered off.  Without
 * vbds (native, dom0, a domU without disks) they skip and say why; the
 * naming test is pure and runs everywhere, and the test of a fresh data
 * page needs only Xen.  What the handshake negotiated
 * must be seen carrying requests, not only announced.  The tests that need
 * dom0 to act on lines they print are in blkfront_selftest_dom0.c.
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
#include "blkfront_selftest.h"
#include "grant_table_selftest.h"

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

/* A data page as blkfront takes one, granted to ourselves instead of a
 * backend: after frames were dirtied, Xen must read it as all zeros.  No
 * disk is needed, so this runs in every Xen domain whose id is known. */
SELFTEST(blkfront_fresh_zero)
{
	uint64_t dirty[GNTTAB_DIRTY_MAX];
	int domid;
	enum selftest_result r = gnttab_need_self_grants(ctx, &domid);

	if (r != SELFTEST_SUCCESS)
		return r;
	unsigned n = gnttab_dirty_frames(dirty, GNTTAB_DIRTY_MAX);
	struct blkfront_gpage *g = blkfront_gpage_new((uint16_t)domid, false);
	if (!g)
		return selftest_error(ctx, "blkfront_gpage_new failed");
	uint64_t pfn = virt_to_pfn(g->page);
	grant_ref_t ref = g->gref;
	r = gnttab_expect_zero(ctx, "blkfront_gpage_new", g->page, ref, domid, dirty, n);
	blkfront_gpage_free(g);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "frame %#lx, filled with %#x and freed, taken as a data page: "
			     "4096 zero bytes through grant %u",
			     pfn, GNTTAB_DIRTY_BYTE, ref);
}

/* SKIP unless this domain has vbds; waits (10 s at most) until the bus's
 * vbds are connected, since their handshake runs in the watch thread. */
enum selftest_result blkfront_need_vbds(struct selftest_ctx *ctx)
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
enum selftest_result blkfront_expect(struct selftest_ctx *ctx, struct blkdev *d, uint64_t unit,
				     uint32_t units, uint32_t seed)
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

enum selftest_result blkfront_write_region(struct selftest_ctx *ctx, struct blkdev *d)
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

char blkfront_use[160];

/* Every negotiated feature must have carried requests: each queue some,
 * the 1 MiB pattern reads indirect ones, persistent grants reused. */
enum selftest_result blkfront_features_used(struct selftest_ctx *ctx, const char *name)
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
	unsigned long reports = printk_error_reports(true);
	d->read_only = false;
	printk_expect_errors(true);
	rc = blkdev_io_sync(d, BLKDEV_WRITE, 0, 1, buf);
	printk_expect_errors(false);
	d->read_only = true;
	if (rc != -EIO)
		return selftest_fail(ctx, "%s: the backend's answer to a write was %d, not -EIO",
				     d->name, rc);
	if (printk_error_reports(true) - reports != 1)
		return selftest_fail(ctx, "%s: the refused write was reported %lu times, not once",
				     d->name, printk_error_reports(true) - reports);
	if ((r = blkfront_expect(ctx, d, 0, 64, BLKFRONT_TEST_DOM0_SEED)))
		return r;
	return selftest_pass(ctx,
			     "%s: read works, writes refused here (-EROFS) and by the "
			     "backend (-EIO)",
			     d->name);
}
