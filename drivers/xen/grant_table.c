/*
 * Grant tables, version 1.  The shared table is an array of 8-byte entries
 * {flags, domid, frame} that Xen and the granted domain read; everything
 * else is ours: a free list threaded through a per-frame array of next
 * references, and a state per reference so that a double end, or an end
 * of a reference never handed out, is refused instead of corrupting the
 * list.  The table starts at one frame and grows a frame at a time, up to
 * the maximum Xen reports, when the free list runs dry.
 *
 * Two orderings carry the protocol.  A grant writes frame and domid before
 * the flags, with a write barrier between, so Xen never sees a live entry
 * with a stale frame.  An end clears the flags with a compare-and-exchange
 * that fails if Xen has set GTF_reading or GTF_writing meanwhile, so a
 * backend that maps the page at the same moment cannot slip through.  A
 * grant still in use cannot be ended; gnttab_end_access_deferred() hands it
 * to a kernel thread that retries until the other side lets go, then frees
 * the page.  How the table is mapped differs between PV and PVH
 * (arch/x86/xen/grant_table_pv*.c).
 *
 * Grants are taken and ended on every CPU, in threads and in interrupt
 * handlers (a block completion ends its grants), so all of our
 * bookkeeping, the free list, the states, the deferred list and the
 * counters, is under gt_lock with interrupts off; growing the table
 * happens under it too, so two CPUs that find the list empty at once add
 * one frame, not two.  The reaper may run on any CPU: it is the only one
 * that removes deferred entries, which lets it print one without the
 * lock.  Setting up is serialized by a mutex (the bus and the selftests
 * may both ask), and `ready` is published last, with release ordering, so
 * a CPU that sees it sees the table.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/mutex.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/xen/grant_table.h>
#include <drivers/xen/balloon.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/hypervisor.h>
#include <xen/features.h>

#define LIST_END ((grant_ref_t)~0u)
/* Our own ceiling, whatever Xen allows: 256 frames are 131072 grants. */
#define GNTTAB_MAX_FRAMES 256
#define RETRY_NS (100 * NSEC_PER_MSEC)
#define SLOW_RETRY_NS NSEC_PER_SEC
#define STUCK_NS (10 * NSEC_PER_SEC)
#define STUCK_REPORT_NS (60 * NSEC_PER_SEC)

enum gnt_state { GNT_FREE, GNT_GRANTED, GNT_DEFERRED, GNT_RESERVED };

/* Our bookkeeping for the entries of one table frame. */
struct gnt_frame_meta {
	grant_ref_t next[GNTTAB_ENTRIES_PER_FRAME];
	uint8_t state[GNTTAB_ENTRIES_PER_FRAME];
};

struct gnt_deferred {
	grant_ref_t ref;
	void *page;
	uint64_t since, reported;
	struct gnt_deferred *next;
};

static struct {
	const struct gnttab_frame_ops *ops;
	grant_entry_v1_t **shared;    /* max_frames table frames */
	struct gnt_frame_meta **meta; /* max_frames */
	unsigned int nr_frames, max_frames;
	grant_ref_t free_head;
	unsigned int nfree;
	struct gnt_deferred *deferred;
	unsigned int ndeferred;
	uint64_t grants, ends, busy_ends, deferred_done;
	bool ready;
} gt = {.free_head = LIST_END};

static struct spinlock gt_lock = SPINLOCK_INIT;
static struct mutex gt_init_mutex = MUTEX_INIT;
static struct wait_queue reaper_wq = WAIT_QUEUE_INIT;

static bool gt_ready(void)
{
	return __atomic_load_n(&gt.ready, __ATOMIC_ACQUIRE);
}

static unsigned int nr_entries(void)
{
	return gt.nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

static grant_entry_v1_t *entry(grant_ref_t ref)
{
	return &gt.shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static uint8_t *state(grant_ref_t ref)
{
	return &gt.meta[ref / GNTTAB_ENTRIES_PER_FRAME]->state[ref % GNTTAB_ENTRIES_PER_FRAME];
}

static grant_ref_t *next_of(grant_ref_t ref)
{
	return &gt.meta[ref / GNTTAB_ENTRIES_PER_FRAME]->next[ref % GNTTAB_ENTRIES_PER_FRAME];
}

/* Lock held.  The reference goes to the head: the next grant reuses it. */
static void put_free(grant_ref_t ref)
{
	*state(ref) = GNT_FREE;
	*next_of(ref) = gt.free_head;
	gt.free_head = ref;
	gt.nfree++;
}

/* Lock held.  One more table frame, its entries onto the free list (the
 * first frame's reserved entries, which the toolstack uses, excepted). */
static int grow(void)
{
	unsigned int f = gt.nr_frames;
	struct gnt_frame_meta *m;
	int rc;

	if (f >= gt.max_frames)
		return -ENOSPC;
	m = kmalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	rc = gt.ops->map(f, f + 1, gt.shared);
	if (rc) {
		kfree(m);
		return rc;
	}
	if (gt.ops->takes_ram)
		balloon_ram_taken(1);
	gt.meta[f] = m;
	/* Unlocked readers (gnttab_shared_entry) see the frame's pointers
	 * before its entries count. */
	__atomic_store_n(&gt.nr_frames, f + 1, __ATOMIC_RELEASE);
	for (unsigned int i = GNTTAB_ENTRIES_PER_FRAME; i-- > 0;) {
		grant_ref_t ref = f * GNTTAB_ENTRIES_PER_FRAME + i;

		if (ref < GNTTAB_NR_RESERVED_ENTRIES)
			m->state[i] = GNT_RESERVED;
		else
			put_free(ref);
	}
	return 0;
}

/* Lock held: a free reference, growing the table when there is none. */
static int take_free(grant_ref_t *ref)
{
	if (gt.free_head == LIST_END) {
		int rc = grow();

		if (rc)
			return rc;
	}
	*ref = gt.free_head;
	gt.free_head = *next_of(*ref);
	gt.nfree--;
	return 0;
}

int gnttab_grant_access(uint16_t domid, const void *page, bool readonly)
{
	uint64_t frame;
	grant_ref_t ref = LIST_END;
	unsigned long flags;
	int rc;

	if (!gt_ready())
		return -ENODEV;
	frame = gt.ops->frame_of(page);
	if (domid >= DOMID_FIRST_RESERVED || frame == GNTTAB_NO_FRAME)
		return -EINVAL;
	if (frame > UINT32_MAX) /* a v1 entry holds 32 bits of frame */
		return -ERANGE;
	flags = spin_lock_irqsave(&gt_lock);
	rc = take_free(&ref);
	if (!rc) {
		grant_entry_v1_t *e = entry(ref);

		WRITE_ONCE(e->frame, (uint32_t)frame);
		WRITE_ONCE(e->domid, domid);
		/* Xen must see frame and domid before flags make them live. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0));
		*state(ref) = GNT_GRANTED;
		gt.grants++;
	}
	spin_unlock_irqrestore(&gt_lock, flags);
	return rc ? rc : (int)ref;
}

/* Clears the flags unless the other side holds the grant: 0 or -EBUSY.
 * The compare-and-exchange fails if Xen set a flag since we read it. */
static int try_end(grant_ref_t ref)
{
	grant_entry_v1_t *e = entry(ref);
	uint16_t old = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

	do {
		if (old & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &old, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_ACQUIRE));
	/* Dead now (flags 0): tidy it so a reader sees no stale grant. */
	WRITE_ONCE(e->domid, 0);
	WRITE_ONCE(e->frame, 0);
	return 0;
}

/* Lock held. */
static bool ref_in_state(grant_ref_t ref, enum gnt_state want)
{
	return gt_ready() && ref < nr_entries() && *state(ref) == want;
}

int gnttab_end_access(grant_ref_t ref)
{
	unsigned long flags = spin_lock_irqsave(&gt_lock);
	int rc = -EINVAL;

	if (ref_in_state(ref, GNT_GRANTED)) {
		rc = try_end(ref);
		if (!rc) {
			put_free(ref);
			gt.ends++;
		} else {
			gt.busy_ends++;
		}
	}
	spin_unlock_irqrestore(&gt_lock, flags);
	return rc;
}

static void free_page(void *page)
{
	if (!page)
		return;
	int rc = mm_frame_free(virt_to_pfn(page));
	if (rc)
		pr_err("gnttab: page %p was not an allocated frame: not freed\n", page);
}

void gnttab_end_access_deferred(grant_ref_t ref, void *page)
{
	struct gnt_deferred *d = kmalloc(sizeof(*d));
	unsigned long flags = spin_lock_irqsave(&gt_lock);

	if (!ref_in_state(ref, GNT_GRANTED)) {
		spin_unlock_irqrestore(&gt_lock, flags);
		kfree(d);
		pr_err("gnttab: deferred end of grant %u, which is not granted: page %p kept\n",
		       ref, page);
		return;
	}
	if (try_end(ref) == 0) {
		put_free(ref);
		gt.ends++;
		spin_unlock_irqrestore(&gt_lock, flags);
		kfree(d);
		free_page(page);
		return;
	}
	*state(ref) = GNT_DEFERRED;
	if (d) {
		*d = (struct gnt_deferred){
		    .ref = ref, .page = page, .since = time_now_ns(), .next = gt.deferred};
		gt.deferred = d;
		gt.ndeferred++;
	}
	spin_unlock_irqrestore(&gt_lock, flags);
	if (!d)
		pr_err("gnttab: no memory to defer grant %u: it and page %p stay in use\n", ref,
		       page);
	wq_wake_all(&reaper_wq);
}

/* Lock held.  Ends what the other side let go of; the pages to free go
 * onto *done (they are freed without the lock). */
static uint64_t retry_deferred(struct gnt_deferred **done, uint64_t now)
{
	uint64_t wait = SLOW_RETRY_NS;

	for (struct gnt_deferred **pp = &gt.deferred, *d; (d = *pp);) {
		if (try_end(d->ref) == 0) {
			put_free(d->ref);
			gt.deferred_done++;
			gt.ndeferred--;
			*pp = d->next;
			d->next = *done;
			*done = d;
			continue;
		}
		if (now - d->since < STUCK_NS)
			wait = RETRY_NS;
		pp = &d->next;
	}
	return wait;
}

/* Outside the lock: what has been stuck for long, every STUCK_REPORT_NS. */
static void report_stuck(uint64_t now)
{
	unsigned long flags = spin_lock_irqsave(&gt_lock);

	/* Only this thread removes entries, so d stays valid while the lock
	 * is dropped to print. */
	for (struct gnt_deferred *d = gt.deferred; d; d = d->next) {
		if (now - d->since < STUCK_NS ||
		    (d->reported && now - d->reported < STUCK_REPORT_NS))
			continue;
		d->reported = now;
		grant_entry_v1_t e = *entry(d->ref);
		spin_unlock_irqrestore(&gt_lock, flags);
		pr_warn("gnttab: grant %u (dom%u, frame %#x, flags %#x) still in use after %lu s; "
			"page %p stays allocated\n",
			d->ref, e.domid, e.frame, e.flags, (now - d->since) / NSEC_PER_SEC,
			d->page);
		flags = spin_lock_irqsave(&gt_lock);
	}
	spin_unlock_irqrestore(&gt_lock, flags);
}

/* The deferred-release thread: asleep while nothing is deferred; else
 * retries every RETRY_NS (every second once all are old).  It reads the
 * list head without the lock only to decide whether to sleep: a deferral
 * queues itself under the lock before it wakes the queue, and the wait
 * tests after the thread is on the queue, so none is missed. */
static void gnttab_reaper(void *arg)
{
	for (;;) {
		wait_event(&reaper_wq, READ_ONCE(gt.deferred));

		struct gnt_deferred *done = NULL;
		uint64_t now = time_now_ns();
		unsigned long flags = spin_lock_irqsave(&gt_lock);
		uint64_t wait = retry_deferred(&done, now);
		spin_unlock_irqrestore(&gt_lock, flags);
		while (done) {
			struct gnt_deferred *d = done;
			done = d->next;
			free_page(d->page);
			kfree(d);
		}
		report_stuck(now);
		if (READ_ONCE(gt.deferred))
			sleep_ns(wait);
	}
}

void *gnttab_alloc_granted_page(uint16_t domid, bool readonly, grant_ref_t *ref, int *err)
{
	/* Whatever the frame held before must not reach the other domain. */
	void *page = mm_page_alloc_zeroed();
	int rc = page ? gnttab_grant_access(domid, page, readonly) : -ENOMEM;

	if (rc < 0) {
		if (page)
			mm_page_free(page);
		*err = rc;
		return NULL;
	}
	*ref = (grant_ref_t)rc;
	*err = 0;
	return page;
}

unsigned gnttab_free_count(void)
{
	return READ_ONCE(gt.nfree);
}

unsigned gnttab_deferred_count(void)
{
	return READ_ONCE(gt.ndeferred);
}

unsigned int gnttab_nr_frames(void)
{
	return READ_ONCE(gt.nr_frames);
}

unsigned int gnttab_max_frames(void)
{
	return gt.max_frames;
}

grant_entry_v1_t *gnttab_shared_entry(grant_ref_t ref)
{
	unsigned int n = __atomic_load_n(&gt.nr_frames, __ATOMIC_ACQUIRE);

	return gt_ready() && ref < n * GNTTAB_ENTRIES_PER_FRAME ? entry(ref) : NULL;
}

uint64_t gnttab_frame_of(const void *p)
{
	return gt_ready() ? gt.ops->frame_of(p) : GNTTAB_NO_FRAME;
}

static int query_max_frames(unsigned int *max)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	long rc = hypercall_grant_table_op(GNTTABOP_query_size, &q, 1);

	if (rc || q.status != GNTST_okay) {
		pr_err("gnttab: GNTTABOP_query_size failed (%ld, status %d)\n", rc, q.status);
		return -EIO;
	}
	*max = MIN(q.max_nr_frames, (uint32_t)GNTTAB_MAX_FRAMES);
	return *max ? 0 : -ENOSPC;
}

static int alloc_bookkeeping(void)
{
	size_t n = gt.max_frames;

	if (!gt.shared && (gt.shared = kmalloc(n * sizeof(*gt.shared))))
		memset(gt.shared, 0, n * sizeof(*gt.shared));
	if (!gt.meta && (gt.meta = kmalloc(n * sizeof(*gt.meta))))
		memset(gt.meta, 0, n * sizeof(*gt.meta));
	return gt.shared && gt.meta ? 0 : -ENOMEM;
}

/* The table's first frame, the bookkeeping and the reaper, once. */
static int gnttab_setup(void)
{
	static bool reaper_started;
	unsigned long flags;
	int rc = 0;

	if (!gt.max_frames && (rc = query_max_frames(&gt.max_frames)))
		return rc;
	gt.ops = xen_has_feature(XENFEAT_auto_translated_physmap) ? &gnttab_pvh_frame_ops
								  : &gnttab_pv_frame_ops;
	if ((rc = alloc_bookkeeping()))
		return rc;
	flags = spin_lock_irqsave(&gt_lock);
	if (!gt.nr_frames)
		rc = grow();
	spin_unlock_irqrestore(&gt_lock, flags);
	if (rc)
		return rc;
	if (!reaper_started && !thread_create_on("gnttab-reaper", gnttab_reaper, NULL, CPUMASK_ALL))
		return -ENOMEM;
	reaper_started = true;
	__atomic_store_n(&gt.ready, true, __ATOMIC_RELEASE);
	pr_info("gnttab: v1, %u of at most %u frames (%u free entries), through %s\n", gt.nr_frames,
		gt.max_frames, gt.nfree, gt.ops->name);
	return 0;
}

/* In a domain restored from a save the table is Xen's new one, with
 * what the restore seeded (the store's and console's entries) and nothing
 * of ours: its frames are made reachable where they were.  Entries we
 * still count as granted read as unused there, so ending them succeeds,
 * and the frontends grant afresh as they reconnect. */
int gnttab_resume(void)
{
	unsigned long flags;
	int rc;

	if (!gt_ready())
		return 0;
	if (!gt.ops->remap) {
		pr_err("gnttab: this mode cannot map its table again after a restore\n");
		return -EOPNOTSUPP;
	}
	flags = spin_lock_irqsave(&gt_lock);
	rc = gt.ops->remap(gt.nr_frames, gt.shared);
	spin_unlock_irqrestore(&gt_lock, flags);
	if (rc)
		pr_err("gnttab: the table's %u frames not mapped again (%d)\n", gt.nr_frames, rc);
	return rc;
}

/* Safe to call again, also after a failure, and from several CPUs at
 * once: the selftests call it where the bus did not (a dom0 without a
 * store), and every step is done once. */
int gnttab_init(void)
{
	int rc;

	if (gt_ready())
		return 0;
	if (!hypervisor.is_xen)
		return -ENODEV;
	mutex_lock(&gt_init_mutex);
	rc = gt_ready() ? 0 : gnttab_setup();
	mutex_unlock(&gt_init_mutex);
	return rc;
}

SHELL_CMD(gnttab, "grant table: frames, free and deferred grants, counters")
{
	if (!gt_ready()) {
		kprintf("no grant table (%s)\n", hypervisor.is_xen ? "not set up" : "not on Xen");
		return 0;
	}
	kprintf("v1, %u of %u frames (%u entries), %s\n", gt.nr_frames, gt.max_frames, nr_entries(),
		gt.ops->name);
	kprintf("free %u, in use %u, deferred %u\n", gt.nfree,
		nr_entries() - GNTTAB_NR_RESERVED_ENTRIES - gt.nfree - gt.ndeferred, gt.ndeferred);
	kprintf("grants %lu, ends %lu, ends refused while in use %lu, deferred ends done %lu\n",
		gt.grants, gt.ends, gt.busy_ends, gt.deferred_done);
	return 0;
}
