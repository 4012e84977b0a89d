/*
 * Selftests of blkfront's negotiation (blkfront_feat.c) against offers
 * no real backend would make: a directory of our own in xenstore stands
 * in for the backend's, so nonsense can be written there at will.
 */
#include <amphi/errno.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include "blkfront.h"

/* A backend's offers, as blkfront_feat.c reads them, from a directory of
 * our own standing in for the backend's: nonsense falls back to the plain
 * protocol, real offers are capped by our limits. */
#define BLKFRONT_FAKE_BE "data/amphi-blkfront"

struct blkfront_offer {
	const char *order, *queues, *segs, *persistent;
	unsigned want_pages, want_queues, want_segs;
	bool want_persistent;
};

static int blkfront_write_fake(const char *node, const char *value)
{
	char path[96];

	snprintf(path, sizeof(path), BLKFRONT_FAKE_BE "/%s", node);
	return value ? xs_write(XBT_NIL, path, value) : 0;
}

static enum selftest_result blkfront_try_offer(struct selftest_ctx *ctx,
					       const struct blkfront_offer *o)
{
	static struct xenbus_device xdev = {.nodename = "device/vbd/selftest",
					    .otherend = BLKFRONT_FAKE_BE};
	static struct blkfront_info info;
	int rc;

	xs_rm(XBT_NIL, BLKFRONT_FAKE_BE);
	if ((rc = blkfront_write_fake("max-ring-page-order", o->order)) ||
	    (rc = blkfront_write_fake("multi-queue-max-queues", o->queues)) ||
	    (rc = blkfront_write_fake("feature-max-indirect-segments", o->segs)) ||
	    (rc = blkfront_write_fake("feature-persistent", o->persistent)))
		return selftest_error(ctx, "cannot write " BLKFRONT_FAKE_BE " (%d)", rc);
	memset(&info, 0, sizeof(info));
	info.xdev = &xdev;
	info.bdev.sector_size = 512;
	blkfront_choose_rings(&info);
	blkfront_choose_features(&info);
	if (info.ring_pages != o->want_pages || info.nr_queues != o->want_queues ||
	    info.max_segs != o->want_segs || info.persistent != o->want_persistent ||
	    info.bdev.max_sectors != o->want_segs * 8)
		return selftest_fail(ctx,
				     "offer %s/%s/%s/%s gave %u pages, %u queues, %u segments "
				     "(%u sectors), persistent %d",
				     o->order ? o->order : "-", o->queues ? o->queues : "-",
				     o->segs ? o->segs : "-", o->persistent ? o->persistent : "-",
				     info.ring_pages, info.nr_queues, info.max_segs,
				     info.bdev.max_sectors, info.persistent);
	return SELFTEST_SUCCESS;
}

SELFTEST(blkfront_offers)
{
	static const struct blkfront_offer offers[] = {
	    {NULL, NULL, NULL, NULL, 1, 1, 11, false},	     /* nothing offered */
	    {"2", "2", "32", "1", 4, 2, 32, true},	     /* what we take */
	    {"4", "16", "256", "1", 4, 2, 32, true},	     /* Linux's: capped */
	    {"1", "1", "8", "0", 2, 1, 11, false},	     /* too few to use */
	    {"99", "0", "1000000", "2", 1, 1, 11, false},    /* nonsense */
	    {"-1", "x", "12abc", "banana", 1, 1, 11, false}, /* not numbers */
	    {"18446744073709551615", "4294967297", "4097", NULL, 1, 1, 11, false},
	};
	enum selftest_result r = SELFTEST_SUCCESS;
	unsigned long reports = printk_error_reports(true);

	if (!hypervisor.is_xen || hypervisor.xen_dom0 || !xs_available())
		return selftest_skip(ctx, "needs a domU's xenstore");
	printk_expect_errors(true);
	for (unsigned i = 0; i < sizeof(offers) / sizeof(offers[0]) && !r; i++)
		r = blkfront_try_offer(ctx, &offers[i]);
	printk_expect_errors(false);
	xs_rm(XBT_NIL, BLKFRONT_FAKE_BE);
	reports = printk_error_reports(true) - reports;
	/* Four values refused in each of the two nonsense offers, three in
	 * the last. */
	if (!r && reports != 11)
		r = selftest_fail(ctx, "11 values refused, %lu error reports", reports);
	if (r)
		return r;
	return selftest_pass(ctx,
			     "%u offers: nonsense falls back to one page, one queue, 11 "
			     "segments; real ones capped at 4 pages, 2 queues, 32 segments",
			     (unsigned)(sizeof(offers) / sizeof(offers[0])));
}
