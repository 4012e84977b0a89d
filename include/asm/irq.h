/*
 * The x86 half of amphi/irq.h: IDT vectors 32-255 (arch/x86/irq.c and
 * arch/x86/irq_entry.S).  The exception vectors 0-31 belong to
 * arch/x86/traps.c; this adds the external vectors to the same IDT, which
 * is why a platform that uses IDT interrupts (native, KVM, Xen PVH) calls
 * irq_idt_init() from its irq_init before registering any handler.  Xen PV
 * has no IDT of its own and never calls it.
 */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H
#include <amphi/irq.h>

#define IRQ_VECTORS 256
#define IRQ_STUBS (IRQ_VECTORS - VECTOR_FIRST_EXTERNAL)

/* The entry stubs for vectors 32..255, in vector order (irq_entry.S). */
extern const uint64_t irq_stub_table[IRQ_STUBS];

/* The common entry path calls this with the frame the stub built. */
void irq_dispatch(struct trap_frame *f);

/* Adds gates for vectors 32..255 to the IDT of arch/x86/traps.c.  Called
 * with interrupts off, after traps_init; a second call does nothing. */
void irq_idt_init(void);
/* Whether irq_idt_init() has run: the IDT vectors exist on this platform. */
bool irq_idt_ready(void);

/* How an interrupt with no handler is acknowledged (the local APIC's EOI
 * natively); without one it is only counted and reported. */
void irq_set_ack(void (*ack)(void));

/* Removes a handler irq_vector_register() installed (for selftests). */
void irq_vector_unregister(unsigned int vector);

#endif
