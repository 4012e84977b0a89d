/*
 * Xen event channels (drivers/xen/events.c), the 2-level ABI: a pending
 * and a mask bit per port in the shared info page, and a per-vCPU selector
 * word saying which words of pending bits to look at.  A driver binds a
 * port to a handler; the handler runs in interrupt context, with events
 * off, from evtchn_do_upcall(), which the Xen PV upcall and the PVH
 * callback vector both call.
 *
 * Every bind returns the local port (>= 0) or a negative Xen error code;
 * a bound port starts unmasked.  Binding may allocate, so it is done from
 * thread context, never from a handler.
 *
 * Any CPU may bind, move and close ports while handlers run on others.
 * A handler runs on the vCPU its port is bound to, never on two CPUs at
 * once; once evtchn_close returns it runs no more.
 */
#ifndef DRIVERS_XEN_EVENTS_H
#define DRIVERS_XEN_EVENTS_H
#include <amphi/types.h>
#include <xen/event_channel.h>

/* The 2-level ABI's port count: 64 words of 64 bits on x86-64. */
#define EVTCHN_NR_PORTS EVTCHN_2L_NR_CHANNELS

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* Masks every port and readies the handler table.  The shared info page
 * must be mapped (xen_shared_info). */
void evtchn_init(void);
/* In a domain restored from a save: every binding forgotten (Xen kept
 * none), every port masked; their owners bind again.  One CPU left,
 * interrupts off. */
void evtchn_resume_forget(void);
/* Handles every pending, unmasked port.  Called with events off. */
void evtchn_do_upcall(void);

/* A per-vCPU or global virtual interrupt (VIRQ_*), bound on the calling
 * CPU's vCPU. */
int evtchn_bind_virq(uint32_t virq, evtchn_handler_t fn, void *arg, const char *name);
/* The same on a given vCPU (VIRQ_TIMER for a vCPU about to start). */
int evtchn_bind_virq_vcpu(uint32_t virq, uint32_t vcpu, evtchn_handler_t fn, void *arg,
			  const char *name);
/* A port we send to ourselves, delivered to the calling CPU's vCPU: an
 * inter-processor interrupt. */
int evtchn_bind_ipi(evtchn_handler_t fn, void *arg, const char *name);
/* The same delivered to a given vCPU (one about to start, or another). */
int evtchn_bind_ipi_vcpu(uint32_t vcpu, evtchn_handler_t fn, void *arg, const char *name);
/* Connects to a port another domain allocated for us. */
int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_handler_t fn,
			    void *arg, const char *name);
/* A fresh port that `remote_dom` may later connect to. */
int evtchn_alloc_unbound(domid_t remote_dom, evtchn_handler_t fn, void *arg, const char *name);
/* A port that already exists (a console or xenstore port from start_info or
 * an HVM param): attach a handler and unmask it. */
int evtchn_bind_existing(evtchn_port_t port, evtchn_handler_t fn, void *arg, const char *name);
/* Masks the port, forgets its handler, waits for a handler still running
 * on another CPU, and closes it in Xen. */
int evtchn_close(evtchn_port_t port);
/* Delivers the port's events to CPU `cpu`'s vCPU from now on
 * (EVTCHNOP_bind_vcpu): interdomain, unbound and global VIRQ ports; Xen
 * refuses per-vCPU VIRQs and IPIs.  0, or a negative Xen error code (the
 * binding is then unchanged). */
int evtchn_bind_vcpu(evtchn_port_t port, unsigned int cpu);
/* The vCPU (Xen's number) the port is bound to, or -1 when it is not. */
int evtchn_port_vcpu(evtchn_port_t port);
/* On CPU `cpu`, going offline, interrupts off: its ports that can move
 * (interdomain, unbound, existing) go to the first online CPU, so that no
 * event waits for a stopped vCPU.  Its IPI and VIRQ ports stay. */
void evtchn_cpu_offline(unsigned int cpu);

void evtchn_mask(evtchn_port_t port);
/* Clears the mask; an event that arrived while masked is delivered. */
void evtchn_unmask(evtchn_port_t port);
/* Notifies the other end (for an IPI port, ourselves). */
int evtchn_send(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
/* Drops a pending event without delivering it. */
void evtchn_clear_pending(evtchn_port_t port);
/* Events delivered to the port's handler since it was bound. */
uint64_t evtchn_delivered(evtchn_port_t port);
/* The port the next scan starts at, one past the last served (for the
 * round-robin selftest). */
unsigned int evtchn_scan_next(void);

#endif
