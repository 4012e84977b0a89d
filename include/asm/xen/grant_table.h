/*
 * How the grant table reaches our address space, which is the one part of
 * grant tables that differs between Xen PV and PVH: a PV guest is told the
 * machine frames of the table (GNTTABOP_setup_table) and maps them with its
 * own page-table updates, and names its pages by machine frame; a PVH guest
 * chooses guest frames and asks Xen to put the table there
 * (XENMEM_add_to_physmap), and names its pages by guest frame.  The common
 * code (drivers/xen/grant_table.c) picks one of the two by
 * XENFEAT_auto_translated_physmap, the feature that tells the two apart.
 */
#ifndef ASM_XEN_GRANT_TABLE_H
#define ASM_XEN_GRANT_TABLE_H
#include <amphi/types.h>
#include <asm/xen/hypercall.h>

/* Version 1 entries per 4 KiB table frame. */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))

struct gnttab_frame_ops {
	const char *name;
	/* Makes table frames [have, want) reachable and stores their kernel
	 * addresses in va[have..want-1]; frames below `have` stay where they
	 * are.  0, or a negative errno.  Called with the table lock held. */
	int (*map)(unsigned int have, unsigned int want, grant_entry_v1_t **va);
	/* The frame number a grant entry names for the kernel page at p
	 * (machine frame on PV, guest frame on PVH); ~0 when p is not a page
	 * of ours. */
	uint64_t (*frame_of)(const void *p);
	/* In a domain restored from a save: frames [0, n) made reachable
	 * again at va[] (NULL where the mode cannot yet).  0 or -errno. */
	int (*remap)(unsigned int n, grant_entry_v1_t **va);
	/* Each frame mapped takes a page of the domain's RAM for good (PVH:
	 * Xen releases the page it is placed over). */
	bool takes_ram;
};

extern const struct gnttab_frame_ops gnttab_pv_frame_ops;
extern const struct gnttab_frame_ops gnttab_pvh_frame_ops;

#define GNTTAB_NO_FRAME (~0ULL)

/* For the selftests (drivers/xen/grant_table_selftest.c): the shared
 * entry of a reference, NULL when it is beyond the table; and the table's
 * size now and at most, in frames. */
grant_entry_v1_t *gnttab_shared_entry(grant_ref_t ref);
unsigned int gnttab_nr_frames(void);
unsigned int gnttab_max_frames(void);
/* The frame number of a kernel page, as a grant entry names it. */
uint64_t gnttab_frame_of(const void *p);

#endif
