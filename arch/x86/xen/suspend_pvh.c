/*
 * Suspend on Xen PVH: the hypercall is the plain SCHEDOP_shutdown with
 * SHUTDOWN_suspend, and the toolstack saves the memory and the vCPUs'
 * HVM state on its own.  In a new domain, what Xen kept outside our
 * memory is gone: the shared info page is placed again at the same guest
 * frame (so every pointer into it stays good), vCPU 0's vcpu_info
 * registered again, the event callback vector set again, and the store
 * and console ports, which the restore chose anew, read from the HVM
 * params.
 */
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

static long xen_pvh_suspend_hypercall(void)
{
	struct sched_shutdown r = {.reason = SHUTDOWN_suspend};

	return hypercall_sched_op(SCHEDOP_shutdown, &r);
}

static int xen_pvh_resume_new(void)
{
	int rc = xen_pvh_irq_resume();

	if (!rc)
		xen_pvh_read_params();
	return rc;
}

const struct xen_suspend_mode xen_pvh_suspend_mode = {
    .hypercall = xen_pvh_suspend_hypercall,
    .new_domain = xen_pvh_resume_new,
};
