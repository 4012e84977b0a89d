/*
 * Xen time (arch/x86/xen/time.c): the pvclock behind sched_clock and the
 * VIRQ_TIMER event timer.  What is here beyond xen.h's init calls exists
 * for the PVH event setup, which starts the clock once the shared info page
 * is mapped, and for the selftests.
 */
#ifndef ASM_XEN_PVCLOCK_H
#define ASM_XEN_PVCLOCK_H
#include <amphi/types.h>
#include <amphi/time.h>

/* ((delta << shift) * mul) >> 32, the pvclock scaling, in 64-bit
 * arithmetic (pure: the host can check it). */
uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift);
/* Xen system time (ns since Xen booted), from this CPU's vcpu_time_info. */
uint64_t xen_system_time(void);
/* Takes the current Xen system time as sched_clock's zero; sched_clock
 * reads 0 until then.  Needs the shared info page; idempotent. */
void xen_clock_start(void);
/* The Xen system time that sched_clock counts from. */
uint64_t xen_clock_zero(void);

/* The event timer: its clock_event, its port (-1 before xen_time_init),
 * and the VIRQ_TIMER events it has taken. */
extern struct clock_event xen_clock_event;
int xen_timer_port(void);
uint64_t xen_timer_virqs(void);

#endif
