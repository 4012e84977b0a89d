/*
 * Xen PVH: where the grant table lives in our address space.  A
 * translated guest chooses the guest frames itself and asks Xen to place
 * each table frame there (XENMEM_add_to_physmap, XENMAPSPACE_grant_table);
 * a frame from our allocator serves, mapped like all our RAM at its own
 * address.  Xen releases the RAM page that was at that frame, so the frame
 * stays allocated for good.  Our pages are named by guest frame.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <asm/xen/grant_table.h>
#include <asm/xen/hypercall.h>

static int pvh_map_one(unsigned int idx, grant_entry_v1_t **va)
{
	int64_t pfn = mm_frame_alloc();
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF,
	    .space = XENMAPSPACE_grant_table,
	    .idx = idx,
	};
	long rc;

	if (pfn < 0)
		return -ENOMEM;
	if (!mm_is_mapped((uint64_t)pfn << PAGE_SHIFT, PAGE_SIZE)) {
		mm_frame_free((uint64_t)pfn);
		return -ENOMEM;
	}
	xatp.gpfn = (xen_pfn_t)pfn;
	rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc) {
		/* Xen left our RAM page where it was: the frame is still ours. */
		mm_frame_free((uint64_t)pfn);
		pr_err("gnttab-pvh: XENMEM_add_to_physmap(grant table frame %u) failed (%ld)\n",
		       idx, rc);
		return -EIO;
	}
	*va = (grant_entry_v1_t *)(uintptr_t)((uint64_t)pfn << PAGE_SHIFT);
	return 0;
}

/* Called with interrupts off (the table lock), as the frame allocator
 * wants. */
static int pvh_map(unsigned int have, unsigned int want, grant_entry_v1_t **va)
{
	for (unsigned int i = have; i < want; i++) {
		int rc = pvh_map_one(i, &va[i]);

		if (rc)
			return rc;
	}
	return 0;
}

static uint64_t pvh_frame_of(const void *p)
{
	if (!mm_is_mapped((uintptr_t)p, 1))
		return GNTTAB_NO_FRAME;
	return (uintptr_t)p >> PAGE_SHIFT;
}

const struct gnttab_frame_ops gnttab_pvh_frame_ops = {
    .name = "XENMEM_add_to_physmap, by guest frame",
    .map = pvh_map,
    .frame_of = pvh_frame_of,
};
