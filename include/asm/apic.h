/*
 * The local APIC (arch/x86/apic.c, its timer in arch/x86/apic_timer.c) and
 * the legacy 8259 PICs it replaces (arch/x86/pic.c).  Registers are named
 * by their xAPIC MMIO offsets; in x2APIC mode the same register is MSR
 * 0x800 + offset / 16, so apic_read() and apic_write() hide which mode the
 * CPU is in.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H
#include <amphi/types.h>

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100 /* 8 registers of 32 vectors, 0x10 apart */
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_ICR_INIT (5u << 8)
#define APIC_ICR_STARTUP (6u << 8)
#define APIC_ICR_PENDING (1u << 12)
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_NMI (4u << 8)
#define APIC_LVT_TIMER_ONESHOT (0u << 17)
#define APIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_TIMER_DIVIDE_16 0x3

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800

/* The LAPIC's error interrupt; the other kernel vectors are in amphi/irq.h. */
#define VECTOR_APIC_ERROR 0xfe

enum apic_mode {
	APIC_MODE_NONE,
	APIC_MODE_XAPIC,
	APIC_MODE_X2APIC,
};

extern enum apic_mode apic_mode;

uint32_t apic_read(unsigned int reg);
/* This CPU's local APIC ID, xAPIC or x2APIC; after apic_init. */
uint32_t apic_id(void);
/* Another CPU's LAPIC, set up by that CPU the way apic_init set the boot
 * CPU's. */
void apic_init_cpu(void);
/* Sends an interprocessor interrupt (the ICR's low word: vector, delivery
 * mode, level) to the CPU with that APIC ID; false when an xAPIC did not
 * take it within a millisecond. */
bool apic_send_ipi(uint32_t dest_apic_id, uint32_t icr);
void apic_write(unsigned int reg, uint32_t val);
/* Ends the interrupt in service.  Interrupts off. */
void apic_eoi(void);
/* Whether `vector` is waiting in the IRR: how a timer is seen to fire
 * while interrupts are still off. */
bool apic_irr_pending(unsigned int vector);

/* Chooses x2APIC or xAPIC, enables the LAPIC with the spurious and error
 * vectors, and masks every local interrupt source.  Panics, saying why,
 * when there is no LAPIC. */
void apic_init(void);
/* Picks TSC-deadline or one-shot mode, calibrates, checks that the timer
 * fires and registers it as the clock event.  After tsc_init(). */
void apic_timer_init(void);
/* Another CPU's timer, as the boot CPU's, and its tick started. */
void apic_timer_init_cpu(void);

/* Timer interrupts that found no deadline due yet (early, a step of a long
 * count-down, or left over from the boot-time check). */
extern uint64_t apic_timer_early;
const char *apic_timer_mode_name(void);

/* Remaps the 8259s to vectors 0x20-0x2f and masks every line. */
void pic_init(void);
#define PIC_VECTOR_BASE 0x20

#endif
