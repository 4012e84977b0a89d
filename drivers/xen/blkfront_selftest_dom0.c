/*
 * blkfront selftests that need dom0 to act on a line they print, which
 * tests/vm/blk-scenarios.sh does: grow xvda's image (resize), unbind and
 * bind blkback again under xvda (rebind), attach and detach a disk
 * (hot-plug).  They are named explicitly on the command line, since
 * without that dom0 they would only wait.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include "blkfront.h"
#include "blkfront_selftest.h"

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

/* Waits up to `secs` for dom0 to write `value` into the node `key` of
 * this domain's store directory. */
static bool blkfront_wait_dom0(const char *key, const char *value, unsigned secs)
{
	for (unsigned i = 0; i < secs * 10; i++) {
		int err;
		char *v = xs_read(XBT_NIL, key, &err);
		bool ok = v && !strcmp(v, value);

		kfree(v);
		if (ok)
			return true;
		sleep_ns(100000000);
	}
	return false;
}

/* dom0's pattern reads back from d, then the guest's is written over its
 * region and read back; dom0 checks that image once the domain is gone. */
static enum selftest_result blkfront_both_patterns(struct selftest_ctx *ctx, struct blkdev *d)
{
	enum selftest_result r = blkfront_expect(ctx, d, 0, DOM0_UNITS, BLKFRONT_TEST_DOM0_SEED);

	return r ? r : blkfront_write_region(ctx, d);
}

/*
 * A backend driver reload: dom0 unbinds blkback from xvda and binds it
 * again, then says so in data/blk-rebind once the backend is Connected.
 * Linux 6.1 keeps the backend's xenstore state over the unbind, and the
 * new instance passes through InitWait and maps the same rings, which we
 * keep (as Linux's frontends do, InitWait while connected is not a
 * reset).  xvda must then stay the same device, never reconnected, and
 * carry dom0's pattern and ours through the new backend instance.
 */
#define BLKFRONT_REBIND_KEY "data/blk-rebind"

SELFTEST_EXPLICIT(blkfront_rebind)
{
	enum selftest_result r = blkfront_need_vbds(ctx);
	const char *name = "xvda";
	struct blkdev *d;
	unsigned gen;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(d = blkdev_get(name)))
		return selftest_skip(ctx, "no %s to rebind under", name);
	gen = blkfront_generation(name);
	xs_rm(XBT_NIL, BLKFRONT_REBIND_KEY);
	kprintf("blkfront_rebind: waiting for dom0 to rebind %s's backend\n", name);
	if (!blkfront_wait_dom0(BLKFRONT_REBIND_KEY, "rebound", 120))
		r = selftest_fail(ctx, "dom0 did not report the rebind within 120 s");
	else if (blkdev_find(name) != d || blkfront_generation(name) != gen)
		r = selftest_fail(ctx, "%s was removed or reconnected over the rebind", name);
	else
		r = blkfront_both_patterns(ctx, d);
	blkdev_put(d);
	xs_rm(XBT_NIL, BLKFRONT_REBIND_KEY);
	if (r)
		return r;
	return selftest_pass(ctx,
			     "blkback unbound from %s and bound again: the device stayed, "
			     "dom0's pattern read and ours written through the new instance",
			     name);
}

/* dom0 writes "attached" here once `xl block-attach` succeeded: a first
 * try that libxl's hotplug timeout cut short is undone and retried, and
 * the disk may come and go meanwhile. */
#define BLKFRONT_ATTACHED_KEY "data/blk-hotplug"

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

/* The hot-plugged disk is writable and carries both patterns (dom0's
 * whole 1 MiB read takes indirect requests where offered). */
static enum selftest_result blkfront_check_hot(struct selftest_ctx *ctx, const char *name)
{
	struct blkdev *d = blkdev_get(name);
	enum selftest_result r;

	if (!d)
		return selftest_fail(ctx, "%s vanished while being checked", name);
	if (d->read_only)
		r = selftest_fail(ctx, "%s, attached writable, is read-only", name);
	else
		r = blkfront_both_patterns(ctx, d);
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
	if (!blkfront_wait_dom0(BLKFRONT_ATTACHED_KEY, "attached", 150))
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
	return selftest_pass(ctx,
			     "%s attached writable, read and written, reconnected with the plain "
			     "protocol; detached under %u reads (%u -EIO), grants released",
			     name, reads, failed);
}
