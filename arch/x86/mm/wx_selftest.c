/*
 * The W^X walk of wx_check.c once more, late in the boot, after the
 * drivers have mapped what they map (grant-table frames, the shared info
 * page, ballooned frames, ioremapped registers), and proof that the walk
 * sees what it must: a scratch page mapped writable and executable, then a
 * 2 MiB range mapped read-only and executable (one large page natively and
 * on PVH, 512 small ones on Xen PV), each found exactly, first at the
 * address where it was put, and the tables clean again once they are gone.
 * The walks run with interrupts off so no thread changes the tables under
 * them.
 */
#include <asm/pgtable.h>
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/time.h>

#define SCRATCH_VA VA_PAGING_TEST
#define LARGE_VA (VA_PAGING_TEST + (unsigned long)LARGE_PAGE_SIZE)
#define LARGE_PAGES (LARGE_PAGE_SIZE / PAGE_SIZE)

static uint64_t text_pages(void)
{
	return ((uintptr_t)__rodata_start - (uintptr_t)_kernel_start) / PAGE_SIZE;
}

/* One walk of the live tables; its cost in microseconds. */
static uint64_t walk_now(struct wx_scan *s)
{
	unsigned long flags = local_irq_save();
	uint64_t t0 = time_now_ns();

	paging_wx_walk(pgtable_root(), s);
	uint64_t us = (time_now_ns() - t0) / NSEC_PER_USEC;
	local_irq_restore(flags);
	return us;
}

/* The tables as the kernel keeps them: only the text executable, all of it. */
static enum selftest_result expect_clean(struct selftest_ctx *ctx, const struct wx_scan *s,
					 const char *when)
{
	if (s->found)
		return selftest_fail(ctx,
				     "%s: %#lx is %s (entry %#lx); %lu writable and executable, "
				     "%lu executable outside text",
				     when, s->first, paging_wx_flags(s->first_flags),
				     s->first_entry, s->wx, s->x_outside);
	if (s->foreign_tables)
		return selftest_fail(ctx, "%s: %lu tables not ours, not walked", when,
				     s->foreign_tables);
	if (s->exec != text_pages())
		return selftest_fail(ctx, "%s: %lu executable pages, the text has %lu", when,
				     s->exec, text_pages());
	return SELFTEST_SUCCESS;
}

/* After mapping `pages` pages at va with `flags`: exactly those flagged. */
static enum selftest_result expect_flagged(struct selftest_ctx *ctx, const struct wx_scan *s,
					   unsigned long va, uint64_t pages, pteval_t flags)
{
	uint64_t wx = flags & PTE_W ? pages : 0;

	if (!s->found || s->first != va || s->wx != wx || s->x_outside != pages ||
	    s->exec != text_pages() + pages)
		return selftest_fail(ctx,
				     "%lu %s pages at %#lx: found %s at %#lx, %lu writable and "
				     "executable, %lu executable outside text, %lu executable",
				     pages, paging_wx_flags(flags), va, s->found ? "one" : "none",
				     s->first, s->wx, s->x_outside, s->exec);
	return SELFTEST_SUCCESS;
}

/* A frame of our own mapped writable and executable at SCRATCH_VA. */
static enum selftest_result scratch_page(struct selftest_ctx *ctx)
{
	int64_t pfn = mm_frame_alloc();
	struct wx_scan s;

	if (pfn < 0)
		return selftest_error(ctx, "no free frame");
	if (pgtable_map_page(pgtable_root(), SCRATCH_VA, (uint64_t)pfn << PAGE_SHIFT,
			     PTE_P | PTE_W)) {
		mm_frame_free((uint64_t)pfn);
		return selftest_error(ctx, "could not map %#lx", SCRATCH_VA);
	}
	walk_now(&s);
	pgtable_unmap_page(pgtable_root(), SCRATCH_VA);
	mm_frame_free((uint64_t)pfn);
	return expect_flagged(ctx, &s, SCRATCH_VA, 1, PTE_P | PTE_W);
}

static void unmap_large(void)
{
	arch_enter_lazy_mmu_mode();
	for (uint64_t i = 0; i < LARGE_PAGES; i++)
		pgtable_unmap_page(pgtable_root(), LARGE_VA + i * PAGE_SIZE);
	arch_leave_lazy_mmu_mode();
}

/* 2 MiB of our frames mapped read-only and executable at LARGE_VA; the
 * level that mapped them goes to *level. */
static enum selftest_result scratch_large(struct selftest_ctx *ctx, int *level)
{
	int64_t pfn = mm_frames_alloc_contig(LARGE_PAGES, LARGE_PAGES);
	struct wx_scan s;

	if (pfn < 0)
		return selftest_error(ctx, "no free 2 MiB run of frames");
	arch_enter_lazy_mmu_mode();
	int rc = pgtable_map_range(pgtable_root(), LARGE_VA, (uint64_t)pfn << PAGE_SHIFT,
				   LARGE_PAGE_SIZE, PTE_P);
	arch_leave_lazy_mmu_mode();
	if (!rc) {
		walk_now(&s);
		pgtable_lookup(pgtable_root(), LARGE_VA, level);
	}
	unmap_large();
	mm_frames_free_range((uint64_t)pfn, LARGE_PAGES);
	if (rc)
		return selftest_error(ctx, "could not map 2 MiB at %#lx", LARGE_VA);
	return expect_flagged(ctx, &s, LARGE_VA, LARGE_PAGES, PTE_P);
}

SELFTEST(paging_wx_scan)
{
	struct wx_scan before, after;
	enum selftest_result r;
	int level = 0;

	if (!paging_nx)
		return selftest_skip(ctx, "no NX on this CPU: every page is executable");
	uint64_t us = walk_now(&before);
	if ((r = expect_clean(ctx, &before, "before")) || (r = scratch_page(ctx)) ||
	    (r = scratch_large(ctx, &level)))
		return r;
	walk_now(&after);
	if ((r = expect_clean(ctx, &after, "after")))
		return r;
	return selftest_pass(ctx,
			     "%lu pages (%lu text) in %lu us: none writable and executable, none "
			     "executable outside text; a rwx page and 2 MiB r-x (level %d) found",
			     before.pages, before.exec, us, level);
}
