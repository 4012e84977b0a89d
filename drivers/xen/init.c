/*
 * The order in which a Xen guest's own subsystems start, once the CPUs,
 * events and memory are up: the platform's bus_init op names only this
 * function, so arch/x86/xen knows nothing of what drivers/xen holds.
 */
#include <amphi/printk.h>
#include <drivers/xen/balloon.h>
#include <drivers/xen/control.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/init.h>
#include <drivers/xen/xenbus.h>
#include <drivers/xen/xenstore.h>

/* What a Xen guest finds beyond its CPU, in dependency order.  Grant
 * tables need no store; without a store (a dom0 before xenstored runs)
 * there are no xenbus devices to probe. */
void xen_drivers_init(void)
{
	int rc = gnttab_init();

	if (rc)
		pr_err("xen: grant tables unavailable (%d)\n", rc);
	rc = xs_init();
	xen_hypervisor_info_init();
	if (rc) {
		pr_info("xen: no xenstore (%d): no xenbus devices\n", rc);
		return;
	}
	if ((rc = xenbus_probe_init()))
		pr_err("xen: xenbus probe failed (%d)\n", rc);
	if ((rc = xen_control_init()))
		pr_err("xen: control node unavailable (%d)\n", rc);
	if ((rc = xen_vcpu_hotplug_init()))
		pr_err("xen: vCPU hotplug unavailable (%d)\n", rc);
	balloon_init(); /* follows memory/target; reports its own failures */
}
