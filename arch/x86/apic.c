/*
 * The local APIC, the one interrupt controller every x86-64 CPU has.  When
 * CPUID offers x2APIC it is used: its registers are MSRs, reached through
 * the rdmsr/wrmsr paravirt ops, with no MMIO page to map.  Otherwise the
 * xAPIC page is mapped with ioremap(), never assumed to be identity-mapped,
 * since the paging code decides what the low 4 GiB look like.
 *
 * Every local interrupt source starts masked: the timer is set up by
 * apic_timer.c, LINT0 (where the firmware wires the 8259s as ExtINT) stays
 * masked because the PICs are not used, and LINT1 keeps the board's NMI.
 */
#include <amphi/printk.h>
#include <amphi/time.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/paravirt.h>
#include <asm/trap.h>
#include <asm/tsc.h>

#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_ECX_X2APIC (1u << 21)

enum apic_mode apic_mode;
static volatile uint32_t *apic_mmio;
static uint64_t apic_phys;
static unsigned int apic_errors;

/* xAPIC keeps its 8-bit ID in the top byte of the register; x2APIC's
 * register is the whole 32-bit ID. */
uint32_t apic_id(void)
{
	uint32_t v = apic_read(APIC_ID);

	return apic_mode == APIC_MODE_X2APIC ? v : v >> 24;
}

uint32_t apic_read(unsigned int reg)
{
	if (apic_mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + reg / 16);
	return apic_mmio[reg / 4];
}

void apic_write(unsigned int reg, uint32_t val)
{
	if (apic_mode == APIC_MODE_X2APIC)
		wrmsr(MSR_X2APIC_FIRST + reg / 16, val);
	else
		apic_mmio[reg / 4] = val;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

bool apic_irr_pending(unsigned int vector)
{
	return apic_read(APIC_IRR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static bool apic_isr_any(void)
{
	for (unsigned int i = 0; i < 8; i++)
		if (apic_read(APIC_ISR + i * 0x10))
			return true;
	return false;
}

/* The transition from disabled straight to x2APIC is invalid, so the
 * global enable goes first. */
static void apic_enable_x2apic(uint64_t base)
{
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	apic_mode = APIC_MODE_X2APIC;
}

static void apic_enable_xapic(uint64_t base)
{
	if (base & APIC_BASE_X2APIC)
		panic("apic: firmware left x2APIC on but CPUID does not offer it");
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	apic_phys = base & APIC_BASE_ADDR_MASK;
	apic_mmio = ioremap(apic_phys, PAGE_SIZE);
	if (!apic_mmio)
		panic("apic: cannot map the xAPIC registers at %#lx", apic_phys);
	apic_mode = APIC_MODE_XAPIC;
}

/* The spurious vector needs no EOI: nothing is in service. */
static void apic_spurious_irq(struct trap_frame *f, void *arg)
{
}

static void apic_error_irq(struct trap_frame *f, void *arg)
{
	apic_write(APIC_ESR, 0); /* latches the errors into ESR */
	uint32_t esr = apic_read(APIC_ESR);

	if (apic_errors++ < 8)
		pr_err("apic: error interrupt, ESR %#x\n", esr);
	apic_eoi();
}

static void apic_setup_lvt(void)
{
	unsigned int max_lvt = (apic_read(APIC_VERSION) >> 16) & 0xff;

	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_LAPIC_TIMER);
	if (max_lvt >= 4)
		apic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (max_lvt >= 5)
		apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_NMI);
	apic_write(APIC_LVT_ERROR, VECTOR_APIC_ERROR);
	/* ESR is written before it is read; two writes clear old errors. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
	/* Anything the firmware left in service would block every vector
	 * of its priority and below. */
	for (int i = 0; i < 256 && apic_isr_any(); i++)
		apic_eoi();
}

void apic_init(void)
{
	struct cpuid_regs r = pv_cpuid(1, 0);

	if (!(r.edx & CPUID_1_EDX_APIC))
		panic("apic: this CPU has no local APIC (CPUID.1:EDX bit 9); "
		      "Amphi needs it for its timer");
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (r.ecx & CPUID_1_ECX_X2APIC)
		apic_enable_x2apic(base);
	else
		apic_enable_xapic(base);
	if (irq_vector_register(VECTOR_SPURIOUS, apic_spurious_irq, NULL) ||
	    irq_vector_register(VECTOR_APIC_ERROR, apic_error_irq, NULL))
		panic("apic: the spurious and error vectors are taken");
	apic_setup_lvt();
	irq_set_ack(apic_eoi);
	if (apic_mode == APIC_MODE_X2APIC)
		pr_info("apic: x2APIC mode, id %u, version %#x\n", apic_read(APIC_ID),
			apic_read(APIC_VERSION) & 0xff);
	else
		pr_info("apic: xAPIC mode, registers at %#lx (mapped at %p), id %u, version %#x\n",
			apic_phys, (void *)apic_mmio, apic_read(APIC_ID) >> 24,
			apic_read(APIC_VERSION) & 0xff);
}

/* Another CPU's own LAPIC, in the mode the boot CPU chose: each CPU
 * switches its own to x2APIC, and sets up its own local interrupts. */
void apic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (apic_mode == APIC_MODE_X2APIC) {
		if (!(base & APIC_BASE_ENABLE))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else if (!(base & APIC_BASE_ENABLE)) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	}
	apic_setup_lvt();
}

/* x2APIC's ICR is one 64-bit MSR, the destination in its top half; the
 * xAPIC's is two registers, the destination first, and the write of the
 * low half sends.  xAPIC shows a send still in progress (delivery status):
 * it is waited for, at most a millisecond. */
bool apic_send_ipi(uint32_t dest_apic_id, uint32_t icr)
{
	if (apic_mode == APIC_MODE_X2APIC) {
		wrmsr(MSR_X2APIC_FIRST + APIC_ICR / 16, (uint64_t)dest_apic_id << 32 | icr);
		return true;
	}
	apic_write(APIC_ICR_HIGH, dest_apic_id << 24);
	apic_write(APIC_ICR, icr);
	uint64_t end = sched_clock() + NSEC_PER_MSEC;

	while (apic_read(APIC_ICR) & APIC_ICR_PENDING)
		if (sched_clock() > end)
			return false;
	return true;
}

/* platform_ops.irq_init natively: IDT vectors, the PICs out of the way,
 * then the LAPIC.  Interrupts stay off. */
void native_irq_init(void)
{
	irq_idt_init();
	pic_init();
	apic_init();
}

/* platform_ops.time_init natively: the TSC is the clock, the LAPIC timer
 * the event timer. */
void native_time_init(void)
{
	tsc_init();
	apic_timer_init();
}
