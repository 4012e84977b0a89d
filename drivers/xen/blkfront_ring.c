/*
 * The memory blkfront shares with its backend: each queue's ring (one
 * or several pages, each granted on its own) and event channel, and the
 * pages requests move data through.
 *
 * Data pages come from a small per-queue pool.  A page is cleared before
 * its first grant (gnttab_alloc_granted_page): a request shorter than a
 * page leaves the rest of it for the backend to read, and that must not
 * be whatever the kernel last kept in the frame.  With persistent grants
 * (both ends said feature-persistent) a pooled page stays granted for the
 * life of the connection, so the backend maps it once and reuses the
 * mapping; without them a page is granted for one request and its grant
 * ended when the answer comes, read-only when the backend only reads it.
 * Pages beyond the pool's size are freed after use, so a burst does not
 * pin memory for good.  A grant the backend still holds is never ended
 * by force: it goes to the grant table's deferred list, which frees the
 * page once the backend lets go.  The ring itself is heap memory, which
 * that list cannot free, so a ring still mapped at teardown is left to
 * the backend and said so.
 *
 * Queue i's event channel goes to the (i mod online)-th online CPU, so
 * the queues' completions are spread over the vCPUs.  Teardown closes
 * the channel first: evtchn_close returns once no handler runs, so what
 * the handler uses can go afterwards.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include "blkfront.h"

static uint16_t blkfront_be(struct blkfront_queue *q)
{
	return (uint16_t)q->info->xdev->otherend_id;
}

struct blkfront_gpage *blkfront_gpage_new(uint16_t domid, bool readonly)
{
	struct blkfront_gpage *g = kmalloc(sizeof(*g));
	int err;

	if (!g)
		return NULL;
	*g = (struct blkfront_gpage){.granted = true};
	g->page = gnttab_alloc_granted_page(domid, readonly, &g->gref, &err);
	if (!g->page) {
		kfree(g);
		return NULL;
	}
	return g;
}

void blkfront_gpage_free(struct blkfront_gpage *g)
{
	if (g->granted)
		gnttab_end_access_deferred(g->gref, g->page);
	else
		mm_page_free(g->page);
	kfree(g);
}

/* A new page for q, kept in its pool while the pool has room. */
static struct blkfront_gpage *blkfront_gpage_fresh(struct blkfront_queue *q, bool readonly)
{
	struct blkfront_gpage *g = blkfront_gpage_new(blkfront_be(q), readonly);

	if (g && q->pooled < BLKFRONT_POOL_MAX) {
		g->pooled = true;
		q->pooled++;
	}
	return g;
}

struct blkfront_gpage *blkfront_gpage_get(struct blkfront_queue *q, bool readonly)
{
	/* A persistent grant serves reads and writes alike. */
	bool ro = readonly && !q->info->persistent;
	struct blkfront_gpage *g = q->free_gpages;
	int ref;

	if (!g)
		return blkfront_gpage_fresh(q, ro);
	q->free_gpages = g->next;
	if (g->granted) {
		q->grants_reused++;
	} else {
		/* Granted again: since its first grant it held only what
		 * this backend read or wrote. */
		ref = gnttab_grant_access(blkfront_be(q), g->page, ro);
		if (ref < 0) {
			g->next = q->free_gpages;
			q->free_gpages = g;
			return NULL;
		}
		g->gref = (grant_ref_t)ref;
		g->granted = true;
	}
	g->next = NULL;
	return g;
}

static void blkfront_gpage_drop(struct blkfront_queue *q, struct blkfront_gpage *g)
{
	if (g->pooled)
		q->pooled--;
	blkfront_gpage_free(g);
}

void blkfront_gpage_put(struct blkfront_queue *q, struct blkfront_gpage *g, bool in_flight)
{
	if (!g)
		return;
	if (!(q->info->persistent && g->pooled) && g->granted) {
		if (gnttab_end_access(g->gref) != 0) {
			if (!in_flight)
				pr_err("blkfront: %s: backend still maps a page after answering\n",
				       q->info->bdev.name);
			blkfront_gpage_drop(q, g);
			return;
		}
		g->granted = false;
	}
	if (!g->pooled) {
		blkfront_gpage_drop(q, g);
		return;
	}
	g->next = q->free_gpages;
	q->free_gpages = g;
}

/* The ring's grants ended, its memory freed, unless the backend still
 * maps it. */
static void blkfront_ring_free(struct blkfront_queue *q, void *ring_mem)
{
	bool held = false;

	if (!ring_mem)
		return;
	for (unsigned i = 0; i < q->info->ring_pages; i++) {
		if (gnttab_end_access(q->ring_ref[i]) == 0)
			continue;
		gnttab_end_access_deferred(q->ring_ref[i], NULL);
		held = true;
	}
	if (held)
		pr_err("blkfront: %s: backend still maps queue %u's ring: its pages are "
		       "left to it\n",
		       q->info->xdev->nodename, q->index);
	else
		kfree(ring_mem);
}

static void blkfront_queue_free(struct blkfront_queue *q)
{
	struct blkfront_gpage *pool;
	struct blkfront_shadow *shadow;
	struct blkif_sent *sent;
	void *ring_mem;
	unsigned long flags;

	if (q->evtchn >= 0)
		evtchn_close((evtchn_port_t)q->evtchn); /* no handler runs after */
	flags = spin_lock_irqsave(&q->lock);
	q->evtchn = -1;
	pool = q->free_gpages;
	ring_mem = q->ring_mem;
	shadow = q->shadow;
	sent = q->sent;
	q->free_gpages = NULL;
	q->ring_mem = NULL;
	q->shadow = NULL;
	q->sent = NULL;
	q->nr_shadow = 0;
	spin_unlock_irqrestore(&q->lock, flags);
	while (pool) {
		struct blkfront_gpage *g = pool;

		pool = g->next;
		blkfront_gpage_drop(q, g);
	}
	blkfront_ring_free(q, ring_mem);
	kfree(shadow);
	kfree(sent);
}

/* The (i mod online)-th online CPU. */
static unsigned blkfront_queue_cpu(unsigned i)
{
	unsigned k = i % nr_cpus_online();

	for (unsigned c = 0; c < nr_cpus_present; c++)
		if (__atomic_load_n(&cpus[c].online, __ATOMIC_ACQUIRE) && k-- == 0)
			return c;
	return 0;
}

/* Moves the queue's event channel to its CPU; where Xen refuses, it stays
 * on vCPU 0, which works too. */
static void blkfront_queue_bind_cpu(struct blkfront_queue *q)
{
	unsigned cpu = blkfront_queue_cpu(q->index);
	int rc = evtchn_bind_vcpu((evtchn_port_t)q->evtchn, cpu);

	q->cpu = rc ? 0 : cpu;
	if (rc)
		pr_warn("blkfront: %s: queue %u's events stay on vCPU 0: EVTCHNOP_bind_vcpu to "
			"CPU %u failed (%d)\n",
			q->info->xdev->nodename, q->index, cpu, rc);
}

static int blkfront_queue_setup(struct blkfront_info *info, struct blkfront_queue *q)
{
	size_t bytes = (size_t)info->ring_pages * 4096;
	int ref;

	/* Whole pages, page-aligned: no other heap object shares a granted
	 * page, and all of every one is cleared before its grant. */
	if (!(q->ring_mem = kmalloc_aligned(bytes, 4096)))
		return -ENOMEM;
	memset(q->ring_mem, 0, bytes);
	for (unsigned i = 0; i < info->ring_pages; i++) {
		ref = gnttab_grant_access(blkfront_be(q), (char *)q->ring_mem + 4096 * (size_t)i,
					  false);
		if (ref < 0) {
			/* Only the granted pages are ended. */
			unsigned granted = info->ring_pages;

			info->ring_pages = i;
			blkfront_queue_free(q);
			info->ring_pages = granted;
			return ref;
		}
		q->ring_ref[i] = (grant_ref_t)ref;
	}
	SHARED_RING_INIT((blkif_sring_t *)q->ring_mem);
	FRONT_RING_INIT(&q->ring, (blkif_sring_t *)q->ring_mem, bytes);
	q->nr_shadow = RING_SIZE(&q->ring);
	if (!(q->shadow = kmalloc(q->nr_shadow * sizeof(*q->shadow))))
		return -ENOMEM;
	memset(q->shadow, 0, q->nr_shadow * sizeof(*q->shadow));
	if (!(q->sent = kmalloc(q->nr_shadow * sizeof(*q->sent))))
		return -ENOMEM;
	memset(q->sent, 0, q->nr_shadow * sizeof(*q->sent));
	q->evtchn = evtchn_alloc_unbound(blkfront_be(q), blkfront_interrupt, q, "blkfront");
	if (q->evtchn < 0)
		return q->evtchn;
	blkfront_queue_bind_cpu(q);
	return 0;
}

/* A queue as new, but its lock: a submitter that read the old queue
 * count may hold it (and then finds the device not live). */
static void blkfront_queue_reset(struct blkfront_info *info, unsigned i)
{
	struct blkfront_queue *q = &info->queue[i];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	_Static_assert(__builtin_offsetof(struct blkfront_queue, lock) == 0, "lock first");
	memset((char *)q + sizeof(q->lock), 0, sizeof(*q) - sizeof(q->lock));
	q->info = info;
	q->index = i;
	q->evtchn = -1;
	spin_unlock_irqrestore(&q->lock, flags);
}

int blkfront_rings_setup(struct blkfront_info *info)
{
	int rc = 0;

	for (unsigned i = 0; i < info->nr_queues; i++)
		blkfront_queue_reset(info, i);
	for (unsigned i = 0; i < info->nr_queues && !rc; i++)
		rc = blkfront_queue_setup(info, &info->queue[i]);
	info->rings_up = true;
	if (rc)
		blkfront_rings_free(info);
	return rc;
}

void blkfront_rings_free(struct blkfront_info *info)
{
	if (!info->rings_up)
		return;
	for (unsigned i = 0; i < info->nr_queues; i++)
		blkfront_queue_free(&info->queue[i]);
	info->rings_up = false;
}
