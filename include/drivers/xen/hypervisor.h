/*
 * What this domain knows about itself and the Xen under it
 * (drivers/xen/hypervisor.c): feature bits, its domain id and the uuid the
 * toolstack gave it.  Grant tables need the domain id to grant a page to
 * ourselves in their selftests; the `hypervisor` command shows the rest.
 */
#ifndef DRIVERS_XEN_HYPERVISOR_H
#define DRIVERS_XEN_HYPERVISOR_H
#include <amphi/types.h>

/* Whether Xen reports XENFEAT_<feature> (xen/features.h); false when not
 * on Xen. */
bool xen_has_feature(unsigned int feature);
/* This domain's id (dom0 is 0; a PVH domU finds it in Xen's CPUID leaf; a
 * PV domU only in the store): >= 0, or -ENOENT while unknown. */
int xen_domid(void);
/* The domain's uuid as the toolstack wrote it ("/vm/<uuid>"), checked
 * for form; NULL while unknown. */
const char *xen_vm_uuid(void);

#endif
