/*
 * Xen PVH: where the grant table lives in our address space.  A
 * translated guest chooses the guest frames itself and asks Xen to place
 * each table frame there (XENMEM_add_to_physmap, XENMAPSPACE_grant_table);
 * a frame from our allocator serves, mapped like all our RAM at its own
 * address (physmap_pvh.c).  Xen releases the RAM page that was at that
 * frame, so the frame stays allocated for good and each table frame costs
 * the domain a page of its reservation.  Our pages are named by guest
 * frame.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <asm/xen/grant_table.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

static int pvh_map_one(unsigned int idx, grant_entry_v1_t **va)
{
	int64_t pfn = xen_pvh_place_xen_frame(XENMAPSPACE_grant_table, idx);

	if (pfn < 0)
		return (int)pfn;
	*va = pfn_to_virt((uint64_t)pfn);
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

/* In a domain restored from a save, Xen's table frames are placed again
 * at the guest frames they had, so every entry pointer stays good. */
static int pvh_remap(unsigned int n, grant_entry_v1_t **va)
{
	for (unsigned int i = 0; i < n; i++) {
		int rc = xen_pvh_put_xen_frame(XENMAPSPACE_grant_table, i, virt_to_pfn(va[i]));

		if (rc)
			return rc;
	}
	return 0;
}

static uint64_t pvh_frame_of(const void *p)
{
	if (!mm_is_mapped(__pa(p), 1))
		return GNTTAB_NO_FRAME;
	return virt_to_pfn(p);
}

const struct gnttab_frame_ops gnttab_pvh_frame_ops = {
    .name = "XENMEM_add_to_physmap, by guest frame",
    .takes_ram = true,
    .map = pvh_map,
    .remap = pvh_remap,
    .frame_of = pvh_frame_of,
};
