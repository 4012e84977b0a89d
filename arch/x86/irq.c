/*
 * Interrupt vectors 32-255 on the IDT that arch/x86/traps.c built for the
 * exceptions.  Every vector gets a stub (irq_entry.S), so an interrupt
 * nobody asked for lands here, is reported once and acknowledged, and the
 * kernel goes on: a stray vector must never become a fake exception or a
 * hang.  Handlers run with interrupts off (the gates are interrupt gates)
 * and are followed by irq_exit(), where the scheduler may switch threads.
 */
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/shell.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/irq.h>
#include <asm/paravirt.h>
#include <asm/trap.h>
#include <asm/user.h>

/* From arch/x86/traps.c: the IDT the exception gates are in. */

struct irq_slot {
	irq_handler_t handler;
	void *arg;
};

static struct irq_slot irq_slots[IRQ_VECTORS];
static uint64_t irq_counts[IRQ_VECTORS];
static uint64_t irq_reported[IRQ_VECTORS / 64];
static void (*irq_ack)(void);
static bool irq_idt_done;

static struct idt_gate irq_gate(uint64_t addr)
{
	return (struct idt_gate){
	    .off_lo = addr & 0xffff,
	    .sel = KERNEL_CS,
	    .type = 0x8e, /* present, DPL 0, interrupt gate: IF cleared */
	    .off_mid = (addr >> 16) & 0xffff,
	    .off_hi = addr >> 32,
	};
}

void irq_idt_init(void)
{
	struct idt_gate *idt = idt_table();

	if (irq_idt_done)
		return;
	for (unsigned int v = VECTOR_FIRST_EXTERNAL; v < IRQ_VECTORS; v++) {
		struct idt_gate g = irq_gate(irq_stub_table[v - VECTOR_FIRST_EXTERNAL]);

		write_idt_entry(idt, (int)v, &g);
	}
	/* Reloading the same table is harmless natively and tells a
	 * paravirtualized IDT (if one ever exists) about the new gates. */
	struct desc_ptr p = {IRQ_VECTORS * sizeof(struct idt_gate) - 1, (uintptr_t)idt};
	load_idt(&p);
	irq_idt_done = true;
}

bool irq_idt_ready(void)
{
	return irq_idt_done;
}

void irq_set_ack(void (*ack)(void))
{
	irq_ack = ack;
}

int irq_vector_register(unsigned int vector, irq_handler_t handler, void *arg)
{
	if (vector < VECTOR_FIRST_EXTERNAL || vector >= IRQ_VECTORS || !handler) {
		pr_err("irq: cannot register vector %u: only 32-255, with a handler\n", vector);
		return -1;
	}
	if (!irq_idt_done) {
		pr_err("irq: cannot register vector %u: irq_idt_init() has not run "
		       "(no IDT interrupts on this platform?)\n",
		       vector);
		return -1;
	}
	unsigned long flags = local_irq_save();
	int ret = -1;

	if (!irq_slots[vector].handler) {
		irq_slots[vector].arg = arg;
		irq_slots[vector].handler = handler;
		ret = 0;
	}
	local_irq_restore(flags);
	if (ret)
		pr_err("irq: vector %#x already has a handler\n", vector);
	return ret;
}

void irq_vector_unregister(unsigned int vector)
{
	if (vector >= IRQ_VECTORS)
		return;
	unsigned long flags = local_irq_save();

	irq_slots[vector] = (struct irq_slot){NULL, NULL};
	local_irq_restore(flags);
}

uint64_t irq_count(unsigned int vector)
{
	return vector < IRQ_VECTORS ? READ_ONCE(irq_counts[vector]) : 0;
}

/* Reported once per vector, so a storm cannot flood the console. */
static void irq_unhandled(unsigned int vector)
{
	uint64_t bit = 1ULL << (vector % 64);

	if (!(irq_reported[vector / 64] & bit)) {
		irq_reported[vector / 64] |= bit;
		pr_err("irq: unexpected interrupt on vector %u (%#x), no handler; "
		       "acknowledged and ignored from now on\n",
		       vector, vector);
	}
	if (irq_ack)
		irq_ack();
}

void irq_dispatch(struct trap_frame *f)
{
	unsigned int vector = (unsigned int)f->vector;
	struct irq_slot slot = irq_slots[vector];

	__atomic_fetch_add(&irq_counts[vector], 1, __ATOMIC_RELAXED); /* any CPU */
	irq_depth++;
	if (slot.handler)
		slot.handler(f, slot.arg);
	else
		irq_unhandled(vector);
	irq_depth--;
	irq_exit();
	/* Back to a program: signals it has to take are delivered now (a
	 * program that never makes a system call takes them at the tick). */
	if (user_mode(f) && signal_pending(current_process()))
		user_return_work();
}

static bool irq_is_pic(unsigned int v)
{
	return v >= PIC_VECTOR_BASE && v < PIC_VECTOR_BASE + 16;
}

/* Names for the vectors the kernel itself assigns, for the report. */
static const char *irq_vector_label(unsigned int v)
{
	switch (v) {
	case VECTOR_LAPIC_TIMER:
		return "LAPIC timer";
	case VECTOR_XEN_CALLBACK:
		return "Xen callback";
	case VECTOR_SPURIOUS:
		return "LAPIC spurious";
	case VECTOR_APIC_ERROR:
		return "LAPIC error";
	}
	if (irq_is_pic(v))
		return "legacy PIC (masked)";
	return "";
}

/* The 16 masked PIC vectors are listed only once something arrived on
 * one of them. */
SHELL_CMD(irq, "interrupt vectors: handlers and counts since boot")
{
	unsigned int shown = 0, quiet_pic = 0;

	if (!irq_idt_done) {
		kprintf("no IDT interrupt vectors on this platform (events arrive by upcall)\n");
		return 0;
	}
	kprintf("vector  count         handler  what\n");
	for (unsigned int v = VECTOR_FIRST_EXTERNAL; v < IRQ_VECTORS; v++) {
		bool has = irq_slots[v].handler != NULL;

		if (!irq_counts[v] && (!has || irq_is_pic(v))) {
			quiet_pic += has;
			continue;
		}
		kprintf("  %#4x  %-12lu  %-7s  %s\n", v, irq_counts[v], has ? "yes" : "none",
			irq_vector_label(v));
		shown++;
	}
	if (quiet_pic)
		kprintf("  (%u legacy PIC vectors with a handler and no interrupts not shown)\n",
			quiet_pic);
	kprintf("%u vectors shown, interrupt depth %u\n", shown, irq_depth);
	return 0;
}
