/*
 * blkfront across a suspend of the domain.  Requests in flight are not
 * carried over a save: the suspend stops the rings (the device stays
 * registered, so new requests queue instead of failing) and waits for
 * the backend to answer what it has, which it does in milliseconds; a
 * backend that does not within BLKFRONT_DRAIN_NS makes the domain refuse
 * to suspend, and the device goes on.  So at the hypercall every request
 * is either done or queued, whole, never half on a ring.
 *
 * Cancelled, the queues simply start moving again.  In a new domain the
 * backend is another one, and the rings, their event channels and every
 * grant were left behind: the queued requests are taken aside, the
 * queues freed without closing ports Xen no longer knows (ending a grant
 * in the new, empty table always succeeds), and the device follows the
 * new backend's handshake from Initialising like a fresh one.  Once
 * connected (blkfront_resume_connected), with whatever the new backend
 * offers (queues, ring size, indirect, persistent), the requests taken
 * aside are submitted again in their order.
 */
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/time.h>
#include "blkfront.h"

#define BLKFRONT_DRAIN_NS (5 * NSEC_PER_SEC)

static unsigned blkfront_in_flight(struct blkfront_info *info)
{
	unsigned n = 0;

	for (unsigned i = 0; i < info->nr_queues; i++) {
		struct blkfront_queue *q = &info->queue[i];
		unsigned long flags = spin_lock_irqsave(&q->lock);

		for (unsigned s = 0; q->shadow && s < q->nr_shadow; s++)
			n += q->shadow[s].rq != NULL;
		spin_unlock_irqrestore(&q->lock, flags);
	}
	return n;
}

static void blkfront_kick_all(struct blkfront_info *info)
{
	for (unsigned i = 0; i < info->nr_queues; i++)
		blkfront_kick(&info->queue[i]);
}

int blkfront_suspend(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev->priv;
	uint64_t end = sched_clock() + BLKFRONT_DRAIN_NS;
	unsigned left;

	if (!info || !info->connected)
		return 0;
	blkfront_set_stopped(info, true);
	while ((left = blkfront_in_flight(info)) && sched_clock() < end)
		sleep_ns(NSEC_PER_MSEC);
	if (left) {
		pr_err("blkfront: %s: %u request(s) still unanswered after %lu s: not suspending\n",
		       info->bdev.name, left, BLKFRONT_DRAIN_NS / NSEC_PER_SEC);
		blkfront_set_stopped(info, false);
		blkfront_kick_all(info);
		return -EBUSY;
	}
	info->suspended = true;
	return 0;
}

/* Every queued request, in queue order, onto info->held. */
static void blkfront_take_queued(struct blkfront_info *info)
{
	struct blkdev_request **tail = &info->held;

	while (*tail)
		tail = &(*tail)->next;
	for (unsigned i = 0; i < info->nr_queues; i++) {
		struct blkfront_queue *q = &info->queue[i];
		unsigned long flags = spin_lock_irqsave(&q->lock);

		if (q->queue_head) {
			*tail = q->queue_head;
			tail = &q->queue_tail->next;
			*tail = NULL;
		}
		q->queue_head = q->queue_tail = NULL;
		spin_unlock_irqrestore(&q->lock, flags);
	}
}

/* The old backend's rings, ports and grants, let go of without a word to
 * Xen, which no longer has them. */
static void blkfront_forget_rings(struct blkfront_info *info)
{
	for (unsigned i = 0; i < info->nr_queues; i++)
		info->queue[i].evtchn = -1;
	blkfront_rings_free(info);
}

void blkfront_resume(struct xenbus_device *dev, bool new_domain)
{
	struct blkfront_info *info = dev->priv;
	unsigned long flags;

	if (!info || !info->suspended)
		return;
	if (!new_domain) {
		info->suspended = false;
		blkfront_set_stopped(info, false);
		blkfront_kick_all(info);
		return;
	}
	flags = spin_lock_irqsave(&info->held_lock);
	info->resuming = true;
	blkfront_take_queued(info);
	spin_unlock_irqrestore(&info->held_lock, flags);
	if (info->watching)
		xs_watch_unregister(&info->sectors_watch);
	info->watching = false;
	blkfront_set_live(info, false, true);
	blkfront_forget_rings(info);
	blkfront_set_stopped(info, false);
	info->suspended = false;
}

/* Connected to the new domain's backend: the requests taken aside go
 * again, each onto whichever queue it now falls on. */
void blkfront_resume_connected(struct blkfront_info *info)
{
	unsigned long flags = spin_lock_irqsave(&info->held_lock);
	struct blkdev_request *rq = info->held;
	unsigned n = 0;

	/* From here on submitters go straight to the queues: the held ones
	 * follow them, which the block layer allows (no order is promised
	 * between requests in flight together). */
	info->held = NULL;
	info->resuming = false;
	spin_unlock_irqrestore(&info->held_lock, flags);
	while (rq) {
		struct blkdev_request *next = rq->next;

		blkfront_queue_submit(info, rq);
		rq = next;
		n++;
	}
	pr_info("blkfront: %s: reconnected after the restore, %u waiting request(s) sent again\n",
		info->bdev.name, n);
}
