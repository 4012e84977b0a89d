/*
 * Interrupts.  On the native and PVH paths, devices and timers interrupt
 * through IDT vectors 32-255 (arch/x86/irq.c); on Xen PV everything arrives
 * as events through the upcall (drivers/xen/events.c).  Either way, the
 * last thing an interrupt does before returning is irq_exit(), where the
 * scheduler may switch threads.
 */
#ifndef AMPHI_IRQ_H
#define AMPHI_IRQ_H
#include <amphi/cpu.h>
#include <amphi/types.h>

struct trap_frame;

/* The vectors the kernel itself uses. */
#define VECTOR_FIRST_EXTERNAL 32
#define VECTOR_LAPIC_TIMER 0xec
#define VECTOR_XEN_CALLBACK 0xf3
#define VECTOR_IPI_CALL 0xfc /* native IPIs (amphi/smp.h) */
#define VECTOR_IPI_RESCHEDULE 0xfd
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct trap_frame *f, void *arg);

/* Installs a handler for an IDT vector (32..255): 0, or -1 when the vector
 * is out of range or taken.  Natively and on PVH only. */
int irq_vector_register(unsigned int vector, irq_handler_t handler, void *arg);

/* Interrupts taken since boot, for the shell's `irq` report. */
uint64_t irq_count(unsigned int vector);

/* Called by every interrupt path just before it returns, with interrupts
 * off (kernel/sched.c). */
void irq_exit(void);

/* This CPU's interrupt nesting depth: nonzero inside a handler. */
#define irq_depth (this_cpu()->irq_depth)

#endif
