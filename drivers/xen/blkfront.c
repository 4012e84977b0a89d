/*
 * The Xen block frontend's data path: requests from the block layer go
 * round robin onto the device's queues, each a blkif ring with its own
 * event channel; responses come back through that channel.  Data moves
 * through granted pages of the queue's pool (blkfront_ring.c), so a
 * caller's buffer is never shared with another domain.  A transfer of
 * more than 11 pages goes as one indirect request whose segment list
 * sits in a granted page of its own, when the backend offered that.
 *
 * The backend is not trusted: a response must name a slot we filled,
 * echo its operation and carry a known status, and the ring indexes it
 * publishes must make sense, or the device is marked broken and every
 * request fails with -EIO rather than corrupting memory or hanging.
 *
 * Submitters on any CPU and the queue's interrupt handler (on the CPU
 * its channel is bound to) meet only under the queue's lock; completions
 * and the notification to the backend run after it is dropped, since a
 * completion may submit again.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <drivers/xen/events.h>
#include "blkfront.h"

/* Gives a slot's pages back to the pool; `in_flight` when the backend
 * never answered and may still hold them. */
static void blkfront_release_slot(struct blkfront_queue *q, struct blkfront_shadow *s,
				  bool in_flight)
{
	for (unsigned i = 0; i < s->nseg; i++) {
		blkfront_gpage_put(q, s->data[i], in_flight);
		s->data[i] = NULL;
	}
	blkfront_gpage_put(q, s->indirect, in_flight);
	s->indirect = NULL;
	s->nseg = 0;
	s->rq = NULL;
}

/* Copies a finished read out of the granted pages. */
static void blkfront_copy_out(struct blkfront_info *info, struct blkfront_shadow *s)
{
	struct blkdev_request *rq = s->rq;
	size_t len = (size_t)rq->count * info->bdev.sector_size;

	for (unsigned i = 0; i < s->nseg && len; i++) {
		size_t n = len < 4096 ? len : 4096;

		memcpy((char *)rq->buf + 4096 * (size_t)i, s->data[i]->page, n);
		len -= n;
	}
}

/* Takes one response off the ring (blkif_rsp_check judges it): the
 * request it finishes, or NULL when it answers none and the device
 * stops. */
static struct blkdev_request *blkfront_take(struct blkfront_queue *q, const blkif_response_t *rsp)
{
	struct blkfront_info *info = q->info;
	unsigned long long id = rsp->id;
	struct blkfront_shadow *s;
	struct blkdev_request *rq;
	const char *why;
	int error;

	if (blkif_rsp_check(q->sent, q->nr_shadow, rsp->id, rsp->operation, rsp->status, &error,
			    &why) == BLKIF_BREACH) {
		pr_err("blkfront: %s: queue %u: backend answered with %s (id %llu): the device "
		       "stops\n",
		       info->bdev.name, q->index, why, id);
		info->broken = true;
		return NULL;
	}
	s = &q->shadow[id];
	rq = s->rq;
	rq->status = error;
	if (why)
		pr_err("blkfront: %s: response to request %llu (operation %u, status %d) has %s: "
		       "request failed\n",
		       info->bdev.name, id, rsp->operation, rsp->status, why);
	else if (error)
		pr_err("blkfront: %s: I/O error at sector %llu (status %d)\n", info->bdev.name,
		       (unsigned long long)rq->sector, rsp->status);
	if (!error && rq->op == BLKDEV_READ)
		blkfront_copy_out(info, s);
	blkfront_release_slot(q, s, false);
	return rq;
}

/* Consumes the responses the backend published; finished requests are
 * chained on *done for completion outside the lock. */
static void blkfront_consume(struct blkfront_queue *q, struct blkdev_request **done)
{
	struct blkfront_info *info = q->info;
	int more;

	do {
		RING_IDX prod = q->ring.sring->rsp_prod;
		RING_IDX cons = q->ring.rsp_cons;

		const char *why;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (ring_rsp_prod_check(cons, prod, q->ring.req_prod_pvt, q->nr_shadow, &why)) {
			pr_err("blkfront: %s: queue %u: backend published response index %u, "
			       "ours %u, %u sent: %s: the device stops\n",
			       info->bdev.name, q->index, prod, cons, q->ring.req_prod_pvt, why);
			info->broken = true;
			return;
		}
		for (; cons != prod && !info->broken; cons++) {
			blkif_response_t rsp = *RING_GET_RESPONSE(&q->ring, cons);
			struct blkdev_request *rq = blkfront_take(q, &rsp);

			if (rq) {
				rq->next = *done;
				*done = rq;
			}
		}
		q->ring.rsp_cons = cons;
		if (info->broken)
			return;
		RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
	} while (more);
}

static void blkfront_complete(struct blkdev_request *list)
{
	while (list) {
		struct blkdev_request *rq = list;

		list = rq->next;
		rq->done(rq);
	}
}

void blkfront_interrupt(evtchn_port_t port, void *arg)
{
	struct blkfront_queue *q = arg;
	struct blkfront_info *info = q->info;
	struct blkdev_request *done = NULL;
	unsigned long flags = spin_lock_irqsave(&q->lock);

	(void)port;
	q->irq_cpus |= cpumask_of(smp_processor_id());
	if (info->connected && !info->broken && q->shadow)
		blkfront_consume(q, &done);
	spin_unlock_irqrestore(&q->lock, flags);
	blkfront_complete(done);
	if (info->broken)
		blkfront_fail_all(info, -EIO);
	else
		blkfront_kick(q);
}

/* Grants the pages a transfer needs (a write copies in first) and fills
 * in the segments: into the request itself, or with `indirect` into the
 * segment list page. */
static int blkfront_map(struct blkfront_queue *q, struct blkfront_shadow *s,
			struct blkif_request_segment *seg, struct blkdev_request *rq)
{
	size_t len = (size_t)rq->count * q->info->bdev.sector_size;
	bool ro = rq->op == BLKDEV_WRITE; /* the backend only reads it */

	for (unsigned i = 0; len; i++) {
		size_t n = len < 4096 ? len : 4096;
		struct blkfront_gpage *g = blkfront_gpage_get(q, ro);

		if (!g)
			return -ENOMEM;
		s->data[i] = g;
		s->nseg = (uint16_t)(i + 1);
		if (rq->op == BLKDEV_WRITE)
			memcpy(g->page, (char *)rq->buf + 4096 * (size_t)i, n);
		seg[i] = (struct blkif_request_segment){
		    .gref = g->gref, .first_sect = 0, .last_sect = (uint8_t)(n / 512 - 1)};
		len -= n;
	}
	return 0;
}

/* A read or write: direct up to 11 segments, indirect beyond. */
static int blkfront_fill_rw(struct blkfront_queue *q, struct blkfront_shadow *s,
			    blkif_request_t *req, struct blkdev_request *rq)
{
	size_t pages = ((size_t)rq->count * q->info->bdev.sector_size + 4095) / 4096;
	uint8_t op = rq->op == BLKDEV_WRITE ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	blkif_request_indirect_t *ind = (blkif_request_indirect_t *)req;
	int rc;

	s->op = op;
	if (pages <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		req->operation = op;
		rc = blkfront_map(q, s, req->seg, rq);
		req->nr_segments = (uint8_t)s->nseg;
		return rc;
	}
	/* blkdev_check() bounds count by max_sectors, which is this many
	 * pages only when the backend takes indirect requests. */
	if (!q->info->indirect || pages > q->info->max_segs)
		return -EINVAL;
	if (!(s->indirect = blkfront_gpage_get(q, true)))
		return -ENOMEM;
	memset(s->indirect->page, 0, 4096);
	s->op = BLKIF_OP_INDIRECT;
	s->inner_op = op;
	q->indirect_requests++;
	rc = blkfront_map(q, s, s->indirect->page, rq);
	/* Fields after `operation` differ from blkif_request's: set them
	 * through the indirect layout only. */
	ind->operation = BLKIF_OP_INDIRECT;
	ind->indirect_op = op;
	ind->nr_segments = s->nseg;
	ind->sector_number = req->sector_number;
	ind->handle = (blkif_vdev_t)q->info->vdevice;
	ind->indirect_grefs[0] = s->indirect->gref;
	return rc;
}

/* Fills one ring slot from rq: 0, or an error that fails rq at once. */
static int blkfront_fill(struct blkfront_queue *q, struct blkdev_request *rq, unsigned id)
{
	struct blkfront_info *info = q->info;
	struct blkfront_shadow *s = &q->shadow[id];
	blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
	blkif_request_t tmp;
	uint32_t ratio = info->bdev.sector_size / 512;
	int rc = 0;

	/* Built in private, then copied: the backend may read the ring at
	 * any time, and the indirect layout overlays the plain one. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.id = id;
	tmp.handle = (blkif_vdev_t)info->vdevice;
	tmp.sector_number = rq->sector * ratio;
	if (rq->op == BLKDEV_DISCARD) {
		blkif_request_discard_t *d = (blkif_request_discard_t *)&tmp;

		d->operation = BLKIF_OP_DISCARD;
		d->nr_sectors = (uint64_t)rq->count * ratio;
		s->op = BLKIF_OP_DISCARD;
	} else if (rq->op == BLKDEV_FLUSH) {
		tmp.operation =
		    info->feature_barrier ? BLKIF_OP_WRITE_BARRIER : BLKIF_OP_FLUSH_DISKCACHE;
		tmp.sector_number = 0;
		s->op = tmp.operation;
	} else {
		rc = blkfront_fill_rw(q, s, &tmp, rq);
	}
	s->rq = rq;
	if (rc) {
		blkfront_release_slot(q, s, false);
		return rc;
	}
	blkif_sent_start(q->sent, q->nr_shadow, id, s->op, s->inner_op);
	memcpy(req, &tmp, sizeof(tmp));
	q->ring.req_prod_pvt++;
	q->requests++;
	return 0;
}

static int blkfront_free_slot(struct blkfront_queue *q)
{
	for (unsigned i = 0; i < q->nr_shadow; i++)
		if (!q->shadow[i].rq)
			return (int)i;
	return -1;
}

void blkfront_kick(struct blkfront_queue *q)
{
	struct blkfront_info *info = q->info;
	struct blkdev_request *failed = NULL;
	unsigned long flags = spin_lock_irqsave(&q->lock);
	bool pushed = false;
	int notify = 0, id;

	while (info->connected && !info->stopped && !info->broken && q->shadow && q->queue_head &&
	       !RING_FULL(&q->ring) && (id = blkfront_free_slot(q)) >= 0) {
		struct blkdev_request *rq = q->queue_head;

		q->queue_head = rq->next;
		if ((rq->status = blkfront_fill(q, rq, (unsigned)id))) {
			rq->next = failed;
			failed = rq;
		} else {
			pushed = true;
		}
	}
	if (pushed)
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
	spin_unlock_irqrestore(&q->lock, flags);
	if (notify && q->evtchn >= 0)
		evtchn_send((evtchn_port_t)q->evtchn);
	blkfront_complete(failed);
}

/* While a new domain's backend is being connected the queues are torn
 * down and rebuilt: a request waits aside (blkfront_suspend.c). */
static bool blkfront_hold(struct blkfront_info *info, struct blkdev_request *rq)
{
	unsigned long flags = spin_lock_irqsave(&info->held_lock);
	bool held = info->resuming;

	if (held) {
		struct blkdev_request **tail = &info->held;

		while (*tail)
			tail = &(*tail)->next;
		rq->next = NULL;
		*tail = rq;
	}
	spin_unlock_irqrestore(&info->held_lock, flags);
	return held;
}

static void blkfront_submit(struct blkdev *dev, struct blkdev_request *rq)
{
	struct blkfront_info *info = dev->priv;

	if (blkfront_hold(info, rq))
		return;
	blkfront_queue_submit(info, rq);
}

void blkfront_queue_submit(struct blkfront_info *info, struct blkdev_request *rq)
{
	unsigned n = READ_ONCE(info->nr_queues);
	unsigned next = n > 1 ? __atomic_fetch_add(&info->next_queue, 1, __ATOMIC_RELAXED) : 0;
	struct blkfront_queue *q = &info->queue[n > 1 ? next % n : 0];
	unsigned long flags = spin_lock_irqsave(&q->lock);
	bool dead = info->broken || !info->registered;

	if (!dead) {
		rq->next = NULL;
		if (q->queue_tail && q->queue_head)
			q->queue_tail->next = rq;
		else
			q->queue_head = rq;
		q->queue_tail = rq;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (dead) {
		rq->status = -EIO;
		rq->done(rq);
		return;
	}
	blkfront_kick(q);
}

static void blkfront_release(struct blkdev *dev)
{
	kfree(dev->priv);
}

const struct blkdev_ops blkfront_blkdev_ops = {.submit = blkfront_submit,
					       .release = blkfront_release};

void blkfront_set_live(struct blkfront_info *info, bool connected, bool registered)
{
	unsigned long flags[BLKFRONT_MAX_QUEUES];

	for (unsigned n = 0; n < BLKFRONT_MAX_QUEUES; n++)
		flags[n] = spin_lock_irqsave(&info->queue[n].lock);
	info->connected = connected;
	info->registered = registered;
	for (unsigned n = BLKFRONT_MAX_QUEUES; n-- > 0;)
		spin_unlock_irqrestore(&info->queue[n].lock, flags[n]);
}

void blkfront_set_stopped(struct blkfront_info *info, bool stopped)
{
	unsigned long flags[BLKFRONT_MAX_QUEUES];

	for (unsigned n = 0; n < BLKFRONT_MAX_QUEUES; n++)
		flags[n] = spin_lock_irqsave(&info->queue[n].lock);
	info->stopped = stopped;
	for (unsigned n = BLKFRONT_MAX_QUEUES; n-- > 0;)
		spin_unlock_irqrestore(&info->queue[n].lock, flags[n]);
}

/* Fails queued and in-flight requests: the backend went away or broke.
 * In-flight pages go back to the pool, their grants ended (deferred if
 * still mapped) unless persistent. */
void blkfront_fail_all(struct blkfront_info *info, int status)
{
	struct blkdev_request *list = NULL, *rq;

	for (unsigned n = 0; n < info->nr_queues; n++) {
		struct blkfront_queue *q = &info->queue[n];
		unsigned long flags = spin_lock_irqsave(&q->lock);

		if (q->queue_tail && q->queue_head) {
			q->queue_tail->next = list;
			list = q->queue_head;
		}
		q->queue_head = q->queue_tail = NULL;
		for (unsigned i = 0; i < q->nr_shadow; i++) {
			if (!(rq = q->shadow[i].rq))
				continue;
			blkfront_release_slot(q, &q->shadow[i], true);
			q->sent[i].in_flight = false;
			rq->next = list;
			list = rq;
		}
		spin_unlock_irqrestore(&q->lock, flags);
	}
	for (rq = list; rq; rq = rq->next)
		rq->status = status;
	blkfront_complete(list);
}
