/*
 * Suspend on Xen PV, where the toolstack saves our page tables and P2M
 * and rewrites them with the new machine frames on restore.  Its saver
 * refuses page tables that map frames not the domain's own, so before
 * the hypercall the grant table's frames are unmapped and the shared
 * info page's address gets its own page back; start_info's store and
 * console frames become pseudo-physical, as the toolstack expects of a
 * suspended guest, and SCHEDOP_shutdown carries start_info's machine
 * frame.  Cancelled, all of it is undone.  In a new domain the restore
 * has written start_info afresh (machine frames again, new ports, the
 * new shared info page's frame): that page is mapped at the same
 * address, vCPU 0's vcpu_info and syscall callbacks registered again,
 * and the P2M's tree, which names the list's pages by their old machine
 * frames, built and published again for the next save.
 */
#include <amphi/cpu.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

static void xen_pv_start_info_frames(bool to_pfn)
{
	start_info_t *si = (start_info_t *)xen_start_info;
	unsigned long (*conv)(unsigned long) = to_pfn ? xen_pv_mfn_to_pfn : xen_pv_pfn_to_mfn;

	if (si->flags & SIF_INITDOMAIN)
		return;
	si->store_mfn = conv(si->store_mfn);
	si->console.domU.mfn = conv(si->console.domU.mfn);
}

static long xen_pv_suspend_hypercall(void)
{
	struct sched_shutdown r = {.reason = SHUTDOWN_suspend};
	unsigned long si_mfn =
	    (unsigned long)(xen_pv_virt_to_machine(xen_start_info) >> PAGE_SHIFT);
	long rc;

	xen_pv_gnttab_unmap();
	xen_pv_unmap_shared_info();
	xen_pv_start_info_frames(true);
	rc = HC(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &r, si_mfn, 0, 0);
	if (rc == 0)
		return 0;
	xen_pv_start_info_frames(false);
	xen_pv_map_shared_info();
	xen_pv_gnttab_remap();
	return rc;
}

static int xen_pv_resume_new(void)
{
	struct cpu *c = this_cpu();
	int rc;

	c->vcpu_info = NULL;
	if ((rc = (int)xen_pv_map_shared_info()))
		return rc;
	if ((rc = xen_pv_vcpu_info_register(c)))
		return rc;
	xen_pv_p2m_republish();
	xen_pv_read_start_info();
	xen_pv_user_callbacks();
	return 0;
}

const struct xen_suspend_mode xen_pv_suspend_mode = {
    .hypercall = xen_pv_suspend_hypercall,
    .new_domain = xen_pv_resume_new,
};
