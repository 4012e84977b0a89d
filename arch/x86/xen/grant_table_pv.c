/*
 * Xen PV: where the grant table lives in our address space.  Its frames
 * are Xen's, shared with us; GNTTABOP_setup_table tells us their machine
 * frames.  They have no pseudo-physical frame of ours, so the direct map
 * cannot reach them: they are mapped at a virtual range kept for them, by
 * an update that names the machine frame itself (update_va_mapping), once
 * the ordinary walker has built the page tables above that address.  Our
 * own pages are named to the other side by machine frame.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <asm/pgtable.h>
#include <asm/xen/grant_table.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

/* Kept for the grant table: room for GNTTAB_PV_MAX_FRAMES frames. */
#define GNTTAB_PV_VA VA_GRANT_TABLE
#define GNTTAB_PV_MAX_FRAMES 1024

/* Maps machine frame `mfn` writable at va, which the walker has not
 * mapped: a not-present entry written through it creates the tables. */
static int map_machine_frame(unsigned long va, uint64_t mfn)
{
	pteval_t pte = (mfn << PAGE_SHIFT) | PTE_P | PTE_W | (paging_nx ? PTE_NX : 0);
	long rc;

	if (pgtable_map_page(pgtable_root(), va, 0, 0))
		return -ENOMEM;
	rc = hypercall_update_va_mapping(va, pte, UVMF_INVLPG);
	if (rc) {
		pr_err("gnttab-pv: mapping machine frame %#lx at %#lx refused (%ld)\n",
		       (unsigned long)mfn, va, rc);
		return -EIO;
	}
	return 0;
}

/* How many table frames are mapped at GNTTAB_PV_VA (under the table's
 * lock, or with one CPU left and interrupts off across a suspend). */
static unsigned int pv_mapped;

/* Asks Xen for a table of `want` frames and maps the new ones. */
static int pv_map(unsigned int have, unsigned int want, grant_entry_v1_t **va)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = want};
	xen_pfn_t *mfns;
	int rc = 0;
	long hc;

	if (want > GNTTAB_PV_MAX_FRAMES)
		return -ENOSPC;
	mfns = kmalloc(want * sizeof(*mfns));
	if (!mfns)
		return -ENOMEM;
	set_xen_guest_handle(st.frame_list, mfns);
	hc = hypercall_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (hc || st.status != GNTST_okay) {
		pr_err("gnttab-pv: GNTTABOP_setup_table(%u frames) failed (%ld, status %d)\n", want,
		       hc, st.status);
		rc = -EIO;
	}
	for (unsigned int i = have; !rc && i < want; i++) {
		unsigned long addr = GNTTAB_PV_VA + (unsigned long)i * PAGE_SIZE;

		rc = map_machine_frame(addr, mfns[i]);
		if (!rc) {
			va[i] = (grant_entry_v1_t *)addr;
			pv_mapped = i + 1;
		}
	}
	kfree(mfns);
	return rc;
}

/* The saver refuses page tables that map frames not the domain's own:
 * before a suspend the table's frames are unmapped, and mapped again
 * after it (the same frames when cancelled, Xen's new ones in a new
 * domain, at the same addresses either way). */
void xen_pv_gnttab_unmap(void)
{
	for (unsigned int i = 0; i < pv_mapped; i++)
		hypercall_update_va_mapping(GNTTAB_PV_VA + (unsigned long)i * PAGE_SIZE, 0,
					    UVMF_INVLPG);
}

static int pv_remap(unsigned int n, grant_entry_v1_t **va)
{
	unsigned int had = pv_mapped;

	pv_mapped = 0;
	return n && n == had ? pv_map(0, n, va) : 0;
}

int xen_pv_gnttab_remap(void)
{
	grant_entry_v1_t **va = kmalloc((pv_mapped ? pv_mapped : 1) * sizeof(*va));
	int rc;

	if (!va)
		return -ENOMEM;
	rc = pv_remap(pv_mapped, va);
	kfree(va);
	return rc;
}

static uint64_t pv_frame_of(const void *p)
{
	uint64_t mfn;

	if (!mm_is_mapped(__pa(p), 1))
		return GNTTAB_NO_FRAME;
	/* xen_pv_virt_to_machine gives an all-ones frame for a pfn without
	 * a machine frame. */
	mfn = xen_pv_virt_to_machine(p) >> PAGE_SHIFT;
	return mfn == (~0ULL >> PAGE_SHIFT) ? GNTTAB_NO_FRAME : mfn;
}

const struct gnttab_frame_ops gnttab_pv_frame_ops = {
    .name = "GNTTABOP_setup_table, mapped by machine frame",
    .map = pv_map,
    .remap = pv_remap,
    .frame_of = pv_frame_of,
};
