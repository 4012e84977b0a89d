/* Fuzz target: Xen PV's start_info (arch/x86/xen/start_info.c): the
 * command line, the boot memory and the end of Xen's bootstrap region.
 *
 * The input is a start_info, then start_info's address and the console's
 * and xenstore's pseudo-physical frames (what the kernel looks up in the
 * M2P).  The memory map must be the nr_pages given or, refused, nothing;
 * the bootstrap end must be page aligned, past start_info's page and
 * every region that did not wrap, or else name what wrapped. */
#include "fuzz.h"
#include <asm/xen/start_info.h>

static struct boot_info bi;

/* Does the region [base, base + len) fit below end? */
static bool below(uint64_t end, uint64_t base, uint64_t len)
{
	return base + len < base || base + len <= end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	start_info_t *si = malloc(sizeof(*si));
	uint64_t addr[3], end;
	const char *why;

	fuzz_take(&data, &size, si, sizeof(*si));
	fuzz_take(&data, &size, addr, sizeof(addr));
	memset(&bi, 0, sizeof(bi));
	xen_pv_start_info_parse(si, &bi);
	FUZZ_CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
	FUZZ_CHECK(bi.nproblems > 0 ||
		   memmap_total(&bi.memmap, MEMMAP_RAM) == (uint64_t)si->nr_pages << PAGE_SHIFT);
	FUZZ_CHECK_MODULE(bi);
	if (bi.module.len)
		FUZZ_CHECK(bi.module.len == si->mod_len &&
			   bi.module.paddr == (si->flags & SIF_MOD_START_PFN
						   ? si->mod_start << PAGE_SHIFT
						   : si->mod_start));
	else
		FUZZ_CHECK(!si->mod_start || bi.nproblems > 0);
	end = xen_pv_bootstrap_end(si, addr[0], addr[1], addr[2], &why);
	FUZZ_CHECK(end % PAGE_SIZE == 0 && end >= PAGE_SIZE);
	if (!why) {
		FUZZ_CHECK(below(end, si->pt_base, si->nr_pt_frames * PAGE_SIZE));
		FUZZ_CHECK(below(end, si->mfn_list, si->nr_pages * 8));
		FUZZ_CHECK(below(end, addr[0], PAGE_SIZE));
		if (!(si->flags & SIF_INITDOMAIN))
			FUZZ_CHECK(end > addr[1] << PAGE_SHIFT && end > addr[2] << PAGE_SHIFT);
	}
	free(si);
	return 0;
}
