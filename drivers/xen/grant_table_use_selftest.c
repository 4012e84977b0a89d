/*
 * Selftests in which Xen itself uses our grants, so that what we write in
 * the table is checked by its only real reader.  A page is granted to our
 * own domain: GNTTABOP_copy then reads and writes through the grant (and
 * must refuse to write through a read-only one), and on PV we map our own
 * grant, which holds it "in use" (GTF_reading | GTF_writing) the way a
 * backend would, to see an end refused and a deferred end wait for the
 * unmap.  Both need our domain id, which a PV domU learns only from the
 * store.  A PVH guest cannot map its own grant safely: Xen would take the
 * page away from its original guest frame when mapping it at another, so
 * there the in-use test skips.  Reading through a grant to ourselves is
 * also how a page we are about to share is seen as a backend sees it:
 * after frames were filled and freed, a freshly granted page must read
 * back as zeros (here for gnttab_alloc_granted_page, in blkfront's tests
 * for its data pages; grant_table_selftest.h shares the means).
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/pgtable.h>
#include <asm/xen/grant_table.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/hypervisor.h>
#include <xen/features.h>
#include "grant_table_selftest.h"

/* Where the in-use test maps its own grant (Xen PV only). */
#define GNTTAB_TEST_VA VA_GRANT_TEST

enum selftest_result gnttab_need_self_grants(struct selftest_ctx *ctx, int *domid)
{
	int rc;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: there is no grant table natively");
	if ((rc = gnttab_init()))
		return selftest_error(ctx, "gnttab_init failed (%d)", rc);
	*domid = xen_domid();
	if (*domid < 0)
		return selftest_skip(ctx, "our domain id is unknown (a PV domU reads it from the "
					  "store, which is not up)");
	return SELFTEST_SUCCESS;
}

/* One GNTTABOP_copy of a whole page: its status, or the hypercall's error. */
static int copy_page(struct gnttab_copy_ptr src, struct gnttab_copy_ptr dst, uint16_t flags)
{
	struct gnttab_copy op = {.source = src, .dest = dst, .len = PAGE_SIZE, .flags = flags};
	long rc = hypercall_grant_table_op(GNTTABOP_copy, &op, 1);

	return rc ? (int)rc : op.status;
}

static struct gnttab_copy_ptr by_ref(grant_ref_t ref, int domid)
{
	return (struct gnttab_copy_ptr){.u.ref = ref, .domid = (domid_t)domid};
}

static struct gnttab_copy_ptr by_frame(const void *page)
{
	return (struct gnttab_copy_ptr){.u.gmfn = gnttab_frame_of(page), .domid = DOMID_SELF};
}

unsigned gnttab_dirty_frames(uint64_t *pfns, unsigned n)
{
	void *pages[GNTTAB_DIRTY_MAX];
	unsigned got = 0;

	while (got < n && got < GNTTAB_DIRTY_MAX && (pages[got] = mm_page_alloc())) {
		memset(pages[got], GNTTAB_DIRTY_BYTE, PAGE_SIZE);
		pfns[got] = virt_to_pfn(pages[got]);
		got++;
	}
	for (unsigned i = got; i-- > 0;)
		mm_page_free(pages[i]);
	return got;
}

/* How many of the page's bytes are not 0; the first such at *first. */
static unsigned nonzero_bytes(const uint8_t *b, unsigned *first)
{
	unsigned bad = 0;

	for (unsigned i = PAGE_SIZE; i-- > 0;)
		if (b[i]) {
			bad++;
			*first = i;
		}
	return bad;
}

static bool in_list(uint64_t pfn, const uint64_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == pfn)
			return true;
	return false;
}

/* Copies a page from src (with flags) and checks it is all zeros. */
static enum selftest_result expect_zero_from(struct selftest_ctx *ctx, const char *what,
					     struct gnttab_copy_ptr src, uint16_t flags)
{
	unsigned bad = 0, first = 0;
	uint8_t *seen = mm_page_alloc();
	int st;

	if (!seen)
		return selftest_error(ctx, "no page to copy into");
	memset(seen, 0x5a, PAGE_SIZE);
	st = copy_page(src, by_frame(seen), flags);
	if (!st)
		bad = nonzero_bytes(seen, &first);
	uint8_t b = seen[first];
	mm_page_free(seen);
	if (st)
		return selftest_error(ctx, "%s: Xen would not copy the page (%d)", what, st);
	if (bad)
		return selftest_fail(ctx,
				     "%s: %u of %u bytes as Xen reads them are not 0 (first at "
				     "%u: %#x)",
				     what, bad, (unsigned)PAGE_SIZE, first, b);
	return SELFTEST_SUCCESS;
}

enum selftest_result gnttab_expect_zero(struct selftest_ctx *ctx, const char *what,
					const void *page, grant_ref_t ref, int domid,
					const uint64_t *dirty, unsigned ndirty)
{
	uint64_t pfn = virt_to_pfn(page);
	char how[96];

	if (!in_list(pfn, dirty, ndirty))
		return selftest_error(ctx,
				      "%s got frame %#lx, none of the %u just dirtied: nothing "
				      "to test",
				      what, pfn, ndirty);
	snprintf(how, sizeof(how), "%s: frame %#lx, dirtied, then read through grant %u", what, pfn,
		 ref);
	return expect_zero_from(ctx, how, by_ref(ref, domid), GNTCOPY_source_gref);
}

enum selftest_result gnttab_expect_zero_frame(struct selftest_ctx *ctx, const char *what,
					      uint64_t gmfn)
{
	struct gnttab_copy_ptr src = {.u.gmfn = gmfn, .domid = DOMID_SELF};

	return expect_zero_from(ctx, what, src, 0);
}

static void fill(void *p, uint8_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < PAGE_SIZE; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* Through a read-only grant of src: a copy out, then a copy in that Xen
 * must refuse; through a writable grant of dst: a copy in. */
static enum selftest_result copy_checks(struct selftest_ctx *ctx, int domid, void *src, void *dst,
					grant_ref_t ro, grant_ref_t rw)
{
	int st;

	fill(src, 0x11);
	memset(dst, 0, PAGE_SIZE);
	if ((st = copy_page(by_ref(ro, domid), by_frame(dst), GNTCOPY_source_gref)))
		return selftest_fail(ctx, "copy out of read-only grant %u refused (%d)", ro, st);
	if (memcmp(src, dst, PAGE_SIZE))
		return selftest_fail(ctx, "copy out of grant %u did not bring the page's bytes",
				     ro);
	if ((st = copy_page(by_frame(dst), by_ref(ro, domid), GNTCOPY_dest_gref)) == GNTST_okay)
		return selftest_fail(ctx, "Xen copied into read-only grant %u", ro);
	fill(src, 0x5a);
	if (copy_page(by_frame(src), by_ref(rw, domid), GNTCOPY_dest_gref) ||
	    memcmp(src, dst, PAGE_SIZE))
		return selftest_fail(ctx, "copy into writable grant %u failed or wrong", rw);
	return SELFTEST_SUCCESS;
}

SELFTEST(gnttab_copy)
{
	int domid, ro = -1, rw = -1;
	enum selftest_result r = gnttab_need_self_grants(ctx, &domid);

	if (r != SELFTEST_SUCCESS)
		return r;
	void *src = mm_page_alloc_zeroed(), *dst = mm_page_alloc_zeroed();
	if (src && dst) {
		ro = gnttab_grant_access((uint16_t)domid, src, true);
		rw = gnttab_grant_access((uint16_t)domid, dst, false);
	}
	if (ro >= 0 && rw >= 0)
		r = copy_checks(ctx, domid, src, dst, (grant_ref_t)ro, (grant_ref_t)rw);
	else
		r = selftest_error(ctx, "could not set up (pages %p %p, grants %d %d)", src, dst,
				   ro, rw);
	/* Xen is done with both: they must end at once. */
	int end_ro = ro >= 0 ? gnttab_end_access(ro) : 0;
	int end_rw = rw >= 0 ? gnttab_end_access(rw) : 0;
	if (src)
		mm_page_free(src);
	if (dst)
		mm_page_free(dst);
	if (r != SELFTEST_SUCCESS)
		return r;
	if (end_ro || end_rw)
		return selftest_fail(ctx, "after the copies the grants would not end (%d, %d)",
				     end_ro, end_rw);
	return selftest_pass(ctx,
			     "Xen copied out of read-only grant %d and into writable grant "
			     "%d of dom%d, refused to write the read-only one",
			     ro, rw, domid);
}

static int map_own_grant(grant_ref_t ref, int domid, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = {.host_addr = GNTTAB_TEST_VA,
					  .flags = GNTMAP_host_map,
					  .ref = ref,
					  .dom = (domid_t)domid};

	/* Xen writes the entry: the tables above it must exist.  The walker
	 * may take frames, from an allocator with its own lock. */
	int made = pgtable_map_page(pgtable_root(), GNTTAB_TEST_VA, 0, 0);
	if (made)
		return -ENOMEM;
	long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
	*handle = op.handle;
	return rc ? (int)rc : op.status;
}

static int unmap_own_grant(grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = GNTTAB_TEST_VA, .handle = handle};
	long rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

	return rc ? (int)rc : op.status;
}

/* Bounded waits on the deferred list, sampled every millisecond. */
static long wait_freed_us(const void *page, unsigned deferred, uint64_t ns)
{
	uint64_t t0 = time_now_ns();

	while (time_now_ns() - t0 < ns) {
		if (frame_is_free(&frames, virt_to_pfn(page)) &&
		    gnttab_deferred_count() <= deferred)
			return (long)((time_now_ns() - t0) / NSEC_PER_USEC);
		sleep_ns(NSEC_PER_MSEC);
	}
	return -1;
}

/* While mapped: flags show the use, the mapping is the page, an end is
 * refused and a deferred end (after which *handed_over) holds on to the
 * page. */
static enum selftest_result while_mapped(struct selftest_ctx *ctx, grant_ref_t ref, void *page,
					 unsigned deferred0, bool *handed_over)
{
	const grant_entry_v1_t *e = gnttab_shared_entry(ref);
	uint16_t flags = e->flags;
	int rc;

	*(volatile uint64_t *)(GNTTAB_TEST_VA + 64) = 0x6772616e74ULL;
	if (!(flags & GTF_reading) || !(flags & GTF_writing))
		return selftest_fail(ctx, "mapped grant %u has flags %#x", ref, flags);
	if (((volatile uint64_t *)page)[8] != 0x6772616e74ULL)
		return selftest_fail(ctx, "a write through the mapping missed the page");
	if ((rc = gnttab_end_access(ref)) != -EBUSY)
		return selftest_fail(ctx, "end of mapped grant %u gave %d, not -EBUSY", ref, rc);
	gnttab_end_access_deferred(ref, page);
	*handed_over = true;
	sleep_ns(300 * NSEC_PER_MSEC); /* the thread retries three times meanwhile */
	if (gnttab_deferred_count() != deferred0 + 1 || frame_is_free(&frames, virt_to_pfn(page)))
		return selftest_fail(ctx,
				     "deferred end of mapped grant %u let go of the page "
				     "(%u deferred)",
				     ref, gnttab_deferred_count());
	return SELFTEST_SUCCESS;
}

SELFTEST(gnttab_in_use)
{
	int domid, ref, rc;
	grant_handle_t handle;
	enum selftest_result r = gnttab_need_self_grants(ctx, &domid);

	if (r != SELFTEST_SUCCESS)
		return r;
	if (xen_has_feature(XENFEAT_auto_translated_physmap))
		return selftest_skip(ctx, "PVH: mapping our own grant would move the page away "
					  "from its guest frame, so no grant can be held in use "
					  "without a backend");
	void *page = mm_page_alloc_zeroed();
	if (!page)
		return selftest_error(ctx, "no free frame");
	unsigned deferred0 = gnttab_deferred_count();
	ref = gnttab_grant_access((uint16_t)domid, page, false);
	if (ref < 0 || (rc = map_own_grant(ref, domid, &handle)) != GNTST_okay) {
		if (ref >= 0)
			gnttab_end_access(ref);
		mm_page_free(page);
		return selftest_error(ctx, "grant %d of our own page could not be mapped (%d)", ref,
				      ref < 0 ? ref : rc);
	}
	bool handed_over = false;
	r = while_mapped(ctx, ref, page, deferred0, &handed_over);
	rc = unmap_own_grant(handle);
	if (!handed_over) /* the test failed before: release it now */
		gnttab_end_access_deferred(ref, page);
	long us = wait_freed_us(page, deferred0, 2 * NSEC_PER_SEC);
	if (r != SELFTEST_SUCCESS)
		return r;
	if (rc != GNTST_okay)
		return selftest_error(ctx, "unmapping our own grant %d failed (%d)", ref, rc);
	if (us < 0)
		return selftest_fail(ctx, "grant %d unmapped, yet its page was not freed in 2 s",
				     ref);
	return selftest_pass(ctx,
			     "own grant %d mapped: end refused (-EBUSY), deferred end held "
			     "the page 300 ms, freed it %ld us after the unmap",
			     ref, us);
}

/* A page from gnttab_alloc_granted_page (netfront's rings and buffers)
 * holds nothing of what its frame held before, as Xen reads it. */
SELFTEST(gnttab_fresh_zero)
{
	uint64_t dirty[GNTTAB_DIRTY_MAX];
	grant_ref_t ref;
	int domid, err;
	enum selftest_result r = gnttab_need_self_grants(ctx, &domid);

	if (r != SELFTEST_SUCCESS)
		return r;
	unsigned n = gnttab_dirty_frames(dirty, GNTTAB_DIRTY_MAX);
	void *page = gnttab_alloc_granted_page((uint16_t)domid, true, &ref, &err);
	if (!page)
		return selftest_error(ctx, "gnttab_alloc_granted_page failed (%d)", err);
	r = gnttab_expect_zero(ctx, "gnttab_alloc_granted_page", page, ref, domid, dirty, n);
	gnttab_end_access_deferred(ref, page);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "frame %#lx, filled with %#x and freed, granted again: "
			     "4096 zero bytes through grant %u",
			     virt_to_pfn(page), GNTTAB_DIRTY_BYTE, ref);
}
