/*
 * What blkfront and a backend agree on, each side offering in xenstore
 * (the keys of xen/io/blkif.h): multi-page rings and several queues,
 * offered by the backend before InitWait and answered in our offer;
 * indirect requests and persistent grants, read at Connected.  Every
 * value comes from another domain: a value beyond any real offer is
 * reported and replaced by the plain protocol's (one page, one queue,
 * 11 segments), and our own ceilings cap what is left.  Those
 * decisions are blkif_check.c's, pure code the host tests and fuzzer
 * exercise; this file reads the nodes and says what was refused.
 */
#include <amphi/errno.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <xen/io/protocols.h>
#include "blkfront.h"

struct blkfront_limits blkfront_limits = {.ring_order = BLKFRONT_MAX_RING_ORDER,
					  .queues = BLKFRONT_MAX_QUEUES,
					  .segs = BLKFRONT_MAX_SEGS,
					  .persistent = true};

/* Reads the backend's `node` (0, -ENOENT or why it is no number). */
static int blkfront_read_be(struct blkfront_info *info, const char *node, uint64_t *v)
{
	char path[128];

	*v = 0;
	snprintf(path, sizeof(path), "%s/%s", info->xdev->otherend, node);
	return xs_read_u64(XBT_NIL, path, v);
}

/* Says what blkif_check refused of the backend's `node`. */
static void blkfront_refused(struct blkfront_info *info, const char *node, int rc, uint64_t v,
			     const char *why, unsigned long long used)
{
	if (!why)
		return;
	if (rc)
		pr_err("blkfront: %s: backend's %s cannot be used (%d): using %llu\n",
		       info->xdev->nodename, node, rc, used);
	else
		pr_err("blkfront: %s: backend's %s of %llu is %s: using %llu\n",
		       info->xdev->nodename, node, (unsigned long long)v, why, used);
}

static bool blkfront_read_flag(struct blkfront_info *info, const char *node)
{
	uint64_t v;
	int rc = blkfront_read_be(info, node, &v);
	const char *why;
	bool on = blkif_be_flag(rc, v, &why);

	blkfront_refused(info, node, rc, v, why, on);
	return on;
}

/* The ceilings, never beyond what our arrays hold. */
static unsigned blkfront_max_order(void)
{
	return MIN(blkfront_limits.ring_order, (unsigned)BLKFRONT_MAX_RING_ORDER);
}

static unsigned blkfront_max_queues(void)
{
	return MAX(MIN(blkfront_limits.queues, (unsigned)BLKFRONT_MAX_QUEUES), 1u);
}

static unsigned blkfront_max_segs(void)
{
	return MIN(blkfront_limits.segs, (unsigned)BLKFRONT_MAX_SEGS);
}

/* The ring geometry the backend offers (it writes these before InitWait),
 * capped by ours. */
void blkfront_choose_rings(struct blkfront_info *info)
{
	uint64_t order, queues;
	int rc_order = blkfront_read_be(info, "max-ring-page-order", &order);
	int rc_queues = blkfront_read_be(info, "multi-queue-max-queues", &queues);
	const char *why;

	info->ring_order = blkif_be_ring_order(rc_order, order, blkfront_max_order(), &why);
	blkfront_refused(info, "max-ring-page-order", rc_order, order, why, info->ring_order);
	info->ring_pages = 1u << info->ring_order;
	info->nr_queues = blkif_be_queues(rc_queues, queues, blkfront_max_queues(), &why);
	blkfront_refused(info, "multi-queue-max-queues", rc_queues, queues, why, info->nr_queues);
	info->offer_persistent = blkfront_limits.persistent;
}

/* One queue's ring references and event channel, under `dir`. */
static int blkfront_write_queue(struct blkfront_info *info, xs_transaction_t t, const char *dir,
				struct blkfront_queue *q)
{
	char path[128];
	int rc = 0;

	for (unsigned i = 0; i < info->ring_pages && !rc; i++) {
		if (info->ring_order)
			snprintf(path, sizeof(path), "%s/ring-ref%u", dir, i);
		else
			snprintf(path, sizeof(path), "%s/ring-ref", dir);
		rc = xs_printf(t, path, "%u", q->ring_ref[i]);
	}
	snprintf(path, sizeof(path), "%s/event-channel", dir);
	return rc ? rc : xs_printf(t, path, "%d", q->evtchn);
}

/* Removes what an earlier connection offered, which could otherwise
 * describe rings that no longer exist (a reconnect with fewer queues or
 * pages). */
static int blkfront_rm(xs_transaction_t t, const char *path)
{
	int rc = xs_rm(t, path);

	return rc == -ENOENT ? 0 : rc;
}

static int blkfront_clear_offer(struct blkfront_info *info, xs_transaction_t t)
{
	static const char *const nodes[] = {"ring-page-order", "multi-queue-num-queues", "ring-ref",
					    "event-channel"};
	const char *dir = info->xdev->nodename;
	char path[128];
	int rc = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(nodes) && !rc; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, nodes[i]);
		rc = blkfront_rm(t, path);
	}
	for (unsigned i = 0; i < BLKFRONT_MAX_QUEUES && !rc; i++) {
		snprintf(path, sizeof(path), "%s/queue-%u", dir, i);
		rc = blkfront_rm(t, path);
	}
	for (unsigned i = 0; i < BLKFRONT_MAX_RING_PAGES && !rc; i++) {
		snprintf(path, sizeof(path), "%s/ring-ref%u", dir, i);
		rc = blkfront_rm(t, path);
	}
	return rc;
}

/* Everything we offer, in one transaction: with one queue its keys sit
 * in the device's directory, with several in queue-N below it. */
int blkfront_write_offer(xs_transaction_t t, void *arg)
{
	struct blkfront_info *info = arg;
	const char *dir = info->xdev->nodename;
	char path[128];
	int rc = blkfront_clear_offer(info, t);

	if (!rc && info->ring_order) {
		snprintf(path, sizeof(path), "%s/ring-page-order", dir);
		rc = xs_printf(t, path, "%u", info->ring_order);
	}
	if (!rc && info->nr_queues > 1) {
		snprintf(path, sizeof(path), "%s/multi-queue-num-queues", dir);
		rc = xs_printf(t, path, "%u", info->nr_queues);
	}
	for (unsigned i = 0; i < info->nr_queues && !rc; i++) {
		if (info->nr_queues > 1) {
			snprintf(path, sizeof(path), "%s/queue-%u", dir, i);
			rc = blkfront_write_queue(info, t, path, &info->queue[i]);
		} else {
			rc = blkfront_write_queue(info, t, dir, &info->queue[i]);
		}
	}
	snprintf(path, sizeof(path), "%s/protocol", dir);
	rc = rc ? rc : xs_write(t, path, XEN_IO_PROTO_ABI_NATIVE);
	snprintf(path, sizeof(path), "%s/feature-persistent", dir);
	return rc ? rc : xs_write(t, path, info->offer_persistent ? "1" : "0");
}

/* What the backend offers at Connected: indirect requests, and whether
 * it keeps our grants mapped. */
void blkfront_choose_features(struct blkfront_info *info)
{
	uint64_t segs;
	int rc = blkfront_read_be(info, "feature-max-indirect-segments", &segs);
	const char *why;

	info->max_segs = blkif_be_segments(rc, segs, blkfront_max_segs(), &why);
	blkfront_refused(info, "feature-max-indirect-segments", rc, segs, why, info->max_segs);
	info->indirect = info->max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST;
	/* Only what we offered at InitWait: the backend decided on that. */
	info->persistent = blkfront_read_flag(info, "feature-persistent") && info->offer_persistent;
	info->bdev.max_sectors = info->max_segs * 4096 / info->bdev.sector_size;
	info->bdev.can_flush = blkfront_read_flag(info, "feature-flush-cache");
	info->feature_barrier =
	    blkfront_read_flag(info, "feature-barrier") && !info->bdev.can_flush;
	info->bdev.can_flush |= info->feature_barrier;
	info->bdev.can_discard = blkfront_read_flag(info, "feature-discard");
}
