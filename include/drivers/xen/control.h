/*
 * What the toolstack asks of a guest through xenstore
 * (drivers/xen/control.c): control/shutdown (poweroff, reboot, halt,
 * crash), control/sysrq, and the control/feature-* keys that tell xl the
 * guest answers them; and the hypervisor's description of itself, like
 * Linux's /sys/hypervisor (drivers/xen/hypervisor.c).
 */
#ifndef DRIVERS_XEN_CONTROL_H
#define DRIVERS_XEN_CONTROL_H

int xen_control_init(void);
/* After a restore: the features written again to the new store. */
void xen_control_resume(void);
/* Follows cpu/N/availability: xl vcpu-set (drivers/xen/vcpu_hotplug.c). */
int xen_vcpu_hotplug_init(void);
/* Reads what Xen and the store say about this domain (domid, uuid...). */
void xen_hypervisor_info_init(void);

#endif
