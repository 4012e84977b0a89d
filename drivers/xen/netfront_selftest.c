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
	    "",		     "00:16:3e:01:02",	  "00:16:3e:01:02:03:", "00-16-3e-01-02-03",
	    "0:16:3e:01:02:03", "00:16:3e:01:02:0g", "01:16:3e:01:02:03", "00:00:00:00:00:00",
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
	return selftest_pass(ctx, "%u vif%s; eth0 %02x:%02x:%02x:%02x:%02x:%02x link up, %u queues, "
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
	struct netfront_queue *q = &h->info.queue[0];

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 4; i++)
		if (!(h->pages[i] = mm_page_alloc()))
			return false;
	strlcpy(h->info.ndev.name, "hostile", sizeof(h->info.ndev.name));
	h->info.nqueues = 1;
	q->info = &h->info;
	q->evtchn_tx = q->evtchn_rx = -1;
	SHARED_RING_INIT((netif_tx_sring_t *)h->pages[0]);
	FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)h->pages[0], 4096);
	SHARED_RING_INIT((netif_rx_sring_t *)h->pages[1]);
	FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)h->pages[1], 4096);
	/* Every receive request posted, each slot's buffer one of two pages. */
	for (unsigned i = 0; i < NETFRONT_RX_SIZE; i++)
		q->rx_buf[i].page = h->pages[2 + (i & 1)];
	q->rx.req_prod_pvt = NETFRONT_RX_SIZE;
	q->rx.sring->req_prod = NETFRONT_RX_SIZE;
	return true;
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

static void hostile_publish(struct netfront_queue *q, RING_IDX prod)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->rx.sring->rsp_prod = prod;
}

/* A backend that breaks the protocol stops the device with a message;
 * one that only sends a bad frame loses that frame.  Nothing crashes,
 * hangs or reads outside a buffer. */
SELFTEST(netfront_hostile)
{
	struct hostile *h = kmalloc(sizeof(*h));
	struct netfront_queue *q;
	struct netdev_stats *st;
	enum selftest_result r = SELFTEST_SUCCESS;

	if (!h)
		return selftest_error(ctx, "out of memory");
	if (!hostile_setup(h)) {
		hostile_free(h);
		kfree(h);
		return selftest_error(ctx, "out of memory");
	}
	q = &h->info.queue[0];
	st = &h->info.ndev.stats;
	unsigned long reports = printk_error_reports(true);
	printk_expect_errors(true);
	/* A good frame, then one running past its page, then a frame whose
	 * second slot is still to come. */
	hostile_rx(q, 0, 0, 0, 60, NETRXF_data_validated);
	hostile_rx(q, 1, 1, 4000, 200, 0);
	hostile_rx(q, 2, 2, 0, 4096, NETRXF_more_data);
	hostile_publish(q, 3);
	netfront_rx_poll(q);
	if (h->info.broken || st->rx_dropped != 1 || st->rx_errors != 1 || q->rx.rsp_cons != 2)
		r = selftest_fail(ctx, "good and overlong frames: broken %d, dropped %llu, errors "
				  "%llu, consumed %u",
				  h->info.broken, (unsigned long long)st->rx_dropped,
				  (unsigned long long)st->rx_errors, q->rx.rsp_cons);
	/* Its second slot comes with a response id from another slot. */
	if (!r) {
		hostile_rx(q, 3, 7, 0, 100, 0);
		hostile_publish(q, 4);
		netfront_rx_poll(q);
		if (!h->info.broken)
			r = selftest_fail(ctx, "a response in the wrong slot was taken");
	}
	/* A producer index ahead of what we posted. */
	if (!r) {
		h->info.broken = false;
		hostile_publish(q, q->rx.rsp_cons + NETFRONT_RX_SIZE + 5);
		netfront_rx_poll(q);
		if (!h->info.broken)
			r = selftest_fail(ctx, "a producer index beyond the posted requests was taken");
	}
	/* A transmit response for a slot that was never sent. */
	if (!r) {
		netif_tx_response_t *t = RING_GET_RESPONSE(&q->tx, 0);

		h->info.broken = false;
		q->tx.req_prod_pvt = 1;
		t->id = 3;
		t->status = NETIF_RSP_OKAY;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		q->tx.sring->rsp_prod = 1;
		netfront_tx_reclaim(q);
		if (!h->info.broken)
			r = selftest_fail(ctx, "a tx response for a slot not in flight was taken");
	}
	printk_expect_errors(false);
	hostile_free(h);
	kfree(h);
	reports = printk_error_reports(true) - reports;
	if (!r && reports != 3)
		r = selftest_fail(ctx, "the device reported %lu errors for 3 protocol breaches",
				  reports);
	if (r)
		return r;
	return selftest_pass(ctx, "a frame past its page dropped; a response in the wrong slot, a "
				  "runaway producer index and a stray tx response each stop the device, reported");
}
