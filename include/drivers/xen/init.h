/*
 * The entry into drivers/xen: platform_ops.bus_init on Xen PV and PVH.
 */
#ifndef DRIVERS_XEN_INIT_H
#define DRIVERS_XEN_INIT_H

/* Grant tables, the store, xenbus and its drivers, control, vCPU hotplug
 * and the balloon, in that order; each reports its own failure. */
void xen_drivers_init(void);

#endif
