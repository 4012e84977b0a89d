/*
 * netfront's rings and event channels: each queue's transmit and receive
 * rings, the pages granted to the backend for them and for every slot, and
 * the channels that tell us the backend has published responses; then
 * their release.  The data path that runs on them is netfront.c.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/string.h>
#include <drivers/xen/events.h>
#include "netfront.h"

#define PAGE 4096u

static void netfront_tx_interrupt(evtchn_port_t port, void *arg)
{
	struct netfront_queue *q = arg;
	unsigned long flags = spin_lock_irqsave(&q->lock);

	(void)port;
	if (!q->info->broken && q->tx.sring)
		netfront_tx_reclaim(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

static void netfront_rx_interrupt(evtchn_port_t port, void *arg)
{
	struct netfront_queue *q = arg;

	(void)port;
	q->rx_pending = true;
	wq_wake_one(&q->info->rx_wq);
}

/* One channel for both directions. */
static void netfront_interrupt(evtchn_port_t port, void *arg)
{
	netfront_tx_interrupt(port, arg);
	netfront_rx_interrupt(port, arg);
}

static int netfront_queue_setup(struct netfront_queue *q)
{
	struct netfront_info *info = q->info;
	uint16_t be = (uint16_t)info->xdev->otherend_id;
	int rc;

	q->lock = (struct spinlock)SPINLOCK_INIT;
	q->evtchn_tx = q->evtchn_rx = -1;
	q->tx_ring_page = gnttab_alloc_granted_page(be, false, &q->tx_ring_ref, &rc);
	if (!q->tx_ring_page)
		return rc;
	q->rx_ring_page = gnttab_alloc_granted_page(be, false, &q->rx_ring_ref, &rc);
	if (!q->rx_ring_page)
		return rc;
	SHARED_RING_INIT((netif_tx_sring_t *)q->tx_ring_page);
	FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_ring_page, PAGE);
	SHARED_RING_INIT((netif_rx_sring_t *)q->rx_ring_page);
	FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_ring_page, PAGE);
	for (unsigned i = 0; i < NETFRONT_TX_SIZE; i++)
		q->tx_slot[i].next_free = (uint16_t)(i + 1);
	q->tx_free = 0;
	for (unsigned i = 0; i < NETFRONT_RX_SIZE; i++) {
		struct netfront_rx_buf *b = &q->rx_buf[i];

		if (!(b->page = gnttab_alloc_granted_page(be, false, &b->gref, &rc)))
			return rc;
	}
	if (info->split_evtchn) {
		q->evtchn_tx = evtchn_alloc_unbound(be, netfront_tx_interrupt, q, "netfront-tx");
		if (q->evtchn_tx < 0)
			return q->evtchn_tx;
		q->evtchn_rx = evtchn_alloc_unbound(be, netfront_rx_interrupt, q, "netfront-rx");
		if (q->evtchn_rx < 0)
			return q->evtchn_rx;
	} else {
		q->evtchn_tx = evtchn_alloc_unbound(be, netfront_interrupt, q, "netfront");
		if (q->evtchn_tx < 0)
			return q->evtchn_tx;
		q->evtchn_rx = q->evtchn_tx;
	}
	return 0;
}

int netfront_rings_setup(struct netfront_info *info)
{
	int rc;

	for (unsigned i = 0; i < info->nqueues; i++) {
		info->queue[i].info = info;
		info->queue[i].id = i;
		if ((rc = netfront_queue_setup(&info->queue[i]))) {
			netfront_rings_free(info);
			return rc;
		}
	}
	info->rings_ready = true;
	return 0;
}

static void netfront_end_page(grant_ref_t ref, void **page)
{
	if (*page)
		gnttab_end_access_deferred(ref, *page);
	*page = NULL;
}

/* Closes the channels and ends every grant; a page the backend still
 * maps is freed only once it lets go. */
void netfront_rings_free(struct netfront_info *info)
{
	for (unsigned i = 0; i < NETFRONT_MAX_QUEUES; i++) {
		struct netfront_queue *q = &info->queue[i];
		unsigned long flags;

		if (!q->info)
			continue;
		/* A transmitter holds the lock while it uses the ring. */
		flags = spin_lock_irqsave(&q->lock);
		q->tx.sring = NULL;
		spin_unlock_irqrestore(&q->lock, flags);
		if (q->evtchn_rx >= 0 && q->evtchn_rx != q->evtchn_tx)
			evtchn_close((evtchn_port_t)q->evtchn_rx);
		if (q->evtchn_tx >= 0)
			evtchn_close((evtchn_port_t)q->evtchn_tx);
		q->evtchn_tx = q->evtchn_rx = -1;
		netfront_end_page(q->tx_ring_ref, &q->tx_ring_page);
		netfront_end_page(q->rx_ring_ref, &q->rx_ring_page);
		q->rx.sring = NULL;
		for (unsigned j = 0; j < NETFRONT_TX_SIZE; j++) {
			netfront_end_page(q->tx_slot[j].gref, &q->tx_slot[j].page);
			q->tx_busy[j] = false;
		}
		q->tx_in_flight = 0;
		for (unsigned j = 0; j < NETFRONT_RX_SIZE; j++)
			netfront_end_page(q->rx_buf[j].gref, &q->rx_buf[j].page);
	}
	info->rings_ready = false;
}
