/*
 * Xen PVH: frames of Xen's own (the shared info page, grant-table frames)
 * placed in our guest-physical space.  A translated guest names a guest
 * frame and Xen puts its frame there (XENMEM_add_to_physmap), releasing
 * the RAM page that was at that frame into its own heap as it is: Xen
 * clears a freed page only when the domain dies, so another domain may be
 * handed it.  So the frame, taken from our allocator and kept for good, is
 * cleared first.  The domain's reservation is one page smaller afterwards,
 * which the caller accounts for where it must (the balloon counts pages).
 * In a domain restored from a save, Xen's frames are placed again where
 * they were (xen_pvh_put_xen_frame): the RAM the restore put there goes.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

/* Xen's frame `idx` of `space` at guest frame pfn: 0, or -EIO. */
int xen_pvh_put_xen_frame(unsigned int space, unsigned long idx, uint64_t pfn)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = (xen_pfn_t)pfn};
	long rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc) {
		pr_err("xen-pvh: XENMEM_add_to_physmap(space %u, index %lu) failed (%ld)\n", space,
		       idx, rc);
		return -EIO;
	}
	return 0;
}

int64_t xen_pvh_place_xen_frame(unsigned int space, unsigned long idx)
{
	int64_t pfn = mm_frame_alloc();

	if (pfn < 0)
		return -ENOMEM;
	if (!mm_is_mapped((uint64_t)pfn << PAGE_SHIFT, PAGE_SIZE)) {
		mm_frame_free((uint64_t)pfn);
		return -ENOMEM;
	}
	memset(pfn_to_virt((uint64_t)pfn), 0, PAGE_SIZE);
	if (xen_pvh_put_xen_frame(space, idx, (uint64_t)pfn)) {
		/* Xen left our RAM page where it was: the frame is still ours. */
		mm_frame_free((uint64_t)pfn);
		return -EIO;
	}
	return pfn;
}
