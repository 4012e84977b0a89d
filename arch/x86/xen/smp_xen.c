/*
 * The vCPUs of a Xen guest, PV or PVH: Xen numbers them from 0 up to the
 * domain's maximum, and VCPUOP_is_up answers for each that exists (up or
 * down) and refuses with -ENOENT past the last.  vCPU 0 is the one the
 * domain boots on.  Starting one differs per mode (smp_pvh.c, smp_pv.c):
 * each gets the vCPU going and the new vCPU says it is online here.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/time.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/vcpu.h>

/* Far above any domain's vCPU count: the loop ends at Xen's -ENOENT. */
#define XEN_VCPUS_LIMIT 8192
#define XEN_ONLINE_WAIT_NS NSEC_PER_SEC

/* The vCPUs into cpus[]; how they were found, for the report. */
static void xen_smp_enumerate(char *how, size_t len)
{
	unsigned int vcpus = 1;

	for (unsigned int v = 1; v < XEN_VCPUS_LIMIT; v++) {
		struct cpu *c;

		if (hypercall_vcpu_op(VCPUOP_is_up, v, NULL) < 0)
			break;
		vcpus++;
		if ((c = cpu_add_present()))
			c->xen_vcpu_id = v;
	}
	snprintf(how, len, "Xen: %u vCPU%s", vcpus, vcpus == 1 ? "" : "s");
}

void xen_smp_init_with(int (*cpu_up)(struct cpu *c))
{
	char how[48];
	int rc;

	xen_smp_enumerate(how, sizeof(how));
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		xen_spinlock_prepare_cpu(&cpus[i]); /* vCPU 0's kick port too */
	for (unsigned int i = 1; cpu_up && i < nr_cpus_present; i++)
		if ((rc = cpu_up(&cpus[i])) || !cpu_wait_online(&cpus[i], XEN_ONLINE_WAIT_NS))
			pr_err("smp: vCPU %u did not come up (%d)\n", cpus[i].xen_vcpu_id,
			       rc ? rc : -ETIMEDOUT);
	smp_report(how);
}
