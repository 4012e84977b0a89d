/*
 * Selftests of grant tables.  They need Xen, so natively they skip; on a
 * dom0 without a store the bus never set the table up, so they do it
 * themselves.  Pages are granted to dom0, the backend domain in every setup
 * here, where only the shared entry is checked; and to ourselves where Xen
 * has to act on a grant: GNTTABOP_copy reads and writes through it, and on
 * PV we map our own grant, the one honest way to hold a grant "in use"
 * without a backend.  Every wait is bounded by the clock.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/pgtable.h>
#include <asm/xen/grant_table.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/hypervisor.h>
#include <xen/features.h>

#define GROW_EXTRA 64

static enum selftest_result need_gnttab(struct selftest_ctx *ctx)
{
	int rc;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: there is no grant table natively");
	rc = gnttab_init();
	if (rc)
		return selftest_error(ctx, "gnttab_init failed (%d)", rc);
	return SELFTEST_SUCCESS;
}

static bool frame_free_now(const void *p)
{
	return frame_is_free(&frames, virt_to_pfn(p));
}

static bool entry_is(grant_ref_t ref, uint64_t frame, uint16_t domid, uint16_t flags)
{
	const grant_entry_v1_t *e = gnttab_shared_entry(ref);

	return e && e->frame == frame && e->domid == domid && e->flags == flags;
}

static enum selftest_result check_grant_pair(struct selftest_ctx *ctx, int rw, int ro,
					     uint64_t frame)
{
	if (rw < GNTTAB_NR_RESERVED_ENTRIES || ro < GNTTAB_NR_RESERVED_ENTRIES || rw == ro)
		return selftest_fail(ctx, "grants returned %d and %d", rw, ro);
	if (!entry_is(rw, frame, 0, GTF_permit_access))
		return selftest_fail(ctx, "entry %d is not {frame %#lx, dom0, permit_access}", rw,
				     frame);
	if (!entry_is(ro, frame, 0, GTF_permit_access | GTF_readonly))
		return selftest_fail(ctx, "entry %d is not {frame %#lx, dom0, readonly}", ro,
				     frame);
	return SELFTEST_SUCCESS;
}

SELFTEST(gnttab_grant_end)
{
	enum selftest_result r = need_gnttab(ctx);
	void *page;
	uint64_t frame;
	int rw, ro, again, reserved, beyond;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(page = mm_page_alloc_zeroed()))
		return selftest_error(ctx, "no free frame");
	frame = gnttab_frame_of(page);
	rw = gnttab_grant_access(0, page, false);
	ro = gnttab_grant_access(0, page, true);
	r = check_grant_pair(ctx, rw, ro, frame);
	int end_rw = rw >= 0 ? gnttab_end_access(rw) : 0;
	bool cleared = rw >= 0 && entry_is(rw, 0, 0, 0);
	again = rw >= 0 ? gnttab_end_access(rw) : -EINVAL;
	int end_ro = ro >= 0 ? gnttab_end_access(ro) : 0;
	reserved = gnttab_end_access(GNTTAB_RESERVED_XENSTORE);
	beyond = gnttab_end_access(gnttab_nr_frames() * GNTTAB_ENTRIES_PER_FRAME);
	mm_page_free(page);
	if (r != SELFTEST_SUCCESS)
		return r;
	if (end_rw || end_ro || !cleared)
		return selftest_fail(ctx,
				     "ending %d gave %d (entry cleared: %d), ending %d gave %d", rw,
				     end_rw, cleared, ro, end_ro);
	if (again != -EINVAL || reserved != -EINVAL || beyond != -EINVAL)
		return selftest_fail(ctx,
				     "a double end gave %d, a reserved ref %d, past the table "
				     "%d (want -EINVAL)",
				     again, reserved, beyond);
	return selftest_pass(ctx,
			     "grants %d (rw) and %d (ro) of frame %#lx to dom0 as Xen "
			     "reads them; ended, entry cleared; double end, reserved and "
			     "out-of-table refs refused",
			     rw, ro, frame);
}

SELFTEST(gnttab_reuse)
{
	enum selftest_result r = need_gnttab(ctx);
	void *page;
	unsigned free0;
	int a, b, end_a, end_b;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!(page = mm_page_alloc_zeroed()))
		return selftest_error(ctx, "no free frame");
	free0 = gnttab_free_count();
	a = gnttab_grant_access(0, page, true);
	end_a = a >= 0 ? gnttab_end_access(a) : a;
	b = gnttab_grant_access(0, page, true);
	end_b = b >= 0 ? gnttab_end_access(b) : b;
	mm_page_free(page);
	if (a < 0 || b < 0 || end_a || end_b)
		return selftest_fail(ctx, "grant/end gave %d/%d then %d/%d", a, end_a, b, end_b);
	if (a != b)
		return selftest_fail(ctx, "ref %d was freed, yet the next grant took %d", a, b);
	if (gnttab_free_count() != free0)
		return selftest_fail(ctx, "%u free refs before, %u after", free0,
				     gnttab_free_count());
	return selftest_pass(ctx, "ref %d ended and handed out again; %u free before and after", a,
			     free0);
}

/* Takes n read-only grants of page to dom0; how many it got. */
static unsigned take_many(grant_ref_t *refs, unsigned n, void *page, int *err)
{
	for (unsigned i = 0; i < n; i++) {
		int ref = gnttab_grant_access(0, page, true);

		if (ref < 0) {
			*err = ref;
			return i;
		}
		refs[i] = (grant_ref_t)ref;
	}
	*err = 0;
	return n;
}

static unsigned end_many(const grant_ref_t *refs, unsigned n)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++)
		bad += gnttab_end_access(refs[i]) != 0;
	return bad;
}

SELFTEST(gnttab_grow)
{
	enum selftest_result r = need_gnttab(ctx);
	unsigned nr0, free0, n, got, bad_entries = 0, bad_ends;
	grant_ref_t *refs, top = 0;
	void *page;
	int err;

	if (r != SELFTEST_SUCCESS)
		return r;
	nr0 = gnttab_nr_frames();
	if (nr0 >= gnttab_max_frames())
		return selftest_skip(ctx, "the table is at its maximum of %u frames already", nr0);
	free0 = gnttab_free_count();
	n = free0 + GROW_EXTRA;
	refs = kmalloc(n * sizeof(*refs));
	page = mm_page_alloc_zeroed();
	if (!refs || !page) {
		kfree(refs);
		if (page)
			mm_page_free(page);
		return selftest_error(ctx, "no memory for %u refs and a page", n);
	}
	uint64_t frame = gnttab_frame_of(page);
	got = take_many(refs, n, page, &err);
	unsigned nr1 = gnttab_nr_frames();
	for (unsigned i = 0; i < got; i++) {
		top = MAX(top, refs[i]);
		bad_entries += !entry_is(refs[i], frame, 0, GTF_permit_access | GTF_readonly);
	}
	bad_ends = end_many(refs, got);
	unsigned free1 = gnttab_free_count();
	kfree(refs);
	mm_page_free(page);
	if (got != n)
		return selftest_fail(ctx, "only %u of %u grants (%d) with %u of %u frames", got, n,
				     err, nr1, gnttab_max_frames());
	if (nr1 <= nr0 || top < nr0 * GNTTAB_ENTRIES_PER_FRAME)
		return selftest_fail(ctx, "%u grants: still %u frames, highest ref %u", n, nr1,
				     top);
	if (bad_entries || bad_ends)
		return selftest_fail(ctx, "%u entries wrong, %u ends refused", bad_entries,
				     bad_ends);
	if (free1 != free0 + (nr1 - nr0) * GNTTAB_ENTRIES_PER_FRAME)
		return selftest_fail(ctx, "%u free after growing %u -> %u frames, expected %lu",
				     free1, nr0, nr1,
				     free0 + (nr1 - nr0) * GNTTAB_ENTRIES_PER_FRAME);
	return selftest_pass(ctx,
			     "%u grants grew the table %u -> %u frames (highest ref %u); all "
			     "ended, %u free",
			     n, nr0, nr1, top, free1);
}

/* Waits, at most `ns`, until the page is back in the allocator and no
 * deferred grant is left beyond `deferred`; the time taken, or -1. */
static long wait_freed(const void *page, unsigned deferred, uint64_t ns)
{
	uint64_t t0 = time_now_ns();

	while (time_now_ns() - t0 < ns) {
		if (frame_free_now(page) && gnttab_deferred_count() <= deferred)
			return (long)((time_now_ns() - t0) / NSEC_PER_USEC);
		sleep_ns(NSEC_PER_MSEC);
	}
	return -1;
}

/* A frame dirtied and freed just before is the one the allocator hands
 * out next (its hint set back, interrupts off so nothing else takes it):
 * the granted page must come back zeroed. */
static void *dirty_then_granted(grant_ref_t *ref, int *err, bool *same)
{
	unsigned long flags = local_irq_save();
	int64_t pfn = mm_frame_alloc();
	void *page = NULL;

	if (pfn >= 0 && mm_is_mapped((uint64_t)pfn << PAGE_SHIFT, PAGE_SIZE)) {
		memset((void *)pfn_to_virt((uint64_t)pfn), 0xa5, PAGE_SIZE);
		mm_frame_free((uint64_t)pfn);
		frames.hint = (uint64_t)pfn;
		page = gnttab_alloc_granted_page(0, false, ref, err);
		*same = page == (void *)pfn_to_virt((uint64_t)pfn);
	} else if (pfn >= 0) {
		mm_frame_free((uint64_t)pfn);
	}
	local_irq_restore(flags);
	return page;
}

static bool all_zero(const void *p)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

SELFTEST(gnttab_deferred_unused)
{
	enum selftest_result r = need_gnttab(ctx);
	grant_ref_t ref;
	bool same = false;
	int err = -ENOMEM;

	if (r != SELFTEST_SUCCESS)
		return r;
	void *page = dirty_then_granted(&ref, &err, &same);
	if (!page)
		return selftest_error(ctx, "gnttab_alloc_granted_page failed (%d)", err);
	bool zero = all_zero(page);
	bool entry_ok = entry_is(ref, gnttab_frame_of(page), 0, GTF_permit_access);
	unsigned deferred0 = gnttab_deferred_count();
	gnttab_end_access_deferred(ref, page);
	/* Unused, it can end at once, without the thread. */
	bool at_once = frame_free_now(page) && gnttab_deferred_count() == deferred0;
	long us = wait_freed(page, deferred0, 2 * NSEC_PER_SEC);
	if (!same)
		return selftest_error(ctx, "the allocator did not hand out the dirtied frame");
	if (!zero || !entry_ok)
		return selftest_fail(ctx, "granted page zeroed: %d, entry right: %d", zero,
				     entry_ok);
	if (us < 0)
		return selftest_fail(ctx,
				     "deferred end of unused grant %u: page %p not freed in 2 s "
				     "(%u deferred)",
				     ref, page, gnttab_deferred_count());
	if (!entry_is(ref, 0, 0, 0))
		return selftest_fail(ctx, "entry %u not cleared after the deferred end", ref);
	return selftest_pass(ctx,
			     "a dirtied frame came back zeroed and granted (ref %u); its "
			     "deferred end freed it %s",
			     ref, at_once ? "at once" : "later, through the thread");
}

/* The retry thread, on every Xen platform: the test sets GTF_reading
 * itself, as Xen does while a backend has the page mapped (a PVH guest
 * cannot hold its own grant in use for real; see gnttab_in_use), and
 * clears it as Xen does at the unmap. */
SELFTEST(gnttab_deferred_held)
{
	enum selftest_result r = need_gnttab(ctx);
	grant_ref_t ref;
	int err, busy;

	if (r != SELFTEST_SUCCESS)
		return r;
	void *page = gnttab_alloc_granted_page(0, false, &ref, &err);
	if (!page)
		return selftest_error(ctx, "gnttab_alloc_granted_page failed (%d)", err);
	grant_entry_v1_t *e = gnttab_shared_entry(ref);
	unsigned deferred0 = gnttab_deferred_count();
	__atomic_or_fetch(&e->flags, GTF_reading, __ATOMIC_SEQ_CST);
	busy = gnttab_end_access(ref);
	gnttab_end_access_deferred(ref, page);
	sleep_ns(250 * NSEC_PER_MSEC); /* two retries at least */
	bool held = gnttab_deferred_count() == deferred0 + 1 && !frame_free_now(page);
	__atomic_and_fetch(&e->flags, (uint16_t)~GTF_reading, __ATOMIC_SEQ_CST);
	long us = wait_freed(page, deferred0, 2 * NSEC_PER_SEC);
	if (busy != -EBUSY || !held)
		return selftest_fail(ctx,
				     "with GTF_reading set: end gave %d, deferred end held the "
				     "page: %d",
				     busy, held);
	if (us < 0)
		return selftest_fail(ctx,
				     "GTF_reading cleared, yet grant %u's page was not freed "
				     "in 2 s",
				     ref);
	return selftest_pass(ctx,
			     "GTF_reading set by the test: end refused, the deferred end "
			     "held the page 250 ms, freed it %ld us after the flag cleared",
			     us);
}
