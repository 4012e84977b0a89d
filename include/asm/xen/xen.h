/* Shared by the Xen PV and PVH platforms (arch/x86/xen/). */
#ifndef ASM_XEN_XEN_H
#define ASM_XEN_XEN_H
#include <amphi/platform.h>

void xen_report(void);
void xen_console_init(const char *want, void *ring, uint32_t evtchn);
void xen_power_off(enum power_status status) __noreturn;
void xen_restart(void) __noreturn;

/* Xen PV: trap table (arch/x86/xen/traps_pv.c) and fault address. */
void xen_pv_traps_init(void);
uint64_t xen_pv_read_cr2(void);

#endif
