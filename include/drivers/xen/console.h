/* Xen consoles (drivers/xen/console_io.c, drivers/xen/console_ring.c). */
#ifndef DRIVERS_XEN_CONSOLE_H
#define DRIVERS_XEN_CONSOLE_H
#include <amphi/types.h>

/* earlyprintk=xen: Xen's own console through the console_io hypercall. */
void xen_console_io_register_early(void);
/* dom0's hvc0: also console_io, with input. */
void xen_console_io_register_hvc0(void);
/* A domU's hvc0: the shared console ring and its event channel. */
void xen_console_ring_register(void *ring, uint32_t evtchn);
/* After a restore: the new port in xen_info bound again. */
void xen_console_ring_resume(void);

#endif
