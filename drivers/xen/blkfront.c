/*
 * The Xen block frontend's data path: requests from the block layer go
 * on the single-page blkif ring, responses come back through an event
 * channel.  Data moves through bounce pages that belong to each ring slot
 * and are granted to the backend only while a request is in flight, so a
 * caller's buffer is never shared with another domain.  The backend is
 * not trusted: a response must name a slot we filled, echo its operation
 * and carry a known status, and the ring indexes it publishes must make
 * sense, or the device is marked broken and every request fails with -EIO
 * rather than corrupting memory or hanging.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <drivers/xen/events.h>
#include "blkfront.h"

#define PAGE_SECTORS 8 /* blkif counts in 512-byte sectors */

static void blkfront_kick(struct blkfront_info *info);

/* Ends a slot's grants; a grant the backend still holds keeps its page
 * until released, and the slot gets a fresh one. */
static void blkfront_release_slot(struct blkfront_info *info, struct blkfront_shadow *s)
{
	for (unsigned i = 0; i < s->nseg; i++) {
		if (gnttab_end_access(s->gref[i]) == 0)
			continue;
		pr_err("blkfront: %s: backend still maps a page after answering\n",
		       info->bdev.name);
		gnttab_end_access_deferred(s->gref[i], s->page[i]);
		s->page[i] = NULL;
	}
	s->nseg = 0;
	s->rq = NULL;
}

static int blkfront_status(int16_t st)
{
	switch (st) {
	case BLKIF_RSP_OKAY:
		return 0;
	case BLKIF_RSP_EOPNOTSUPP:
		return -ENOSYS;
	default:
		return -EIO;
	}
}

/* Copies a finished read out of the bounce pages. */
static void blkfront_copy_out(struct blkfront_info *info, struct blkfront_shadow *s)
{
	struct blkdev_request *rq = s->rq;
	size_t len = (size_t)rq->count * info->bdev.sector_size;

	for (unsigned i = 0; i < s->nseg && len; i++) {
		size_t n = len < 4096 ? len : 4096;

		if (s->page[i])
			memcpy((char *)rq->buf + 4096 * (size_t)i, s->page[i], n);
		len -= n;
	}
}

/* Takes one response off the ring: the request it finishes, or NULL. */
static struct blkdev_request *blkfront_take(struct blkfront_info *info, blkif_response_t *rsp)
{
	uint64_t id = rsp->id;
	struct blkfront_shadow *s;
	struct blkdev_request *rq;

	if (id >= BLKFRONT_RING_SIZE || !info->shadow[id].rq) {
		pr_err("blkfront: %s: backend answered unknown request id %llu\n", info->bdev.name,
		       (unsigned long long)id);
		info->broken = true;
		return NULL;
	}
	s = &info->shadow[id];
	rq = s->rq;
	rq->status = blkfront_status(rsp->status);
	if (rsp->operation != s->op) {
		pr_err("blkfront: %s: response to request %llu has operation %u, sent %u\n",
		       info->bdev.name, (unsigned long long)id, rsp->operation, s->op);
		rq->status = -EIO;
	} else if (rsp->status != BLKIF_RSP_OKAY) {
		pr_err("blkfront: %s: I/O error at sector %llu (status %d)\n", info->bdev.name,
		       (unsigned long long)rq->sector, rsp->status);
	}
	if (!rq->status && rq->op == BLKDEV_READ)
		blkfront_copy_out(info, s);
	blkfront_release_slot(info, s);
	return rq;
}

/* Consumes the responses the backend published; finished requests are
 * chained on *done for completion outside the lock. */
static void blkfront_consume(struct blkfront_info *info, struct blkdev_request **done)
{
	int more;

	do {
		RING_IDX prod = info->ring.sring->rsp_prod;
		RING_IDX cons = info->ring.rsp_cons;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (prod - cons > BLKFRONT_RING_SIZE ||
		    prod - cons > info->ring.req_prod_pvt - cons) {
			pr_err(
			    "blkfront: %s: backend published a bad response index %u (ours %u)\n",
			    info->bdev.name, prod, cons);
			info->broken = true;
			return;
		}
		for (; cons != prod && !info->broken; cons++) {
			blkif_response_t rsp = *RING_GET_RESPONSE(&info->ring, cons);
			struct blkdev_request *rq = blkfront_take(info, &rsp);

			if (rq) {
				rq->next = *done;
				*done = rq;
			}
		}
		info->ring.rsp_cons = cons;
		if (info->broken)
			return;
		RING_FINAL_CHECK_FOR_RESPONSES(&info->ring, more);
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

static void blkfront_interrupt(evtchn_port_t port, void *arg)
{
	struct blkfront_info *info = arg;
	struct blkdev_request *done = NULL;
	unsigned long flags = spin_lock_irqsave(&info->lock);

	(void)port;
	if (info->connected && !info->broken)
		blkfront_consume(info, &done);
	spin_unlock_irqrestore(&info->lock, flags);
	blkfront_complete(done);
	if (info->broken)
		blkfront_fail_all(info, -EIO);
	else
		blkfront_kick(info);
}

/* Grants the bounce pages a transfer needs; a write copies in first. */
static int blkfront_map(struct blkfront_info *info, struct blkfront_shadow *s, blkif_request_t *req,
			struct blkdev_request *rq)
{
	size_t len = (size_t)rq->count * info->bdev.sector_size;
	bool ro = rq->op == BLKDEV_WRITE; /* the backend only reads it */

	s->nseg = 0;
	for (unsigned i = 0; len; i++) {
		size_t n = len < 4096 ? len : 4096;
		int ref;

		if (!s->page[i] && !(s->page[i] = mm_page_alloc()))
			return -ENOMEM;
		if (rq->op == BLKDEV_WRITE)
			memcpy(s->page[i], (char *)rq->buf + 4096 * (size_t)i, n);
		ref = gnttab_grant_access((uint16_t)info->xdev->otherend_id, s->page[i], ro);
		if (ref < 0)
			return ref;
		s->gref[i] = (grant_ref_t)ref;
		req->seg[i] = (struct blkif_request_segment){
		    .gref = (grant_ref_t)ref, .first_sect = 0, .last_sect = (uint8_t)(n / 512 - 1)};
		s->nseg = (uint8_t)(i + 1);
		len -= n;
	}
	req->nr_segments = s->nseg;
	return 0;
}

/* Fills one ring slot from rq: 0, or an error that fails rq at once. */
static int blkfront_fill(struct blkfront_info *info, struct blkdev_request *rq, unsigned id)
{
	struct blkfront_shadow *s = &info->shadow[id];
	blkif_request_t *req = RING_GET_REQUEST(&info->ring, info->ring.req_prod_pvt);
	uint32_t ratio = info->bdev.sector_size / 512;
	int rc = 0;

	memset(req, 0, sizeof(*req));
	req->id = id;
	req->handle = (blkif_vdev_t)info->vdevice;
	req->sector_number = rq->sector * ratio;
	if (rq->op == BLKDEV_DISCARD) {
		blkif_request_discard_t *d = (blkif_request_discard_t *)req;

		d->operation = BLKIF_OP_DISCARD;
		d->nr_sectors = (uint64_t)rq->count * ratio;
	} else if (rq->op == BLKDEV_FLUSH) {
		req->operation =
		    info->feature_barrier ? BLKIF_OP_WRITE_BARRIER : BLKIF_OP_FLUSH_DISKCACHE;
		req->sector_number = 0;
	} else {
		req->operation = rq->op == BLKDEV_WRITE ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		rc = blkfront_map(info, s, req, rq);
	}
	s->op = req->operation;
	s->rq = rq;
	if (rc) {
		blkfront_release_slot(info, s);
		return rc;
	}
	info->ring.req_prod_pvt++;
	return 0;
}

static int blkfront_free_slot(struct blkfront_info *info)
{
	for (unsigned i = 0; i < BLKFRONT_RING_SIZE; i++)
		if (!info->shadow[i].rq)
			return (int)i;
	return -1;
}

/* Moves queued requests onto the ring while it has room. */
static void blkfront_kick(struct blkfront_info *info)
{
	struct blkdev_request *failed = NULL;
	unsigned long flags = spin_lock_irqsave(&info->lock);
	bool pushed = false;
	int notify = 0, id;

	while (info->connected && !info->broken && info->queue_head && !RING_FULL(&info->ring) &&
	       (id = blkfront_free_slot(info)) >= 0) {
		struct blkdev_request *rq = info->queue_head;

		info->queue_head = rq->next;
		if ((rq->status = blkfront_fill(info, rq, (unsigned)id))) {
			rq->next = failed;
			failed = rq;
		} else {
			pushed = true;
		}
	}
	if (pushed)
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&info->ring, notify);
	spin_unlock_irqrestore(&info->lock, flags);
	if (notify)
		evtchn_send((evtchn_port_t)info->evtchn);
	blkfront_complete(failed);
}

static void blkfront_submit(struct blkdev *dev, struct blkdev_request *rq)
{
	struct blkfront_info *info = dev->priv;
	unsigned long flags = spin_lock_irqsave(&info->lock);
	bool dead = info->broken || !info->registered;

	if (!dead) {
		rq->next = NULL;
		if (info->queue_tail && info->queue_head)
			info->queue_tail->next = rq;
		else
			info->queue_head = rq;
		info->queue_tail = rq;
	}
	spin_unlock_irqrestore(&info->lock, flags);
	if (dead) {
		rq->status = -EIO;
		rq->done(rq);
		return;
	}
	blkfront_kick(info);
}

const struct blkdev_ops blkfront_blkdev_ops = {.submit = blkfront_submit};

/* Fails queued and in-flight requests: the backend went away or broke.
 * In-flight grants are ended (deferred if still mapped) first. */
void blkfront_fail_all(struct blkfront_info *info, int status)
{
	unsigned long flags = spin_lock_irqsave(&info->lock);
	struct blkdev_request *list = info->queue_head, *rq;

	info->queue_head = info->queue_tail = NULL;
	for (unsigned i = 0; i < BLKFRONT_RING_SIZE; i++) {
		if (!(rq = info->shadow[i].rq))
			continue;
		blkfront_release_slot(info, &info->shadow[i]);
		rq->next = list;
		list = rq;
	}
	spin_unlock_irqrestore(&info->lock, flags);
	for (rq = list; rq; rq = rq->next)
		rq->status = status;
	blkfront_complete(list);
}

int blkfront_ring_setup(struct blkfront_info *info)
{
	uint16_t be = (uint16_t)info->xdev->otherend_id;
	int rc;

	info->ring_page = gnttab_alloc_granted_page(be, false, &info->ring_ref, &rc);
	if (!info->ring_page)
		return rc;
	SHARED_RING_INIT((blkif_sring_t *)info->ring_page);
	FRONT_RING_INIT(&info->ring, (blkif_sring_t *)info->ring_page, 4096);
	info->evtchn = evtchn_alloc_unbound(be, blkfront_interrupt, info, "blkfront");
	if (info->evtchn < 0) {
		rc = info->evtchn;
		blkfront_ring_free(info);
		return rc;
	}
	return 0;
}

void blkfront_ring_free(struct blkfront_info *info)
{
	if (info->evtchn >= 0)
		evtchn_close((evtchn_port_t)info->evtchn);
	info->evtchn = -1;
	if (info->ring_page)
		gnttab_end_access_deferred(info->ring_ref, info->ring_page);
	info->ring_page = NULL;
	for (unsigned i = 0; i < BLKFRONT_RING_SIZE; i++) {
		for (unsigned j = 0; j < BLKFRONT_SEGS; j++) {
			if (info->shadow[i].page[j])
				mm_page_free(info->shadow[i].page[j]);
			info->shadow[i].page[j] = NULL;
		}
	}
}
