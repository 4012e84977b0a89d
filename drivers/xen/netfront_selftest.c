/*
 * Selftests of the Xen network frontend.  The MAC parser is pure and runs
 * everywhere; the connection test needs a vif in the domain's config
 * (tests/vm/net-scenarios.sh gives one on dom0's bridge) and skips, saying
 * why, without one.  Moving data is tested from dom0 by that scenario:
 * ping and TCP both ways, checksummed.
 */
#include <amphi/mm.h>
#include <amphi/netdev.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <drivers/xen/netif_check.h>
#include "netfront.h"

SELFTEST(netfront_mac)
{
	static const char *const bad[] = {
	    "",
	    "00:16:3e:01:02",
	    "00:16:3e:01:02:03:",
	    "00-16-3e-01-02-03",
	    "0:16:3e:01:02:03",
	    "00:16:3e:01:02:0g",
	    "01:16:3e:01:02:03",
	    "00:00:00:00:00:00",
	};
	static const uint8_t want[ETH_ALEN] = {0x00, 0x16, 0x3e, 0xab, 0xCD, 0x09};
	uint8_t mac[ETH_ALEN];

	if (netif_parse_mac("00:16:3e:ab:CD:09", mac) || memcmp(mac, want, ETH_ALEN))
		return selftest_fail(ctx, "a good address was not parsed");
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (netif_parse_mac(bad[i], mac) == 0)
			return selftest_fail(ctx, "'%s' was taken as an address", bad[i]);
	return selftest_pass(ctx, "1 address parsed, %u malformed ones refused",
			     (unsigned)(sizeof(bad) / sizeof(bad[0])));
}

/* Every vif becomes a network device with its link up, using what the
 * backend offers: Linux's netback offers all of it, so all of it must be
 * in use. */
SELFTEST(netfront_connect)
{
	unsigned total, connected = 0;
	struct netdev *d;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: no vifs natively");
	if (hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0 has no vif frontends");
	if (!(total = netfront_count(&connected)))
		return selftest_skip(ctx, "this domain has no vif (no vif in its config)");
	for (int i = 0; i < 200 && connected < total; i++) {
		sleep_ns(50000000);
		total = netfront_count(&connected);
	}
	if (connected < total)
		return selftest_fail(ctx, "only %u of %u vifs connected within 10 s", connected,
				     total);
	if (!(d = netdev_find("eth0")))
		return selftest_fail(ctx, "no eth0 although a vif connected");
	for (int i = 0; i < 100 && !d->link_up; i++)
		sleep_ns(50000000);
	if (!d->link_up)
		return selftest_fail(ctx, "eth0's link is down");
	if (d->nqueues != NETFRONT_MAX_QUEUES)
		return selftest_fail(ctx, "eth0 has %u queues, netback offers %u or more",
				     d->nqueues, NETFRONT_MAX_QUEUES);
	if ((d->features & (NETDEV_F_SG | NETDEV_F_TX_CSUM)) != (NETDEV_F_SG | NETDEV_F_TX_CSUM))
		return selftest_fail(ctx, "eth0 lacks scatter-gather or checksum offload");
	if (d->ops != &netfront_netdev_ops || !((struct netfront_info *)d->priv)->split_evtchn)
		return selftest_fail(ctx, "eth0 does not use split event channels");
	return selftest_pass(ctx,
			     "%u vif%s; eth0 %02x:%02x:%02x:%02x:%02x:%02x link up, %u queues, "
			     "split event channels, sg, tx-csum",
			     total, total == 1 ? "" : "s", d->mac[0], d->mac[1], d->mac[2],
			     d->mac[3], d->mac[4], d->mac[5], d->nqueues);
}

/* A queue whose "backend" is this test: rings on plain pages, nothing
 * granted, no event channel, and a device no stack is attached to (its
 * frames are counted as dropped). */
struct hostile {
	struct netfront_info info;
	void *pages[4];
};

static bool hostile_setup(struct hostile *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 4; i++)
		if (!(h->pages[i] = mm_page_alloc()))
			return false;
	strlcpy(h->info.ndev.name, "hostile", sizeof(h->info.ndev.name));
	h->info.nqueues = 1;
	h->info.queue[0].info = &h->info;
	h->info.queue[0].evtchn_tx = h->info.queue[0].evtchn_rx = -1;
	/* Every receive slot's buffer is one of two pages. */
	for (unsigned i = 0; i < NETFRONT_RX_SIZE; i++)
		h->info.queue[0].rx_buf[i].page = h->pages[2 + (i & 1)];
	return true;
}

/* Fresh rings, every receive request posted, nothing sent, nothing
 * counted: each case starts from here. */
static struct netfront_queue *hostile_reset(struct hostile *h)
{
	struct netfront_queue *q = &h->info.queue[0];

	memset(h->pages[0], 0, 4096);
	memset(h->pages[1], 0, 4096);
	SHARED_RING_INIT((netif_tx_sring_t *)h->pages[0]);
	FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)h->pages[0], 4096);
	SHARED_RING_INIT((netif_rx_sring_t *)h->pages[1]);
	FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)h->pages[1], 4096);
	q->rx.req_prod_pvt = NETFRONT_RX_SIZE;
	q->rx.sring->req_prod = NETFRONT_RX_SIZE;
	memset(q->tx_busy, 0, sizeof(q->tx_busy));
	q->tx_in_flight = 0;
	memset(&h->info.ndev.stats, 0, sizeof(h->info.ndev.stats));
	h->info.broken = false;
	h->info.bad_said = 0;
	return q;
}

static void hostile_free(struct hostile *h)
{
	for (int i = 0; i < 4; i++)
		if (h->pages[i])
			mm_page_free(h->pages[i]);
}

/* The backend answers receive slot `idx`. */
static void hostile_rx(struct netfront_queue *q, RING_IDX idx, uint16_t id, uint16_t off,
		       int16_t status, uint16_t flags)
{
	netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, idx);

	r->id = id;
	r->offset = off;
	r->status = status;
	r->flags = flags;
}

/* The same, in its own slot. */
static void hostile_rx_ok(struct netfront_queue *q, RING_IDX idx, uint16_t off, int16_t status,
			  uint16_t flags)
{
	hostile_rx(q, idx, (uint16_t)(idx & (NETFRONT_RX_SIZE - 1)), off, status, flags);
}

/* An extra-info in receive slot `idx`. */
static void hostile_extra(struct netfront_queue *q, RING_IDX idx, uint8_t type, bool more)
{
	struct netif_extra_info *x = (struct netif_extra_info *)RING_GET_RESPONSE(&q->rx, idx);

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
}

static void hostile_publish(struct netfront_queue *q, RING_IDX prod)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->rx.sring->rsp_prod = prod;
	netfront_rx_poll(q);
}

/* The backend answers transmit slot `idx` and publishes it. */
static void hostile_tx(struct netfront_queue *q, RING_IDX idx, uint16_t id, int16_t status)
{
	netif_tx_response_t *t = RING_GET_RESPONSE(&q->tx, idx);

	t->id = id;
	t->status = status;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->tx.sring->rsp_prod = idx + 1;
	netfront_tx_reclaim(q);
}

/* Each case plays the backend on fresh rings: NULL when the driver did
 * what it must, or what it did instead.  The breaches among them add one
 * error report each. */
typedef const char *(*hostile_case)(struct hostile *h, struct netfront_queue *q,
				    struct netdev_stats *st);

/* A good frame, then one running past its page, then a frame whose
 * second slot is still to come: one taken, one dropped, one waited for. */
static const char *hostile_frames(struct hostile *h, struct netfront_queue *q,
				  struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 60, NETRXF_data_validated);
	hostile_rx_ok(q, 1, 4000, 200, 0);
	hostile_rx_ok(q, 2, 0, 4096, NETRXF_more_data);
	hostile_publish(q, 3);
	if (h->info.broken || st->rx_dropped != 1 || st->rx_errors != 1 || q->rx.rsp_cons != 2)
		return "a good, an overlong and a partial frame were not taken, dropped and "
		       "waited for";
	return NULL;
}

/* A frame over three slots whose middle one runs past its page: the
 * whole frame is dropped, all three slots taken, and the next frame read. */
static const char *hostile_bad_middle(struct hostile *h, struct netfront_queue *q,
				      struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 4096, NETRXF_more_data);
	hostile_rx_ok(q, 1, 4000, 200, NETRXF_more_data);
	hostile_rx_ok(q, 2, 0, 100, 0);
	hostile_rx_ok(q, 3, 0, 60, 0);
	hostile_publish(q, 4);
	if (h->info.broken || st->rx_errors != 1 || st->rx_dropped != 1 || q->rx.rsp_cons != 4)
		return "a frame with a bad middle slot was not dropped whole";
	return NULL;
}

/* Extra-info after a frame's first slot is skipped, a chain of two
 * included; one of a type the protocol does not have costs its frame. */
static const char *hostile_extras(struct hostile *h, struct netfront_queue *q,
				  struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 4096, NETRXF_extra_info | NETRXF_more_data);
	hostile_extra(q, 1, XEN_NETIF_EXTRA_TYPE_GSO, true);
	hostile_extra(q, 2, XEN_NETIF_EXTRA_TYPE_HASH, false);
	hostile_rx_ok(q, 3, 0, 100, 0);
	hostile_rx_ok(q, 4, 0, 60, NETRXF_extra_info);
	hostile_extra(q, 5, 9, false);
	hostile_publish(q, 6);
	if (h->info.broken || st->rx_dropped != 1 || st->rx_errors != 1 || q->rx.rsp_cons != 6)
		return "an extra-info chain was not skipped, or a bad type not dropped";
	return NULL;
}

/* Breaches: each stops the device, said. */
static const char *hostile_wrong_slot(struct hostile *h, struct netfront_queue *q,
				      struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 4096, NETRXF_more_data);
	hostile_rx(q, 1, 7, 0, 100, 0);
	hostile_publish(q, 2);
	return h->info.broken ? NULL : "a response in the wrong slot was taken";
}

static const char *hostile_prod_beyond(struct hostile *h, struct netfront_queue *q,
				       struct netdev_stats *st)
{
	hostile_publish(q, NETFRONT_RX_SIZE + 5);
	return h->info.broken ? NULL : "a producer index beyond the posted requests was taken";
}

static const char *hostile_prod_behind(struct hostile *h, struct netfront_queue *q,
				       struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 60, 0);
	hostile_rx_ok(q, 1, 0, 60, 0);
	hostile_publish(q, 2);
	if (h->info.broken || q->rx.rsp_cons != 2)
		return "two good frames were not taken";
	hostile_publish(q, 1);
	return h->info.broken ? NULL : "a producer index gone backwards was taken";
}

/* A chain that fills every posted buffer can never end: waiting for it
 * would leave the device deaf for good. */
static const char *hostile_endless_extras(struct hostile *h, struct netfront_queue *q,
					  struct netdev_stats *st)
{
	hostile_rx_ok(q, 0, 0, 60, NETRXF_extra_info);
	for (RING_IDX i = 1; i < NETFRONT_RX_SIZE; i++)
		hostile_extra(q, i, XEN_NETIF_EXTRA_TYPE_GSO, true);
	hostile_publish(q, NETFRONT_RX_SIZE);
	return h->info.broken ? NULL : "an extra-info chain filling the ring was waited for";
}

/* A status the protocol does not have fails the frame and frees its
 * slot; answering the slot again is a breach. */
static const char *hostile_tx_status(struct hostile *h, struct netfront_queue *q,
				     struct netdev_stats *st)
{
	q->tx.req_prod_pvt = 2;
	q->tx_busy[2] = q->tx_busy[5] = true;
	q->tx_in_flight = 2;
	hostile_tx(q, 0, 2, 77);
	if (h->info.broken || st->tx_errors != 1 || q->tx_busy[2] || q->tx_in_flight != 1)
		return "a tx status the protocol does not have did not fail its frame";
	hostile_tx(q, 1, 2, NETIF_RSP_OKAY);
	return h->info.broken ? NULL : "a second tx response to one slot was taken";
}

static const char *hostile_tx_stray(struct hostile *h, struct netfront_queue *q,
				    struct netdev_stats *st)
{
	q->tx.req_prod_pvt = 1;
	hostile_tx(q, 0, 3, NETIF_RSP_OKAY);
	return h->info.broken ? NULL : "a tx response for a slot not in flight was taken";
}

static const hostile_case hostile_cases[] = {
    hostile_frames,	    hostile_bad_middle,	 hostile_extras,
    hostile_wrong_slot,	    hostile_prod_beyond, hostile_prod_behind,
    hostile_endless_extras, hostile_tx_status,	 hostile_tx_stray,
};
#define HOSTILE_BREACHES 6

/* A backend that breaks the protocol stops the device with a message;
 * one that only sends a bad frame loses that frame.  Nothing crashes,
 * hangs or reads outside a buffer. */
SELFTEST(netfront_hostile)
{
	struct hostile *h = kmalloc(sizeof(*h));
	const char *bad = NULL;
	unsigned long reports;
	unsigned i;

	if (!h)
		return selftest_error(ctx, "out of memory");
	if (!hostile_setup(h)) {
		hostile_free(h);
		kfree(h);
		return selftest_error(ctx, "out of memory");
	}
	reports = printk_error_reports(true);
	printk_expect_errors(true);
	for (i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]) && !bad; i++) {
		struct netfront_queue *q = hostile_reset(h);

		bad = hostile_cases[i](h, q, &h->info.ndev.stats);
	}
	printk_expect_errors(false);
	hostile_free(h);
	kfree(h);
	reports = printk_error_reports(true) - reports;
	if (bad)
		return selftest_fail(ctx, "case %u: %s", i, bad);
	if (reports != HOSTILE_BREACHES)
		return selftest_fail(ctx, "the device reported %lu errors for %u protocol breaches",
				     reports, HOSTILE_BREACHES);
	return selftest_pass(ctx, "a frame past its page, one with a bad middle slot and one with "
				  "an unknown extra-info dropped, extra-info chains skipped; a "
				  "response in the wrong slot, producer indexes beyond and behind, "
				  "an endless extra-info chain and stray or repeated tx responses "
				  "each stop the device, reported");
}
