/*
 * The vCPUs of a Xen guest, PV or PVH: Xen numbers them from 0 up to the
 * domain's maximum, and VCPUOP_is_up answers for each that exists (up or
 * down) and refuses with -ENOENT past the last.  vCPU 0 is the one the
 * domain boots on.
 */
#include <amphi/cpu.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/vcpu.h>

/* Far above any domain's vCPU count: the loop ends at Xen's -ENOENT. */
#define XEN_VCPUS_LIMIT 8192

void xen_smp_init(void)
{
	unsigned int vcpus = 1;
	char how[48];

	for (unsigned int v = 1; v < XEN_VCPUS_LIMIT; v++) {
		struct cpu *c;

		if (hypercall_vcpu_op(VCPUOP_is_up, v, NULL) < 0)
			break;
		vcpus++;
		if ((c = cpu_add_present()))
			c->xen_vcpu_id = v;
	}
	snprintf(how, sizeof(how), "Xen: %u vCPU%s", vcpus, vcpus == 1 ? "" : "s");
	smp_report(how);
}
