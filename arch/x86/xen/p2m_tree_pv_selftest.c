/*
 * Selftest of the P2M tree a Xen PV guest publishes for the toolstack
 * (p2m_tree_pv.c), read the way the toolstack reads it: from shared_info,
 * by machine frame only, each frame turned back into ours through Xen's
 * M2P table.  Every entry reached must be the P2M's own for that pfn,
 * slots past the end must be empty, and after the list grows (as the
 * balloon makes it) the tree must follow.
 */
#include <amphi/boot.h>
#include <amphi/printf.h>
#include <amphi/selftest.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <asm/page.h>

#define PER_PAGE (PAGE_SIZE / sizeof(unsigned long))

/* Our page behind machine frame mfn, or NULL (the direct map is 1:1). */
static const unsigned long *p2m_page_of(unsigned long mfn)
{
	unsigned long pfn = xen_pv_mfn_to_pfn(mfn);

	return pfn == ~0UL ? NULL : (const unsigned long *)pfn_to_virt(pfn);
}

/* The tree against the P2M, entry by entry: NULL, or what is wrong. */
static const char *p2m_tree_check(char *buf, size_t len, unsigned long *entries)
{
	unsigned long max = __atomic_load_n(&xen_shared_info->arch.max_pfn, __ATOMIC_ACQUIRE);
	unsigned long leaves = (max + PER_PAGE - 1) / PER_PAGE;
	const unsigned long *top = p2m_page_of(xen_shared_info->arch.pfn_to_mfn_frame_list_list);

	*entries = max;
	if (max != xen_pv_p2m_size())
		return snprintf(buf, len, "max_pfn %lu, the list has %lu", max, xen_pv_p2m_size()),
		       buf;
	if (!top)
		return "the frame-list-list frame is not ours";
	for (unsigned long j = 0; j < PER_PAGE; j++) {
		const unsigned long *mid = j * PER_PAGE < leaves ? p2m_page_of(top[j]) : NULL;

		if (j * PER_PAGE >= leaves) {
			if (top[j])
				return snprintf(buf, len, "top slot %lu is set past the end", j),
				       buf;
			continue;
		}
		if (!mid)
			return snprintf(buf, len, "mid page %lu is not ours", j), buf;
		for (unsigned long k = 0; k < PER_PAGE; k++) {
			unsigned long i = j * PER_PAGE + k;
			const unsigned long *leaf = i < leaves ? p2m_page_of(mid[k]) : NULL;

			if (i >= leaves) {
				if (mid[k])
					return snprintf(buf, len,
							"mid %lu slot %lu set past the end", j, k),
					       buf;
				continue;
			}
			if (!leaf)
				return snprintf(buf, len, "leaf page %lu is not ours", i), buf;
			for (unsigned long e = 0; e < PER_PAGE && i * PER_PAGE + e < max; e++)
				if (leaf[e] != xen_pv_pfn_to_mfn(i * PER_PAGE + e))
					return snprintf(buf, len,
							"pfn %lu reads mfn %#lx through the tree, "
							"%#lx in the P2M",
							i * PER_PAGE + e, leaf[e],
							xen_pv_pfn_to_mfn(i * PER_PAGE + e)),
					       buf;
		}
	}
	return NULL;
}

SELFTEST(xen_pv_p2m_tree)
{
	char why[120];
	const char *bad;
	unsigned long before, after;

	if (boot_info.entry != BOOT_ENTRY_XEN_PV)
		return selftest_skip(ctx, "the P2M tree is a Xen PV guest's");
	if ((bad = p2m_tree_check(why, sizeof(why), &before)))
		return selftest_fail(ctx, "%s", bad);
	/* One more page of entries, all invalid, as the balloon grows it. */
	if (xen_pv_p2m_grow(before + PER_PAGE))
		return selftest_error(ctx, "no memory to grow the P2M");
	if ((bad = p2m_tree_check(why, sizeof(why), &after)))
		return selftest_fail(ctx, "after growing to %lu entries: %s", before + PER_PAGE,
				     bad);
	if (after != before + PER_PAGE)
		return selftest_fail(ctx, "grown to %lu entries, max_pfn says %lu",
				     before + PER_PAGE, after);
	return selftest_pass(
	    ctx, "shared_info's tree reaches all %lu entries by machine frame, and %lu once grown",
	    before, after);
}
