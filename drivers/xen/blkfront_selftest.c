/*
 * Selftests of the Xen block frontend against a real backend.  They need
 * disks that tests/vm/blk-scenarios.sh attaches: xvda and xvdb writable,
 * and a read-only one, where dom0 wrote blkdev_pattern_fill() with
 * BLKFRONT_TEST_DOM0_SEED over the first MiB.  The guest writes its own
 * seed into a region dom0 checks after the guest powered off.  Without
 * vbds (native, dom0, a domU without disks) they skip and say why; the
 * naming test is pure and runs everywhere.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
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
	}
	return selftest_pass(
	    ctx, "dom0's pattern read and ours written on %s (%llu sectors of %u bytes%s)",
	    d ? "xvda and xvdb" : "xvda", (unsigned long long)done->sectors, done->sector_size,
	    done->can_flush ? ", flushed" : "");
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
