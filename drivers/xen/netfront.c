/*
 * The Xen network frontend's data path.  Each queue is a transmit and a
 * receive ring shared with the backend (Linux's netback), each with an
 * event channel, or one channel for both when the backend cannot split
 * them.  Receive is rx-copy: we post granted pages and the backend copies
 * frames into them, one page a slot, a frame over several slots when it
 * is longer than a page.  Transmit copies a frame into slot pages that
 * stay granted read-only to the backend, one page a slot, several slots a
 * frame when the backend takes scatter-gather.
 *
 * The backend is not trusted: every decision on what it publishes is
 * netif_check.c's, pure code the host tests and a fuzzer exercise.  A
 * response must name a slot we filled, stay inside its page and arrive
 * where the protocol puts it, and the indexes it publishes must make
 * sense; otherwise the device is marked broken and stops, with a message
 * naming the value, rather than corrupting memory or hanging.  A frame
 * that is only unusable (an error status, a fragment past its page, an
 * extra-info of no known type) is dropped, counted and reported, the
 * first few times.  Received frames reach the stack from a kernel thread,
 * never from the interrupt.
 *
 * On several CPUs: a queue's transmit ring and slots are under its
 * spinlock, taken with interrupts off, since its event handler reclaims
 * slots on the vCPU its channel is bound to while a thread on another CPU
 * transmits.  The receive rings belong to the receive thread alone (it
 * may run on any CPU); the handler only sets a flag and wakes it.  The
 * counters are bumped with netdev_count.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <drivers/xen/events.h>
#include <drivers/xen/netif_check.h>
#include "netfront.h"

#define PAGE 4096u
#define TX_WAIT_NS 1000000ull /* between looks for a free transmit slot */
#define TX_WAIT_TRIES 200     /* so a frame waits at most about 200 ms */
/* Bad frames and statuses said one by one; after these, only counted. */
#define NETFRONT_BAD_SAY 8

_Static_assert(NETIF_RX_MAX_FRAGS <= NETDEV_MAX_FRAGS, "a checked frame fits a netdev frame");
_Static_assert(sizeof(netif_tx_response_t) == 4, "a tx response is read as one 4-byte word");

static void netfront_break(struct netfront_queue *q, const char *fmt, ...) __printf(2, 3);
static void netfront_break(struct netfront_queue *q, const char *fmt, ...)
{
	struct netfront_info *info = q->info;
	char msg[160];
	va_list ap;

	/* Said once, though a handler and the receive thread may both see it. */
	if (__atomic_exchange_n(&info->broken, true, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("netfront: %s: queue %u: backend broke the protocol: %s; device stopped\n",
	       info->ndev.name, q->id, msg);
}

/* Something wrong that costs one frame: said the first few times. */
static void netfront_bad(struct netfront_queue *q, const char *what, const char *why, long value,
			 unsigned long at)
{
	struct netfront_info *info = q->info;
	unsigned n = __atomic_fetch_add(&info->bad_said, 1, __ATOMIC_RELAXED);

	if (n < NETFRONT_BAD_SAY)
		pr_warn("netfront: %s: queue %u: %s at response %lu: %s (%ld)%s\n", info->ndev.name,
			q->id, what, at, why, value,
			n + 1 == NETFRONT_BAD_SAY ? "; further ones only counted" : "");
}

/* ---- transmit ---- */

/* A tx response, read once: the backend may rewrite it while we look. */
static netif_tx_response_t netfront_tx_read(struct netfront_queue *q, RING_IDX i)
{
	uint32_t w = __atomic_load_n((uint32_t *)RING_GET_RESPONSE(&q->tx, i), __ATOMIC_RELAXED);
	netif_tx_response_t rsp;

	memcpy(&rsp, &w, sizeof(rsp));
	return rsp;
}

/* Takes finished transmit requests back.  Called with q->lock held. */
void netfront_tx_reclaim(struct netfront_queue *q)
{
	struct netfront_info *info = q->info;
	const char *why;
	int more;

	do {
		RING_IDX prod = q->tx.sring->rsp_prod, cons = q->tx.rsp_cons;

		xen_rmb();
		if (ring_rsp_prod_check(cons, prod, q->tx.req_prod_pvt, NETFRONT_TX_SIZE, &why)) {
			netfront_break(q, "tx: %s (published %u, consumed %u, sent %u)", why, prod,
				       cons, q->tx.req_prod_pvt);
			return;
		}
		for (; cons != prod; cons++) {
			netif_tx_response_t rsp = netfront_tx_read(q, cons);
			struct netfront_tx_slot *s = &q->tx_slot[rsp.id % NETFRONT_TX_SIZE];

			switch (netif_tx_rsp_check(q->tx_busy, NETFRONT_TX_SIZE, rsp.id, rsp.status,
						   &why)) {
			case NETIF_TX_NULL:
				continue;
			case NETIF_TX_BREACH:
				netfront_break(q, "tx: %s (id %u at response %u)", why, rsp.id,
					       cons);
				q->tx.rsp_cons = cons;
				return;
			case NETIF_TX_FAILED:
				netdev_count(&info->ndev.stats.tx_errors, 1);
				if (why)
					netfront_bad(q, "sent frame failed", why, rsp.status, cons);
				break;
			case NETIF_TX_DONE:
				break;
			}
			s->next_free = q->tx_free;
			q->tx_free = rsp.id;
			q->tx_in_flight--;
		}
		q->tx.rsp_cons = cons;
		RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, more);
	} while (more);
}

/* The byte at `off` of a frame in fragments, or -1 past its end. */
static int frame_byte(const struct netdev_frame *f, uint32_t off)
{
	for (unsigned i = 0; i < f->nfrags; i++) {
		if (off < f->frag[i].len)
			return ((const uint8_t *)f->frag[i].data)[off];
		off -= f->frag[i].len;
	}
	return -1;
}

/* Frames of one flow stay on one queue, in order: a hash of the IPv4
 * addresses and, for TCP and UDP, the ports. */
static unsigned netfront_pick_queue(struct netfront_info *info, const struct netdev_frame *f)
{
	uint32_t h = 0;
	int ihl, proto;

	if (info->nqueues == 1 || frame_byte(f, 12) != 0x08 || frame_byte(f, 13) != 0x00)
		return 0;
	ihl = frame_byte(f, 14);
	proto = frame_byte(f, 23);
	if (ihl < 0 || proto < 0)
		return 0;
	for (uint32_t o = 26; o < 34; o++)
		h = h * 31 + (uint32_t)frame_byte(f, o);
	if (proto == 6 || proto == 17)
		for (uint32_t o = 14 + 4u * (ihl & 15); o < 18 + 4u * (ihl & 15); o++)
			h = h * 31 + (uint32_t)frame_byte(f, o);
	return (h ^ h >> 16) % info->nqueues;
}

/* Copies `len` bytes of the frame from `*off` on into dst. */
static void frame_copy(const struct netdev_frame *f, uint32_t *off, void *dst, uint32_t len)
{
	uint32_t skip = *off, done = 0;

	for (unsigned i = 0; i < f->nfrags && done < len; i++) {
		uint32_t flen = f->frag[i].len, n;

		if (skip >= flen) {
			skip -= flen;
			continue;
		}
		n = flen - skip < len - done ? flen - skip : len - done;
		memcpy((char *)dst + done, (const char *)f->frag[i].data + skip, n);
		done += n;
		skip = 0;
	}
	*off += len;
}

/* Puts a frame on q's ring: 0, or -EAGAIN when it has no room now. */
static int netfront_tx_put(struct netfront_queue *q, const struct netdev_frame *f, unsigned nslots)
{
	struct netfront_info *info = q->info;
	uint16_t be = (uint16_t)info->xdev->otherend_id;
	uint32_t off = 0;
	int notify, err;

	if (!q->tx.sring)
		return -ENETDOWN; /* torn down under us */
	netfront_tx_reclaim(q);
	if (info->broken)
		return -EIO;
	if (NETFRONT_TX_SIZE - (q->tx.req_prod_pvt - q->tx.rsp_cons) < nslots ||
	    NETFRONT_TX_SIZE - q->tx_in_flight < nslots)
		return -EAGAIN;
	for (unsigned i = 0; i < nslots; i++) {
		uint16_t id = q->tx_free;
		struct netfront_tx_slot *s = &q->tx_slot[id];
		netif_tx_request_t *req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
		uint32_t n = f->len - off < PAGE ? f->len - off : PAGE;

		if (!s->page && !(s->page = gnttab_alloc_granted_page(be, true, &s->gref, &err))) {
			/* Nothing of this frame is published until the
			 * producer index moves: undo the requests filled. */
			q->tx.req_prod_pvt -= i;
			for (unsigned j = 0; j < i; j++) {
				RING_IDX idx = q->tx.req_prod_pvt + j;
				uint16_t used = RING_GET_REQUEST(&q->tx, idx)->id;

				q->tx_busy[used] = false;
				q->tx_slot[used].next_free = q->tx_free;
				q->tx_free = used;
				q->tx_in_flight--;
			}
			return err;
		}
		q->tx_free = s->next_free;
		q->tx_busy[id] = true;
		q->tx_in_flight++;
		frame_copy(f, &off, s->page, n);
		req->gref = s->gref;
		req->offset = 0;
		req->id = id;
		/* The first slot carries the frame's length, the rest their own. */
		req->size = (uint16_t)(i == 0 ? f->len : n);
		req->flags = i + 1 < nslots ? NETTXF_more_data : 0;
		if (i == 0 && (f->flags & NETDEV_FRAME_CSUM_PARTIAL))
			req->flags |= NETTXF_csum_blank | NETTXF_data_validated;
		q->tx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		evtchn_send((evtchn_port_t)q->evtchn_tx);
	return 0;
}

static int netfront_xmit(struct netdev *dev, const struct netdev_frame *f)
{
	struct netfront_info *info = dev->priv;
	unsigned nslots = (f->len + PAGE - 1) / PAGE, tries = 0;
	struct netfront_queue *q;
	int rc;

	if (!info->connected || info->broken)
		return -ENETDOWN;
	if (f->len < ETH_HLEN || f->len > XEN_NETIF_MAX_TX_SIZE || nslots > NETFRONT_TX_MAX_SLOTS ||
	    (nslots > 1 && !info->sg))
		return -EINVAL;
	if ((f->flags & NETDEV_FRAME_CSUM_PARTIAL) && !info->tx_csum)
		return -EINVAL;
	q = &info->queue[netfront_pick_queue(info, f)];
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&q->lock);

		rc = netfront_tx_put(q, f, nslots);
		spin_unlock_irqrestore(&q->lock, flags);
		/* A full ring empties as the backend answers: wait a little
		 * rather than drop, which would cost TCP a retransmission. */
		if (rc != -EAGAIN || ++tries > TX_WAIT_TRIES)
			return rc;
		sleep_ns(TX_WAIT_NS);
		if (!info->connected || info->broken)
			return -ENETDOWN;
	}
}

const struct netdev_ops netfront_netdev_ops = {.xmit = netfront_xmit};

/* ---- receive ---- */

/* Gives the slots cons_from..cons_to back to the backend: each response
 * sits in the slot of its request, so slot i's buffer is request i's. */
static void netfront_rx_repost(struct netfront_queue *q, RING_IDX from, RING_IDX to)
{
	int notify;

	for (RING_IDX i = from; i != to; i++) {
		netif_rx_request_t *req = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);
		unsigned id = i & (NETFRONT_RX_SIZE - 1);

		req->id = (uint16_t)id;
		req->gref = q->rx_buf[id].gref;
		q->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify && q->evtchn_rx >= 0)
		evtchn_send((evtchn_port_t)q->evtchn_rx);
}

/* The checksum fields of a frame the backend left CSUM_PARTIAL: false,
 * said, when the frame has none where it can go. */
static bool netfront_rx_csum(struct netfront_queue *q, struct netdev_frame *f, RING_IDX at)
{
	uint8_t hdr[24];
	uint32_t off = 0, n = f->len < sizeof(hdr) ? f->len : sizeof(hdr);
	const char *why;

	frame_copy(f, &off, hdr, n);
	if (netif_rx_csum(hdr, n, f->len, &f->csum_start, &f->csum_offset, &why)) {
		netfront_bad(q, "frame dropped", why, f->len, at);
		return false;
	}
	f->flags = NETDEV_FRAME_CSUM_PARTIAL;
	return true;
}

/* Reads one frame starting at response `cons` (netif_rx_frame_check
 * judges it): the index after it, or `cons` when the backend has not
 * published all of it yet or broke the protocol.  A frame that cannot be
 * used is dropped (counted, said). */
static RING_IDX netfront_rx_frame(struct netfront_queue *q, RING_IDX cons, RING_IDX prod)
{
	struct netfront_info *info = q->info;
	struct netif_rx_frame fr;
	struct netdev_frame f = {0};

	switch (netif_rx_frame_check(q->rx.sring->ring, NETFRONT_RX_SIZE, cons, prod, &fr)) {
	case NETIF_RX_PARTIAL:
		return cons;
	case NETIF_RX_BREACH:
		netfront_break(q, "rx: %s (%ld at response %u)", fr.why, fr.value, fr.at);
		return cons;
	case NETIF_RX_DROP:
		netdev_count(&info->ndev.stats.rx_errors, 1);
		netfront_bad(q, "frame dropped", fr.why, fr.value, fr.at);
		return fr.next;
	case NETIF_RX_FRAME:
		break;
	}
	for (unsigned i = 0; i < fr.nfrags; i++) {
		f.frag[i].data = (char *)q->rx_buf[fr.frag[i].slot].page + fr.frag[i].offset;
		f.frag[i].len = fr.frag[i].len;
	}
	f.nfrags = fr.nfrags;
	f.len = fr.len;
	if (fr.flags & NETRXF_csum_blank) {
		if (!netfront_rx_csum(q, &f, cons)) {
			netdev_count(&info->ndev.stats.rx_errors, 1);
			return fr.next;
		}
	} else if (fr.flags & NETRXF_data_validated) {
		f.flags = NETDEV_FRAME_CSUM_VALID;
	}
	netdev_rx(&info->ndev, &f);
	return fr.next;
}

void netfront_rx_poll(struct netfront_queue *q)
{
	struct netfront_info *info = q->info;
	const char *why;
	int more;

	do {
		RING_IDX prod = q->rx.sring->rsp_prod, cons = q->rx.rsp_cons, next;

		xen_rmb();
		if (ring_rsp_prod_check(cons, prod, q->rx.req_prod_pvt, NETFRONT_RX_SIZE, &why)) {
			netfront_break(q, "rx: %s (published %u, consumed %u, posted %u)", why,
				       prod, cons, q->rx.req_prod_pvt);
			return;
		}
		while (cons != prod && !info->broken) {
			next = netfront_rx_frame(q, cons, prod);
			if (next == cons)
				break; /* a frame not yet whole */
			netfront_rx_repost(q, cons, next);
			cons = next;
			q->rx.rsp_cons = cons;
		}
		if (info->broken || cons != prod)
			return;
		RING_FINAL_CHECK_FOR_RESPONSES(&q->rx, more);
	} while (more);
}

/* Something for the receive thread: a queue's event, or a stop. */
static bool netfront_rx_wanted(struct netfront_info *info)
{
	for (unsigned i = 0; i < info->nqueues; i++)
		if (info->queue[i].rx_pending)
			return true;
	return info->rx_stop;
}

static void netfront_rx_thread(void *arg)
{
	struct netfront_info *info = arg;
	unsigned long flags;

	for (;;) {
		wait_event(&info->rx_wq, netfront_rx_wanted(info));
		if (info->rx_stop)
			break;
		for (unsigned i = 0; i < info->nqueues; i++) {
			struct netfront_queue *q = &info->queue[i];

			/* Cleared before the ring is read: an event after this
			 * is for responses the poll may miss, so it sets the
			 * flag again (the poll's final check has a full
			 * barrier between the two). */
			__atomic_store_n(&q->rx_pending, false, __ATOMIC_SEQ_CST);
			if (!info->broken)
				netfront_rx_poll(q);
		}
	}
	/* Under rx_lock, which netfront_stop() takes to read the flag: it
	 * cannot return and free info before the wake-up is done with it. */
	flags = spin_lock_irqsave(&info->rx_lock);
	info->rx_stopped = true;
	wq_wake_all(&info->rx_stopped_wq);
	spin_unlock_irqrestore(&info->rx_lock, flags);
}

/* ---- start and stop ---- */

int netfront_start(struct netfront_info *info)
{
	for (unsigned i = 0; i < info->nqueues; i++) {
		struct netfront_queue *q = &info->queue[i];

		netfront_rx_repost(q, 0, NETFRONT_RX_SIZE);
	}
	info->rx_stop = false;
	info->rx_stopped = false;
	if (!thread_create_on("netfront-rx", netfront_rx_thread, info, CPUMASK_ALL)) {
		info->rx_stopped = true;
		return -ENOMEM;
	}
	return 0;
}

static bool netfront_rx_stopped(struct netfront_info *info)
{
	unsigned long flags = spin_lock_irqsave(&info->rx_lock);
	bool stopped = info->rx_stopped;

	spin_unlock_irqrestore(&info->rx_lock, flags);
	return stopped;
}

void netfront_stop(struct netfront_info *info)
{
	info->connected = false;
	info->rx_stop = true;
	wq_wake_all(&info->rx_wq);
	wait_event(&info->rx_stopped_wq, netfront_rx_stopped(info));
}
