/*
 * The Xen balloon: the toolstack (`xl mem-set`) writes a target into
 * memory/target, in KiB, and this domain gives frames back to Xen
 * (XENMEM_decrease_reservation) or takes them again (XENMEM_populate_physmap)
 * until its reservation matches.
 *
 * A frame to give back is taken from the frame allocator, so nothing else
 * can be using it and nothing will be handed it while it is out.  It is
 * cleared before it goes: Xen scrubs only a dying domain's pages, and
 * hands a frame given back to whichever domain asks next as it is.  On PV the
 * kernel addresses machine frames through the P2M: before a frame goes its
 * direct-map pte is removed (Xen refuses to free a frame still mapped) and
 * its P2M entry made invalid, so no new pte can point at it; a frame taken
 * again gets a new machine frame, which goes into the P2M and the direct
 * map.  On PVH the same guest frame number is given back and repopulated
 * and the direct map is left alone.
 *
 * Xen's count of a domain's pages is not exactly what xl calls its memory
 * (a PVH domain has a few pages more), so the first target read is taken
 * to mean "as booted" and later ones move the reservation by their
 * difference from it.  The work runs in its own thread, 64 frames per
 * hypercall: the watch callback only records the target.
 *
 * Several CPUs: the target is set from the xenbus thread, the shell or a
 * test, RAM taken by Xen is reported from any CPU (under the grant
 * table's lock), and the worker, which may run on any CPU, moves frames.
 * The counts, the target and the worker's flags are under balloon_lock
 * (interrupts off, taken inside gt_lock), so every reader sees them
 * whole; the hypercalls and the page-table work run outside it.  Only the
 * worker gives frames back or takes them again, and so only it changes
 * out_map after start-up.  A frame it handles was taken from the
 * allocator, so nothing else reads its pte or P2M entry meanwhile, and
 * pgtable_unmap_page flushes it from every CPU's TLB.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/mutex.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <drivers/xen/balloon.h>
#include <drivers/xen/xenstore.h>

#define BALLOON_BATCH 64
/* The kernel's heap, stacks and page tables live in what is left. */
#define BALLOON_MIN_PAGES (16 * 256)	 /* 16 MiB */
#define BALLOON_RESERVE_FRAMES (4 * 256) /* frames kept free in the allocator */
#define BALLOON_INVALID_MFN (~0UL)

/* Under balloon_lock: the counts, whether the worker has work, whether
 * it gave up on its target, and the pages of RAM Xen took for frames of
 * its own (balloon_ram_taken) not yet folded into the counts. */
static struct spinlock balloon_lock = SPINLOCK_INIT;
static struct balloon_stats st;
static bool work, stuck;
static unsigned long taken_pending;
/* The worker's own. */
static uint64_t *out_map;  /* one bit per frame: given back */
static uint64_t grow_hint; /* where the search for given-back frames starts */
/* Set once at start-up. */
static bool running, pv;
static uint64_t store_kib; /* the last memory/target acted on (xenbus thread) */
static struct wait_queue work_wq = WAIT_QUEUE_INIT;    /* the worker waits for work */
static struct wait_queue settled_wq = WAIT_QUEUE_INIT; /* others, for it to finish */

static long reservation_op(int op, xen_pfn_t *list, unsigned n)
{
	struct xen_memory_reservation r = {
	    .nr_extents = n,
	    .extent_order = 0,
	    .domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, list);
	return hypercall_memory_op(op, &r);
}

long balloon_xen_reservation(void)
{
	domid_t self = DOMID_SELF;

	return hypercall_memory_op(XENMEM_current_reservation, &self);
}

long balloon_xen_max_reservation(void)
{
	domid_t self = DOMID_SELF;

	return hypercall_memory_op(XENMEM_maximum_reservation, &self);
}

static void out_set(uint64_t pfn, bool out)
{
	if (out)
		out_map[pfn / 64] |= 1ULL << (pfn % 64);
	else
		out_map[pfn / 64] &= ~(1ULL << (pfn % 64));
}

/* Read by other CPUs without a lock: a word of the map, written only by
 * the worker, which holds the frames whose bits change. */
bool balloon_is_out(uint64_t pfn)
{
	return out_map && pfn < frames.nframes && (READ_ONCE(out_map[pfn / 64]) >> (pfn % 64)) & 1;
}

/* PV: unmaps the frame (from every CPU's TLB too) and invalidates its P2M
 * entry; its machine frame.  The frame is ours alone (see the top). */
static unsigned long balloon_pv_release(uint64_t pfn)
{
	unsigned long mfn = xen_pv_pfn_to_mfn(pfn);

	pgtable_unmap_page(pgtable_root(), (uintptr_t)pfn_to_virt(pfn));
	xen_pv_set_p2m(pfn, BALLOON_INVALID_MFN);
	return mfn;
}

/* PV: the frame is backed by mfn again; maps it back into the direct map. */
static int balloon_pv_restore(uint64_t pfn, unsigned long mfn)
{
	int rc = xen_pv_set_p2m(pfn, mfn);

	if (!rc)
		rc = pgtable_map_page(pgtable_root(), (uintptr_t)pfn_to_virt(pfn),
				      pfn << PAGE_SHIFT, PAGE_KERNEL_RW);
	return rc;
}

/* The worker's count of a batch, under the lock: `n` frames went to Xen
 * (positive) or came back (negative). */
static void balloon_count(long n)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	st.ballooned_pages += n;
	st.current_pages -= n;
	spin_unlock_irqrestore(&balloon_lock, flags);
}

static void balloon_count_error(void)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	st.errors++;
	spin_unlock_irqrestore(&balloon_lock, flags);
}

uint64_t balloon_frame_release(uint64_t pfn)
{
	void *page = pfn_to_virt(pfn);

	if (mm_is_mapped(pfn << PAGE_SHIFT, PAGE_SIZE))
		memset(page, 0, PAGE_SIZE);
	return pv ? balloon_pv_release(pfn) : pfn;
}

int balloon_frame_restore(uint64_t pfn, uint64_t frame)
{
	return pv ? balloon_pv_restore(pfn, frame) : 0;
}

/* Takes up to n free frames from the allocator into pfns/list. */
static unsigned balloon_take_frames(uint64_t *pfns, xen_pfn_t *list, unsigned n)
{
	unsigned k = 0;

	while (k < n && frames.nfree > BALLOON_RESERVE_FRAMES) {
		int64_t pfn = mm_frame_alloc();

		if (pfn < 0)
			break;
		pfns[k] = pfn;
		list[k++] = balloon_frame_release(pfn);
	}
	return k;
}

/* Gives up to n frames back to Xen: how many went. */
static long balloon_shrink(unsigned n)
{
	uint64_t pfns[BALLOON_BATCH];
	xen_pfn_t list[BALLOON_BATCH];
	unsigned k = balloon_take_frames(pfns, list, n);

	if (!k)
		return 0;
	long rc = reservation_op(XENMEM_decrease_reservation, list, k);
	unsigned done = rc < 0 ? 0 : (unsigned)rc;

	for (unsigned i = done; i < k; i++) {
		if (balloon_frame_restore(pfns[i], list[i]))
			continue; /* cannot be mapped again: better lost than reused */
		mm_frame_free(pfns[i]);
	}
	for (unsigned i = 0; i < done; i++)
		out_set(pfns[i], true);
	balloon_count(done);
	if (done < k) {
		balloon_count_error();
		pr_err("balloon: Xen took %u of %u frames (%ld)\n", done, k, rc);
	}
	return done;
}

/* Up to n frames that are out, from the search hint on. */
static unsigned balloon_find_out(uint64_t *pfns, unsigned n)
{
	unsigned k = 0;

	for (uint64_t i = 0; i < frames.nframes && k < n; i++) {
		uint64_t pfn = (grow_hint + i) % frames.nframes;

		if (balloon_is_out(pfn))
			pfns[k++] = pfn;
	}
	if (k)
		grow_hint = pfns[k - 1];
	return k;
}

/* Takes up to n frames back from Xen: how many came. */
static long balloon_grow(unsigned n)
{
	uint64_t pfns[BALLOON_BATCH];
	xen_pfn_t list[BALLOON_BATCH];
	unsigned k = balloon_find_out(pfns, n);

	for (unsigned i = 0; i < k; i++)
		list[i] = pfns[i];
	long rc = k ? reservation_op(XENMEM_populate_physmap, list, k) : 0;
	unsigned done = rc < 0 ? 0 : (unsigned)rc;

	for (unsigned i = 0; i < done; i++) {
		if (pv && balloon_pv_restore(pfns[i], list[i])) {
			pr_err("balloon: frame %#lx cannot be mapped again\n", pfns[i]);
			continue;
		}
		/* Whatever the frame held before is not ours to show. */
		memset(pfn_to_virt(pfns[i]), 0, PAGE_SIZE);
		out_set(pfns[i], false);
		balloon_count(-1); /* counted before the allocator may hand it out */
		mm_frame_free(pfns[i]);
	}
	if (done < k) {
		balloon_count_error();
		pr_err("balloon: Xen gave %u of %u frames (%ld)\n", done, k, rc);
	}
	return done;
}

/* Held across each batch, and by a suspend of the domain from before
 * its hypercall until after it (balloon_suspend, balloon_resume): the
 * saver reads the P2M, which a batch changes in several steps. */
static struct mutex balloon_batch_lock = MUTEX_INIT;

void balloon_suspend(void)
{
	mutex_lock(&balloon_batch_lock);
}

void balloon_resume(void)
{
	mutex_unlock(&balloon_batch_lock);
}

/* One batch towards the target: frames moved, 0 at the target, -1 when
 * none could be moved. */
static long balloon_step(void)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);
	uint64_t cur = st.current_pages, tgt = st.target_pages;
	long moved;

	spin_unlock_irqrestore(&balloon_lock, flags);
	if (cur == tgt)
		return 0;
	mutex_lock(&balloon_batch_lock);
	if (cur > tgt)
		moved = balloon_shrink(MIN(cur - tgt, BALLOON_BATCH));
	else
		moved = balloon_grow(MIN(tgt - cur, BALLOON_BATCH));
	mutex_unlock(&balloon_batch_lock);
	return moved ? moved : -1;
}

/* Lock held.  RAM that Xen took is gone from the reservation for good:
 * every count in Xen's units moves down with it, so a target from the
 * toolstack means as many pages of usable RAM as before. */
static void balloon_fold_taken(void)
{
	unsigned long n = taken_pending;

	taken_pending = 0;
	st.boot_pages -= n;
	st.map_pages -= n;
	st.current_pages -= n;
	st.target_pages -= n;
	st.slack -= (int64_t)n;
	st.min_pages = BALLOON_MIN_PAGES + (st.slack > 0 ? st.slack : 0);
}

/* Takes the work there is: what was asked since the last time. */
static void balloon_take_work(void)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	work = false;
	balloon_fold_taken();
	stuck = false; /* with work, so that a waiter never sees a stale pair */
	spin_unlock_irqrestore(&balloon_lock, flags);
}

/* Moves frames until the target is met, or nothing moves; says which. */
static void balloon_run(void)
{
	unsigned long flags;
	long moved;

	while ((moved = balloon_step()) > 0)
		yield();
	flags = spin_lock_irqsave(&balloon_lock);
	struct balloon_stats s = st;
	stuck = moved < 0;
	spin_unlock_irqrestore(&balloon_lock, flags);
	if (moved < 0)
		pr_err("balloon: stuck at %lu pages, target %lu: waiting for a new target\n",
		       s.current_pages, s.target_pages);
	else
		pr_info("balloon: at target, %lu KiB (%lu KiB given back)\n",
			(s.current_pages - s.slack) * 4, s.ballooned_pages * 4);
}

static void balloon_thread(void *arg)
{
	for (;;) {
		wait_event(&work_wq, READ_ONCE(work));
		balloon_take_work();
		balloon_run();
		wq_wake_all(&settled_wq);
	}
}

/* What balloon_set_target_kib clamped, said after the lock is dropped. */
enum {
	CLAMP_STATIC_MAX = 1,
	CLAMP_MAP = 2,
	CLAMP_XEN = 4,
	CLAMP_MIN = 8,
};

/* Lock held: the target in Xen's pages for `kib` as xl counts it, within
 * every limit; the limits applied go to *clamped. */
static int64_t balloon_clamp(uint64_t kib, long xen_max, unsigned *clamped)
{
	int64_t pages;

	if (kib > st.static_max_pages * 4) {
		*clamped |= CLAMP_STATIC_MAX;
		kib = st.static_max_pages * 4;
	}
	pages = (int64_t)(kib / 4) + st.slack;
	if (pages > (int64_t)st.map_pages) {
		*clamped |= CLAMP_MAP;
		pages = st.map_pages;
	}
	/* Xen's own limit (xl raises it with memory/target): asking for more
	 * would only be refused half-way. */
	if (xen_max > 0 && pages > xen_max) {
		*clamped |= CLAMP_XEN;
		pages = xen_max;
	}
	if (pages < (int64_t)st.min_pages) {
		*clamped |= CLAMP_MIN;
		pages = st.min_pages;
	}
	return pages;
}

static void balloon_report_clamp(unsigned clamped, uint64_t kib, const char *who,
				 const struct balloon_stats *s, long xen_max)
{
	if (clamped & CLAMP_STATIC_MAX)
		pr_warn("balloon: %s target %lu KiB is above static-max %lu KiB: clamped\n", who,
			kib, s->static_max_pages * 4);
	if (clamped & CLAMP_MAP)
		pr_notice("balloon: %s target %lu KiB is above the RAM in this domain's memory "
			  "map: growing to that only\n",
			  who, kib);
	if (clamped & CLAMP_XEN)
		pr_notice("balloon: %s target %lu KiB is above Xen's limit of %ld pages for "
			  "this domain: clamped\n",
			  who, kib, xen_max);
	if (clamped & CLAMP_MIN)
		pr_warn("balloon: %s target %lu KiB is below the safe minimum of %lu KiB: "
			"clamped\n",
			who, kib, (s->min_pages - s->slack) * 4);
}

void balloon_set_target_kib(uint64_t kib, const char *who)
{
	long xen_max = balloon_xen_max_reservation();
	unsigned clamped = 0;
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	st.target_pages = balloon_clamp(kib, xen_max, &clamped);
	work = true;
	struct balloon_stats s = st;
	spin_unlock_irqrestore(&balloon_lock, flags);
	wq_wake_one(&work_wq);
	balloon_report_clamp(clamped, kib, who, &s, xen_max);
}

/* Only a change is acted on: the watch also fires once when registered,
 * maybe after the shell or a selftest set a target of its own. */
static void balloon_watch_cb(struct xs_watch *w, const char *path)
{
	uint64_t kib;
	int rc = xs_read_u64(XBT_NIL, "memory/target", &kib);

	if (rc) {
		pr_err("balloon: memory/target unreadable or not a number (%d): target "
		       "unchanged\n",
		       rc);
		return;
	}
	if (kib == store_kib)
		return;
	store_kib = kib;
	balloon_set_target_kib(kib, "the toolstack's");
}

/* Claims one frame that Xen never populated; false when it is in use. */
static bool balloon_claim(uint64_t pfn)
{
	if (!mm_frame_claim(pfn))
		return false;
	out_set(pfn, true);
	return true;
}

/*
 * Hands the claimed frames to Xen, 64 at a time.  Under populate-on-demand
 * they are entries Xen would back when touched, and its cache only shrinks
 * with the rest of the domain once they are gone; a frame Xen refuses
 * (never populated at all) is skipped.  How many it took.
 */
static uint64_t balloon_release_claimed(void)
{
	xen_pfn_t list[BALLOON_BATCH];
	uint64_t taken = 0, pfn = 0;

	while (pfn < frames.nframes) {
		unsigned k = 0;

		for (; pfn < frames.nframes && k < BALLOON_BATCH; pfn++)
			if (balloon_is_out(pfn))
				list[k++] = pfn;
		for (unsigned i = 0; i < k;) {
			long rc = reservation_op(XENMEM_decrease_reservation, list + i, k - i);

			taken += rc > 0 ? rc : 0;
			i += (rc > 0 ? rc : 0) + 1; /* past the one refused */
		}
	}
	return taken;
}

/*
 * PVH with maxmem above memory: the memory map holds RAM up to maxmem but
 * Xen populated only the first `memory` of it, in address order (or all of
 * it on demand, with a cache of `memory`).  The rest is given back at
 * once, so it is never handed out and Xen's count follows ours, and is
 * what the balloon grows into.  (PV's map has the populated pages as RAM
 * and the rest as unpopulated: balloon_claim_pv_extra.)
 */
static void balloon_claim_unpopulated(uint64_t populated)
{
	const struct memmap *m = &boot_info.memmap;
	uint64_t seen = 0, claimed = 0, busy = 0;

	for (unsigned i = 0; i < m->n; i++) {
		if (m->e[i].type != MEMMAP_RAM && m->e[i].type != MEMMAP_KERNEL)
			continue;
		uint64_t pfn = m->e[i].base >> PAGE_SHIFT;
		uint64_t end = (m->e[i].base + m->e[i].len) >> PAGE_SHIFT;

		for (; pfn < end && pfn < frames.nframes; pfn++)
			if (seen++ >= populated)
				balloon_claim(pfn) ? claimed++ : busy++;
	}
	st.ballooned_pages = claimed;
	st.map_pages = st.boot_pages + claimed;
	if (claimed)
		pr_info("balloon: %lu KiB of RAM in the memory map is not populated: starts "
			"out ballooned (%lu frames handed to Xen)\n",
			claimed * 4, balloon_release_claimed());
	if (busy)
		pr_err("balloon: %lu unpopulated frames were in use before the balloon "
		       "started\n",
		       busy);
}

/*
 * PV with maxmem above memory: setup_pv marked the pfns above the boot
 * memory, up to Xen's limit, unpopulated.  The frame allocator keeps them
 * reserved; here the P2M is given room for them and they start out
 * ballooned, never populated, so growing gives them their first frames.
 */
static void balloon_claim_pv_extra(void)
{
	const struct memmap *m = &boot_info.memmap;
	uint64_t end = memmap_end(m, MEMMAP_UNPOPULATED) >> PAGE_SHIFT, claimed = 0;
	int rc;

	if (!end)
		return;
	if ((rc = xen_pv_p2m_grow(end))) {
		pr_err("balloon: no room for a P2M of %lu pfns (%d): cannot grow above the "
		       "boot memory\n",
		       end, rc);
		return;
	}
	for (unsigned i = 0; i < m->n; i++) {
		if (m->e[i].type != MEMMAP_UNPOPULATED)
			continue;
		for (uint64_t pfn = m->e[i].base >> PAGE_SHIFT;
		     pfn < (m->e[i].base + m->e[i].len) >> PAGE_SHIFT; pfn++, claimed++)
			out_set(pfn, true);
	}
	st.ballooned_pages = claimed;
	st.map_pages = st.boot_pages + claimed;
	pr_info("balloon: %lu KiB above the boot memory may be populated: starts out "
		"ballooned\n",
		claimed * 4);
}

static struct xs_watch balloon_watch = {
    .path = "memory/target",
    .callback = balloon_watch_cb,
};

/* Xen's count, static-max and the first target fix the units.  Nothing
 * else reads the counts before the balloon runs; RAM taken meanwhile is
 * reported on any CPU, so taken_pending is cleared under the lock, before
 * Xen's count (which has what was taken until then) is read. */
static int balloon_read_limits(void)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);
	long res;
	uint64_t kib;

	taken_pending = 0;
	spin_unlock_irqrestore(&balloon_lock, flags);
	res = balloon_xen_reservation();

	if (res <= 0)
		return res < 0 ? (int)res : -EIO;
	st.boot_pages = st.current_pages = st.target_pages = res;
	if (!xs_read_u64(XBT_NIL, "memory/target", &kib)) {
		st.slack = res - (int64_t)(kib / 4);
		store_kib = kib;
	}
	st.map_pages = res;
	if (pv)
		balloon_claim_pv_extra();
	else if (store_kib)
		balloon_claim_unpopulated(store_kib / 4);
	/* In xl's units, as the targets it is compared with. */
	st.static_max_pages = res - st.slack;
	if (!xs_read_u64(XBT_NIL, "memory/static-max", &kib))
		st.static_max_pages = kib / 4;
	st.min_pages = BALLOON_MIN_PAGES + (st.slack > 0 ? st.slack : 0);
	return 0;
}

static int balloon_start(void)
{
	int rc;

	pv = xen_start_info != NULL;
	out_map = kmalloc(frame_bitmap_bytes(frames.nframes));
	if (!out_map)
		return -ENOMEM;
	memset(out_map, 0, frame_bitmap_bytes(frames.nframes));
	if ((rc = balloon_read_limits()))
		return rc;
	pr_info("balloon: %lu pages reserved, static-max %lu KiB, minimum %lu KiB (%s)\n",
		st.boot_pages, st.static_max_pages * 4, (st.min_pages - st.slack) * 4,
		pv ? "pv: p2m and direct map follow" : "pvh: same gpfns repopulated");
	if (!thread_create_on("balloon", balloon_thread, NULL, CPUMASK_ALL))
		return -ENOMEM;
	if ((rc = xs_watch_register(&balloon_watch)))
		pr_err("balloon: no watch on memory/target (%d): the shell can still set one\n",
		       rc);
	return 0;
}

void balloon_init(void)
{
	int rc;

	if (!hypervisor.is_xen || hypervisor.xen_dom0 || !xs_available())
		return; /* only a domU with a store has a toolstack to follow */
	if ((rc = balloon_start()))
		pr_err("balloon: not started (%d)\n", rc);
	else
		__atomic_store_n(&running, true, __ATOMIC_RELEASE);
}

void balloon_ram_taken(unsigned long pages)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	taken_pending += pages;
	work = true;
	spin_unlock_irqrestore(&balloon_lock, flags);
	wq_wake_one(&work_wq);
}

bool balloon_running(void)
{
	return __atomic_load_n(&running, __ATOMIC_ACQUIRE);
}

void balloon_get_stats(struct balloon_stats *s)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);

	*s = st;
	spin_unlock_irqrestore(&balloon_lock, flags);
}

uint64_t balloon_base_kib(void)
{
	struct balloon_stats s;

	balloon_get_stats(&s);
	return (s.boot_pages - s.slack) * 4;
}

/* Whether the worker has finished (met its target or gave up); *met
 * says which. */
static bool balloon_settled(bool *met)
{
	unsigned long flags = spin_lock_irqsave(&balloon_lock);
	bool done = !work && (stuck || st.current_pages == st.target_pages);

	*met = !stuck;
	spin_unlock_irqrestore(&balloon_lock, flags);
	return done;
}

bool balloon_wait_settled(uint64_t timeout_ns)
{
	bool met = false;

	if (!wait_event_deadline(&settled_wq, balloon_settled(&met), sched_clock() + timeout_ns))
		return false;
	return met;
}
