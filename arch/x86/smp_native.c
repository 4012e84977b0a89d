/*
 * SMP on bare hardware (and PVH outside Xen, as QEMU boots it): the CPUs
 * are the enabled local APIC and x2APIC entries of ACPI's MADT, the boot
 * CPU the one whose APIC ID this CPU reads.  Entries that are only
 * online-capable are CPUs that may be plugged in later: counted, not
 * present.  A missing or malformed MADT leaves the boot CPU alone, and
 * says why.
 *
 * Each other CPU is started the way the MP specification says: an INIT
 * IPI, 10 ms, then a startup IPI naming the page of the real-mode
 * trampoline (arch/x86/boot/trampoline.S), and a second one 200 us later
 * if the CPU has not answered.  The boot CPU prepares everything the new
 * one needs first (its GDT, TSS and fatal stack, its idle thread and the
 * stack it boots on), because the heap is only for the boot CPU for now;
 * the new CPU loads them, sets up its LAPIC and its timer, says it is
 * online and becomes its idle thread.  A CPU that does not come up within
 * five seconds is reported and left out.
 *
 * IPIs between running CPUs are fixed-delivery interrupts on two vectors
 * of the shared IDT, sent to the target's APIC ID.
 *
 * A CPU taken offline halts with interrupts off; bringing it back is the
 * same INIT-SIPI-SIPI as at boot, with what was prepared for it kept.
 */
#include <amphi/acpi.h>
#include <amphi/boot.h>
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/mm.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define ONLINE_WAIT_NS (5 * NSEC_PER_SEC)

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[], ap_tr_gdt[], ap_tr_gdt_ptr[],
    ap_tr_pm32[], ap_tr_pm32_ptr[], ap_tr_lm64[], ap_tr_lm64_ptr[], ap_tr_cr3[];
void ap_main(void) __noreturn;

/* What trampoline.S's ap_start64 loads, in this order. */
struct {
	uint64_t cr4, cr3, stack, cpu;
} ap_boot;

static uint64_t trampoline_pa;

static struct acpi_cpu madt_cpus[NR_CPUS];

/* The MADT's CPUs into cpus[]; how they were found, for the report. */
static void native_smp_enumerate(char *how, size_t len)
{
	struct acpi_madt_info info;
	const char *why;
	size_t madt_len;
	const void *madt = acpi_find_table(&boot_info, "APIC", &madt_len);
	unsigned int later = 0;

	if (!madt) {
		snprintf(how, len, "no MADT: the boot CPU alone");
		return;
	}
	if (acpi_madt_parse(madt, madt_len, madt_cpus, NR_CPUS, &info, &why)) {
		pr_err("smp: the MADT is malformed (%s): the boot CPU alone\n", why);
		snprintf(how, len, "malformed MADT");
		return;
	}
	for (unsigned int i = 0; i < info.stored; i++) {
		struct cpu *c;

		if (!madt_cpus[i].enabled) {
			later++;
			continue;
		}
		if (madt_cpus[i].apic_id == cpus[0].apic_id)
			continue;
		if ((c = cpu_add_present()))
			c->apic_id = madt_cpus[i].apic_id;
	}
	snprintf(how, len, "MADT: %u enabled, %u online-capable, %s", info.found - later, later,
		 apic_mode == APIC_MODE_X2APIC ? "x2APIC" : "xAPIC");
}

/*
 * The root the trampoline turns paging on with (its physical address
 * must fit the 32-bit mov to cr3): its own page one to one, writable (the
 * CPU sets the accessed bits of the GDT in it) and executable, and the
 * kernel's upper-half slots, shared, where it jumps next.  The kernel's
 * root has no lower half to lend it: that is user space.
 */
static int trampoline_root(uint32_t *cr3)
{
	pteval_t *root = pgtable_alloc_table(4), *kernel = pgtable_root();

	if (!root || __pa(root) >= (1ULL << 32) ||
	    pgtable_map_page(root, trampoline_pa, trampoline_pa, PTE_P | PTE_W))
		return -ENOMEM;
	for (unsigned i = L4_KERNEL_FIRST; i < 512; i++)
		set_p4d(&root[i], kernel[i]);
	*cr3 = (uint32_t)__pa(root);
	return 0;
}

static void trampoline_patch(uint8_t *page, const uint8_t *at, uint32_t value)
{
	memcpy(page + (at - ap_trampoline_start), &value, sizeof(value));
}

/* The trampoline in a page below 1 MiB, kept for good (CPUs brought
 * online later start there too), with its own addresses patched in. */
static int trampoline_install(void)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
	uint32_t cr3;

	if (!(trampoline_pa = mm_reserve_low_page()) || !mm_is_mapped(trampoline_pa, PAGE_SIZE) ||
	    trampoline_root(&cr3))
		return -ENOMEM;
	uint8_t *page = __va(trampoline_pa);

	memcpy(page, ap_trampoline_start, len);
	trampoline_patch(page, ap_tr_gdt_ptr + 2,
			 (uint32_t)(trampoline_pa + (ap_tr_gdt - ap_trampoline_start)));
	trampoline_patch(page, ap_tr_pm32_ptr,
			 (uint32_t)(trampoline_pa + (ap_tr_pm32 - ap_trampoline_start)));
	trampoline_patch(page, ap_tr_lm64_ptr,
			 (uint32_t)(trampoline_pa + (ap_tr_lm64 - ap_trampoline_start)));
	trampoline_patch(page, ap_tr_cr3, cr3);
	return 0;
}

/* On the new CPU, from ap_start64: the GS base names its struct cpu. */
void ap_main(void)
{
	native_traps_init_cpu();
	apic_init_cpu();
	apic_timer_init_cpu();
	cpu_set_online();
	sched_start_cpu();
}

static int native_cpu_up(struct cpu *c)
{
	uint32_t vector = (uint32_t)(trampoline_pa >> PAGE_SHIFT);
	uintptr_t stack = sched_prepare_cpu(c->id);

	if (!stack || native_traps_prepare_cpu(c->id))
		return -ENOMEM;
	ap_boot = (typeof(ap_boot)){read_cr4(), read_cr3(), stack, (uintptr_t)c};
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!apic_send_ipi(c->apic_id, APIC_ICR_INIT | APIC_ICR_ASSERT))
		return -EIO;
	udelay(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		if (!apic_send_ipi(c->apic_id, APIC_ICR_STARTUP | vector))
			return -EIO;
		if (cpu_wait_online(c, SIPI_DELAY_US * NSEC_PER_USEC))
			return 0;
	}
	return cpu_wait_online(c, ONLINE_WAIT_NS) ? 0 : -ETIMEDOUT;
}

/* A CPU going offline halts with interrupts off: only INIT (from
 * native_cpu_revive) wakes it, and it starts again from the trampoline. */
void native_cpu_die(void)
{
	for (;;)
		halt();
}

int native_cpu_revive(struct cpu *c)
{
	return native_cpu_up(c);
}

static void native_smp_boot(void)
{
	int rc;

	if (nr_cpus_present < 2)
		return;
	if ((rc = trampoline_install())) {
		pr_err("smp: no page below 1 MiB for the startup code (%d): the boot CPU alone\n",
		       rc);
		return;
	}
	for (unsigned int i = 1; i < nr_cpus_present; i++)
		if ((rc = native_cpu_up(&cpus[i])))
			pr_err("smp: CPU %u (APIC ID %u) did not come up (%d)\n", i,
			       cpus[i].apic_id, rc);
}

static const uint8_t native_ipi_vectors[IPI_KINDS] = {
    [IPI_RESCHEDULE] = VECTOR_IPI_RESCHEDULE,
    [IPI_CALL_FUNCTION] = VECTOR_IPI_CALL,
};

static void native_ipi_irq(struct trap_frame *f, void *kind)
{
	(void)f;
	apic_eoi();
	smp_ipi_received((enum ipi_kind)(uintptr_t)kind);
}

/* Interrupts off around the ICR writes: an interrupt handler sending an
 * IPI of its own in between would change the destination. */
void native_send_ipi(unsigned int id, enum ipi_kind kind)
{
	unsigned long flags = local_irq_save();

	if (!apic_send_ipi(cpus[id].apic_id, native_ipi_vectors[kind]))
		pr_err("smp: CPU %u did not take IPI %u\n", id, kind);
	local_irq_restore(flags);
}

static void native_ipi_init(void)
{
	for (unsigned int k = 0; k < IPI_KINDS; k++)
		if (irq_vector_register(native_ipi_vectors[k], native_ipi_irq,
					(void *)(uintptr_t)k))
			panic("smp: IPI vector %#x is taken", native_ipi_vectors[k]);
}

void native_smp_init(void)
{
	char how[96];

	native_ipi_init();
	cpus[0].apic_id = apic_id();
	native_smp_enumerate(how, sizeof(how));
	native_smp_boot();
	smp_report(how);
}
