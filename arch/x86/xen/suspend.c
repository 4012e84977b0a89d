/*
 * Suspending the domain for xl save (work in progress: only the
 * cancelled resume, xl save -c, is handled).  Every other CPU goes
 * offline first, so that one vCPU is left to suspend; on Xen PV the store
 * and console frames in start_info become pseudo-physical, as the
 * toolstack expects of a suspended guest, and SCHEDOP_shutdown carries
 * start_info's machine frame.  Xen returns 1 when the suspend was
 * cancelled (the domain goes on where it was) and 0 in a new domain.
 */
#include <amphi/boot.h>
#include <amphi/cpu.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/smp.h>
#include <asm/paravirt.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

static long xen_suspend_hypercall(void)
{
	struct sched_shutdown r = {.reason = SHUTDOWN_suspend};
	start_info_t *si = (start_info_t *)xen_start_info;
	unsigned long si_mfn;
	long rc;

	if (boot_info.entry != BOOT_ENTRY_XEN_PV)
		return hypercall_sched_op(SCHEDOP_shutdown, &r);
	si_mfn = (unsigned long)(xen_pv_virt_to_machine(si) >> PAGE_SHIFT);
	si->store_mfn = xen_pv_mfn_to_pfn(si->store_mfn);
	si->console.domU.mfn = xen_pv_mfn_to_pfn(si->console.domU.mfn);
	rc = HC(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &r, si_mfn, 0, 0);
	si->store_mfn = xen_pv_pfn_to_mfn(si->store_mfn);
	si->console.domU.mfn = xen_pv_pfn_to_mfn(si->console.domU.mfn);
	return rc;
}

int xen_suspend(void)
{
	bool was_online[NR_CPUS] = {false};
	unsigned long flags;
	long rc;

	for (unsigned int i = 1; i < nr_cpus_present; i++)
		if (cpus[i].online && !cpu_offline(i))
			was_online[i] = true;
	flags = local_irq_save();
	rc = xen_suspend_hypercall();
	local_irq_restore(flags);
	pr_notice("xen: suspend returned %ld (%s)\n", rc,
		  rc == 1 ? "cancelled: going on in place" : rc == 0 ? "a new domain" : "refused");
	if (rc == 0) {
		pr_err("xen: resuming in a new domain is not done yet: powering off\n");
		power_off(POWER_FAILURE);
	}
	for (unsigned int i = 1; i < nr_cpus_present; i++)
		if (was_online[i] && cpu_online(i))
			pr_err("xen: CPU %u did not come back after the suspend\n", i);
	return rc == 1 ? 0 : (int)rc;
}
