/*
 * The balloon against the real Xen: shrink by a few MiB and grow back,
 * checking Xen's own count (XENMEM_current_reservation) after each step,
 * that pages the kernel kept hold their contents, that frames given back
 * are neither free in the allocator nor handed out by it, that while out
 * they are gone (PV: no direct-map pte, an invalid P2M entry; PVH: no RAM
 * behind the guest frame in Xen's P2M), and that a frame taken back is
 * RAM again (PV: mapped again at its own address).  A frame made ready
 * to go must read as zeros through Xen (balloon_release_clears).
 */
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <drivers/xen/balloon.h>
#include <drivers/xen/grant_table.h>
#include "grant_table_selftest.h"

#define TEST_PAGES (4 * 256) /* 4 MiB */
#define KEPT 32
#define ALLOC_PROBE 256
#define INVALID_MFN (~0UL)
/* What frame_gone saw of every frame out, for the result line. */
#define GONE (xen_start_info ? "unmapped, P2M invalid" : "not RAM in Xen's P2M")

static uint64_t kept[KEPT];
static uint64_t out0; /* frames out before the test: PVH's unpopulated RAM */

static uint64_t pattern(uint64_t pfn, unsigned i)
{
	return (pfn << 20) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void kept_fill(void)
{
	for (unsigned k = 0; k < KEPT; k++) {
		uint64_t *p = (uint64_t *)pfn_to_virt(kept[k]);

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			p[i] = pattern(kept[k], i);
	}
}

static bool kept_intact(void)
{
	for (unsigned k = 0; k < KEPT; k++) {
		const uint64_t *p = (const uint64_t *)pfn_to_virt(kept[k]);

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			if (p[i] != pattern(kept[k], i))
				return false;
	}
	return true;
}

/* Allocates ALLOC_PROBE frames and frees them: false when one was out. */
static bool allocator_avoids_out(uint64_t *bad)
{
	static int64_t got[ALLOC_PROBE];
	bool ok = true;
	unsigned n;

	for (n = 0; n < ALLOC_PROBE && (got[n] = mm_frame_alloc()) >= 0; n++)
		if (balloon_is_out(got[n]) && ok) {
			*bad = got[n];
			ok = false;
		}
	while (n--)
		mm_frame_free(got[n]);
	return ok;
}

/* The first frame given back, and whether every one is held from the
 * allocator; *first = -1 when none is out. */
static bool out_frames_held(int64_t *first, uint64_t *count)
{
	*first = -1;
	*count = 0;
	for (uint64_t pfn = 0; pfn < frames.nframes; pfn++) {
		if (!balloon_is_out(pfn))
			continue;
		if (*first < 0)
			*first = pfn;
		++*count;
		if (frame_is_free(&frames, pfn))
			return false;
	}
	return true;
}

/* What Xen's P2M holds at a guest frame of ours (PVH): an HVMMEM_ type,
 * or a negative errno. */
static long pvh_mem_type(uint64_t pfn)
{
	struct xen_hvm_get_mem_type op = {.domid = DOMID_SELF, .pfn = pfn};
	long rc = hypercall_hvm_op(HVMOP_get_mem_type, &op);

	return rc ? rc : op.mem_type;
}

/* A frame given back must be gone from everything that could reach it.
 * PV: no pte in the direct map (Xen frees no frame still mapped, and a
 * stale pte would reach whoever gets the machine frame next) and no
 * machine frame in the P2M (so no new pte can be made for it).  PVH: the
 * kernel's own mapping stays, by design; what must be gone is the RAM
 * behind the guest frame in Xen's P2M, which Xen then reports as
 * HVMMEM_mmio_dm ("not RAM: an access goes to a device model").  Reading
 * the frame would show nothing more: Xen decides what such a read
 * returns.  *why says what was still there. */
static bool frame_gone(uint64_t pfn, const char **why)
{
	int level;

	if (!xen_start_info) {
		long t = pvh_mem_type(pfn);

		*why = t < 0 ? "HVMOP_get_mem_type failed" : "Xen's P2M still has RAM there";
		return t == HVMMEM_mmio_dm;
	}
	*why = "its direct-map pte is still present";
	if (pgtable_lookup(pgtable_root(), (uintptr_t)pfn_to_virt(pfn), &level) & PTE_P)
		return false;
	*why = "its P2M entry still names a machine frame";
	return xen_pv_pfn_to_mfn(pfn) == INVALID_MFN;
}

/* Every frame out is gone (frame_gone); else the first that is not. */
static bool out_frames_gone(uint64_t *bad, const char **why)
{
	for (uint64_t pfn = 0; pfn < frames.nframes; pfn++)
		if (balloon_is_out(pfn) && !frame_gone(pfn, why)) {
			*bad = pfn;
			return false;
		}
	return true;
}

static enum selftest_result balloon_check_out(struct selftest_ctx *ctx, int64_t *first)
{
	uint64_t count, bad;
	const char *why;

	if (!out_frames_held(first, &count))
		return selftest_fail(ctx, "a frame given back is free in the allocator");
	if (count != out0 + TEST_PAGES)
		return selftest_fail(ctx, "%lu frames out, expected %lu", count, out0 + TEST_PAGES);
	if (!allocator_avoids_out(&bad))
		return selftest_fail(ctx, "the allocator handed out frame %#lx, given back", bad);
	if (!out_frames_gone(&bad, &why))
		return selftest_fail(ctx, "frame %#lx is given back, yet %s", bad, why);
	return SELFTEST_SUCCESS;
}

/* Sets a target and waits for the balloon to meet it.  With `first`
 * (a shrink), the frames out are checked before Xen's count, so that a
 * frame Xen could not take (still mapped, say) is named as the reason
 * its count did not move. */
static enum selftest_result balloon_move(struct selftest_ctx *ctx, uint64_t kib, long want_res,
					 const char *step, int64_t *first)
{
	enum selftest_result r;

	balloon_set_target_kib(kib, "a selftest's");
	if (!balloon_wait_settled(10 * NSEC_PER_SEC))
		return selftest_fail(ctx, "%s to %lu KiB did not settle", step, kib);
	if (first && (r = balloon_check_out(ctx, first)))
		return r;
	long res = balloon_xen_reservation();

	if (res != want_res)
		return selftest_fail(ctx, "%s: Xen reports %ld pages, expected %ld", step, res,
				     want_res);
	if (!kept_intact())
		return selftest_fail(ctx, "%s: a kept page lost its pattern", step);
	return SELFTEST_SUCCESS;
}

/* A frame taken back must be RAM again: PV, mapped again at its own
 * address (the P2M and Xen's M2P agree on it); PVH, RAM in Xen's P2M.
 * And it must not be out any more. */
static bool frame_back(uint64_t pfn)
{
	int level;
	pteval_t e = pgtable_lookup(pgtable_root(), (uintptr_t)pfn_to_virt(pfn), &level);

	if (balloon_is_out(pfn))
		return false;
	if (!xen_start_info)
		return pvh_mem_type(pfn) == HVMMEM_ram_rw;
	return (e & PTE_P) && level == 1 && (e & PTE_ADDR) == pfn << PAGE_SHIFT;
}

static enum selftest_result balloon_round(struct selftest_ctx *ctx, uint64_t base_kib, long res0)
{
	enum selftest_result r;
	int64_t first;

	if ((r = balloon_move(ctx, base_kib - TEST_PAGES * 4, res0 - TEST_PAGES, "shrink", &first)))
		return r;
	if ((r = balloon_move(ctx, base_kib, res0, "grow", NULL)))
		return r;
	if (!frame_back(first))
		return selftest_fail(ctx,
				     "frame %#lx given back and taken again is not RAM again "
				     "(PV: mapped at its own address; PVH: RAM in Xen's P2M)",
				     first);
	if (out0 < TEST_PAGES || balloon_xen_max_reservation() < res0 + TEST_PAGES)
		return selftest_pass(ctx,
				     "-%u pages and back (Xen: %ld); pattern intact, "
				     "out frames held and %s; no room to grow past boot",
				     TEST_PAGES, res0, GONE);
	/* Unpopulated RAM (PVH, maxmem above memory): grow into it and back. */
	if ((r = balloon_move(ctx, base_kib + TEST_PAGES * 4, res0 + TEST_PAGES, "grow above",
			      NULL)))
		return r;
	if ((r = balloon_move(ctx, base_kib, res0, "back to boot", NULL)))
		return r;
	return selftest_pass(ctx,
			     "-%u pages and back, +%u past boot and back (Xen: %ld); "
			     "pattern intact, out frames held and %s",
			     TEST_PAGES, TEST_PAGES, res0, GONE);
}

SELFTEST(balloon)
{
	struct balloon_stats s;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not on Xen: nothing to give memory back to");
	if (hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0: its memory is not ballooned here");
	if (!balloon_running())
		return selftest_error(ctx, "the balloon did not start in this domU");
	if (!balloon_wait_settled(10 * NSEC_PER_SEC))
		return selftest_error(ctx, "the balloon is not at its first target");
	balloon_get_stats(&s);
	if (s.current_pages != s.boot_pages)
		return selftest_skip(ctx,
				     "the toolstack already moved the target (%lu pages, "
				     "booted with %lu)",
				     s.current_pages, s.boot_pages);
	out0 = s.ballooned_pages;
	long res0 = balloon_xen_reservation();

	if (res0 != (long)s.current_pages)
		return selftest_fail(ctx, "Xen reports %ld pages, the balloon counts %lu", res0,
				     s.current_pages);
	for (unsigned k = 0; k < KEPT; k++) {
		int64_t pfn = mm_frame_alloc();

		if (pfn < 0)
			return selftest_error(ctx, "no frame for the pattern");
		kept[k] = pfn;
	}
	kept_fill();
	enum selftest_result r = balloon_round(ctx, balloon_base_kib(), res0);

	for (unsigned k = 0; k < KEPT; k++)
		mm_frame_free(kept[k]);
	return r;
}

/* A frame made ready to go back to Xen holds nothing of what it held, as
 * Xen reads it (Xen hands it on as it is).  The frame is restored, not
 * given back, so the test costs Xen nothing. */
SELFTEST(balloon_release_clears)
{
	enum selftest_result r;
	int rc;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not on Xen: nothing to give memory back to");
	if (!balloon_running())
		return selftest_skip(ctx, "the balloon does not run here (dom0, or no store)");
	if ((rc = gnttab_init())) /* names our frames as Xen knows them */
		return selftest_error(ctx, "gnttab_init failed (%d)", rc);
	int64_t pfn = mm_frame_alloc();
	if (pfn < 0 || !mm_is_mapped((uint64_t)pfn << PAGE_SHIFT, PAGE_SIZE)) {
		if (pfn >= 0)
			mm_frame_free(pfn);
		return selftest_error(ctx, "no mapped frame to try");
	}
	memset((void *)pfn_to_virt(pfn), GNTTAB_DIRTY_BYTE, PAGE_SIZE);
	uint64_t frame = balloon_frame_release(pfn);
	r = gnttab_expect_zero_frame(ctx, "a frame filled, then made ready to go", frame);
	if ((rc = balloon_frame_restore(pfn, frame)))
		return selftest_error(ctx, "frame %#lx could not be mapped again (%d): lost", pfn,
				      rc);
	mm_frame_free(pfn);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "frame %#lx filled with %#x, made ready to go (Xen's frame %#lx): "
			     "4096 zero bytes as Xen reads it",
			     pfn, GNTTAB_DIRTY_BYTE, frame);
}
