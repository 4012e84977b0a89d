/*
 * Xen PV's start_info, the decisions taken on it: the command line, the
 * boot memory, the module (xl's ramdisk=: the initramfs), and how far Xen's bootstrap region (page
 * tables, P2M list, start_info, module, console and xenstore pages) reaches.
 *
 * Pure code (the host fuzzes it, tests/fuzz/fuzz_start_info.c), given
 * start_info with its addresses pseudo-physical (setup_pv.c converts
 * Xen's virtual ones).  Xen
 * fills start_info, but a number in it that cannot be right (a page count
 * beyond the address space, a region whose end wraps) must not become a
 * wrong memory map in silence: such a field is refused, noted in
 * boot_info (start_info is read before any console) and the rest used.
 */
#include <asm/xen/start_info.h>
#include <amphi/string.h>

/* The pages a 64-bit address space can hold: an end at 2^64 wraps. */
#define PV_PAGES_MAX ((UINT64_MAX >> PAGE_SHIFT) - 1)

static const char *const pv_module_why[3] = {
    "start_info: more than one module", /* start_info has room for one */
    "start_info: the module is empty: ignored",
    "start_info: the module's end wraps: ignored",
};

/* mod_start is an address in Xen's initial mapping, given here made
 * pseudo-physical by the caller (arch/x86/xen/setup_pv.c: Xen's is the
 * virtual one, at VIRT_BASE), or a frame number when Xen says so
 * (SIF_MOD_START_PFN). */
static void pv_module(const start_info_t *si, struct boot_info *bi)
{
	uint64_t paddr = si->mod_start;

	if (!si->mod_start)
		return;
	if (si->flags & SIF_MOD_START_PFN) {
		if (paddr > PV_PAGES_MAX) {
			boot_problem(bi, "start_info: the module's frame is beyond the address "
					 "space: ignored");
			return;
		}
		paddr <<= PAGE_SHIFT;
	}
	boot_module_add(bi, paddr, si->mod_len, pv_module_why);
}

void xen_pv_start_info_parse(const start_info_t *si, struct boot_info *bi)
{
	if (memcmp(si->magic, "xen-3.0-x86_64", 14))
		boot_problem(bi, "start_info: the magic is not xen-3.0-x86_64");
	bi->cmdline_truncated = boot_copy_string(bi->cmdline, sizeof(bi->cmdline),
						 (const char *)si->cmd_line, sizeof(si->cmd_line));
	if (si->nr_pages == 0 || si->nr_pages > PV_PAGES_MAX)
		boot_problem(bi, "start_info: nr_pages is 0 or beyond the address space: no "
				 "memory map");
	else
		memmap_add(&bi->memmap, 0, (uint64_t)si->nr_pages << PAGE_SHIFT, MEMMAP_RAM);
	bi->memmap_source = "start_info";
	pv_module(si, bi);
}

/* Moves *end up to base + len, unless that wraps. */
static bool pv_reach(uint64_t *end, uint64_t base, uint64_t len)
{
	if (base + len < base)
		return false;
	*end = MAX(*end, base + len);
	return true;
}

/* Each region's end, when it does not wrap: the page tables, the P2M
 * list, start_info's own page, a module given by address, and a domU's
 * console and xenstore pages (their pseudo-physical frames, which the
 * caller looked up).  Xen's bootstrap stack follows the page tables. */
uint64_t xen_pv_bootstrap_end(const start_info_t *si, uint64_t si_addr, uint64_t console_pfn,
			      uint64_t store_pfn, const char **why)
{
	uint64_t end = 0;

	*why = NULL;
	if (si->nr_pt_frames > PV_PAGES_MAX ||
	    !pv_reach(&end, si->pt_base, si->nr_pt_frames << PAGE_SHIFT))
		*why = "the page tables' end wraps";
	if (si->nr_pages > UINT64_MAX / sizeof(unsigned long) ||
	    !pv_reach(&end, si->mfn_list, si->nr_pages * sizeof(unsigned long)))
		*why = "the P2M list's end wraps";
	if (!pv_reach(&end, si_addr, PAGE_SIZE))
		*why = "start_info's page wraps";
	if (si->mod_start && !(si->flags & SIF_MOD_START_PFN) &&
	    !pv_reach(&end, si->mod_start, si->mod_len))
		*why = "the module's end wraps";
	if (!(si->flags & SIF_INITDOMAIN)) {
		if (console_pfn > PV_PAGES_MAX || store_pfn > PV_PAGES_MAX)
			*why = "the console or xenstore page is beyond the address space";
		else
			end = MAX(end, (MAX(console_pfn, store_pfn) + 1) << PAGE_SHIFT);
	}
	/* Room for the stack page and the rounding up. */
	if (end > UINT64_MAX - 2 * PAGE_SIZE) {
		*why = "the region reaches the end of the address space";
		end = UINT64_MAX - 2 * PAGE_SIZE;
	}
	return ALIGN_UP(end, PAGE_SIZE) + PAGE_SIZE;
}
