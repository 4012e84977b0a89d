/*
 * The order in which a Xen guest's own subsystems start, once the CPUs,
 * events and memory are up: the platform's bus_init op names only this
 * function, so arch/x86/xen knows nothing of what drivers/xen holds.
 */
#include <amphi/printk.h>
#include <asm/xen/xen.h>
#include <drivers/xen/balloon.h>
#include <drivers/xen/console.h>
#include <drivers/xen/control.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/init.h>
#include <drivers/xen/xenbus.h>
#include <drivers/xen/xenstore.h>

/* Across a suspend (arch/x86/xen/suspend.c holds the order of the whole):
 * the devices stop, the balloon finishes its batch and holds, then the
 * store is drained and held; on the way back
 * the grant frames, the console and the store come first, since the
 * devices reconnect through them. */
static int xen_drivers_quiesce(void)
{
	int rc;

	if ((rc = xenbus_suspend()))
		return rc;
	balloon_suspend();
	if ((rc = xs_suspend())) {
		balloon_resume();
		xenbus_resume(false);
	}
	return rc;
}

static void xen_drivers_resume(bool new_domain)
{
	if (new_domain) {
		gnttab_resume();
		xen_console_ring_resume();
	}
	xs_resume(new_domain);
	if (new_domain)
		xen_control_resume();
	balloon_resume();
	xenbus_resume(new_domain);
}

static const struct xen_suspend_drivers xen_drivers_suspend = {
    .quiesce = xen_drivers_quiesce,
    .resume = xen_drivers_resume,
};

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
	xen_suspend_set_drivers(&xen_drivers_suspend);
	if ((rc = xen_control_init()))
		pr_err("xen: control node unavailable (%d)\n", rc);
	if ((rc = xen_vcpu_hotplug_init()))
		pr_err("xen: vCPU hotplug unavailable (%d)\n", rc);
	balloon_init(); /* follows memory/target; reports its own failures */
}
