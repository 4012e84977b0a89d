/*
 * The Xen PV CPU ops.  A PV kernel runs in ring 3, so every privileged
 * instruction either has a hypercall in its place or is emulated by Xen at
 * the cost of a fault:
 *   - the IDT becomes a trap table (set_trap_table), the GDT is handed over
 *     by frame (set_gdt), descriptors change through update_descriptor,
 *     and Xen owns the TSS, so load_tr does nothing;
 *   - the kernel stack for entries from user mode is set by stack_switch;
 *   - cr2 comes from this CPU's vcpu_info; cr0 and cr4 are Xen's, read once and cached;
 *     only cr0.TS can change (fpu_taskswitch);
 *   - CPUID goes through Xen's forced-emulation prefix, so it shows what
 *     Xen offers this guest, not the bare CPU;
 *   - an exception returns through HYPERVISOR_iret (xen_pv_iret).
 * The interrupt-flag and halt ops are in irq_pv.c, the MMU ops in mmu_pv.c.
 */
#include <amphi/cpu.h>
#include <asm/cpuid_hv.h>
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/trap.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <amphi/printk.h>
#include <amphi/string.h>

#define CR0_TS (1UL << 3)
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

extern const uint64_t xen_pv_trap_table_addrs[32];
extern uint8_t xen_pv_iret[];
extern uint8_t xen_pv_usergs_sysret[];

static unsigned long cr0_cache, cr4_cache;

unsigned long xen_read_cr2(void)
{
	struct vcpu_info *v = this_cpu()->vcpu_info;

	return v ? v->arch.cr2 : 0;
}
PV_CALLEE_SAVE_THUNK(xen_read_cr2);

static unsigned long xen_read_cr0(void)
{
	return cr0_cache;
}

static void xen_write_cr0(unsigned long val)
{
	if ((val ^ cr0_cache) & CR0_TS)
		hypercall_fpu_taskswitch(!!(val & CR0_TS));
	if ((val ^ cr0_cache) & ~CR0_TS)
		pr_warn("xen-pv: cr0 bits %#lx cannot change under Xen PV\n",
			(val ^ cr0_cache) & ~CR0_TS);
	cr0_cache = (cr0_cache & ~CR0_TS) | (val & CR0_TS);
}

static unsigned long xen_read_cr4(void)
{
	return cr4_cache;
}

static void xen_write_cr4(unsigned long val)
{
	if (val != cr4_cache)
		pr_warn("xen-pv: cr4 is Xen's; a change to %#lx is ignored\n", val);
}

static void xen_cpuid(struct cpuid_regs *r)
{
	*r = cpuid_xen_forced(r->eax, r->ecx);
}

static void xen_write_msr(uint32_t msr, uint64_t val)
{
	static const unsigned int which[] = {SEGBASE_FS, SEGBASE_GS_KERNEL, SEGBASE_GS_USER};

	if (msr >= MSR_FS_BASE && msr <= MSR_KERNEL_GS_BASE) {
		if (hypercall_set_segment_base(which[msr - MSR_FS_BASE], val))
			pr_err("xen-pv: set_segment_base for MSR %#x refused\n", msr);
		return;
	}
	native_write_msr(msr, val); /* Xen emulates the ones a guest may touch */
}

/* The IDT's exception gates become trap-table entries; each points at the
 * PV entry stub of its vector, which drops what Xen pushes extra. */
/* The table as last loaded, zero-terminated: other vCPUs start with it. */
static struct trap_info xen_pv_traps[33];

const struct trap_info *xen_pv_trap_table(void)
{
	return xen_pv_traps;
}

static void xen_load_idt(const struct desc_ptr *p)
{
	struct trap_info *table = xen_pv_traps;
	const struct idt_gate *idt = (const void *)p->base;
	unsigned n = 0;

	for (unsigned v = 0; v < 32 && v * sizeof(*idt) < (unsigned)p->limit + 1u; v++) {
		const struct idt_gate *g = &idt[v];
		uint64_t a = g->off_lo | ((uint64_t)g->off_mid << 16) | ((uint64_t)g->off_hi << 32);

		/* Xen keeps NMI and double fault; only our own stubs translate. */
		if (!(g->type & 0x80) || v == 2 || v == 8 || a != trap_stub_table[v])
			continue;
		/* An interrupt gate masks events on entry, as it clears IF
		 * natively (TI_SET_IF): a handler reads cr2 from the
		 * vcpu_info before any event can switch to a thread whose own
		 * fault would overwrite it. */
		table[n++] = (struct trap_info){
		    .vector = (uint8_t)v,
		    .flags = ((v == 3 || v == 4) ? 3 : 0) /* int3/into from any ring */
			     | ((g->type & 0xf) == 0xe ? 4 : 0),
		    .cs = FLAT_KERNEL_CS,
		    .address = xen_pv_trap_table_addrs[v],
		};
	}
	table[n] = (struct trap_info){0};
	long rc = hypercall_set_trap_table(table);
	if (rc)
		pr_err("xen-pv: set_trap_table failed (%ld)\n", rc);
}

static void xen_load_gdt(const struct desc_ptr *p)
{
	unsigned long mfns[16];
	unsigned pages = ((unsigned)p->limit + PAGE_SIZE) / PAGE_SIZE;

	if ((p->base & (PAGE_SIZE - 1)) || pages > ARRAY_SIZE(mfns)) {
		pr_err("xen-pv: a GDT must be page aligned and at most 16 pages\n");
		return;
	}
	for (unsigned i = 0; i < pages; i++) {
		const void *va = (const void *)(p->base + i * PAGE_SIZE);
		xen_pv_set_page_writable(va, false);
		mfns[i] = xen_pv_virt_to_machine(va) >> PAGE_SHIFT;
	}
	if (hypercall_set_gdt(mfns, ((unsigned)p->limit + 1) / 8))
		pr_err("xen-pv: set_gdt refused the table at %#lx\n", p->base);
}

static void xen_write_gdt_entry(uint64_t *gdt, int index, uint64_t desc)
{
	if (hypercall_update_descriptor(xen_pv_virt_to_machine(&gdt[index]), desc))
		pr_err("xen-pv: descriptor %d refused\n", index);
}

static void xen_load_sp0(unsigned long sp0)
{
	hypercall_stack_switch(FLAT_KERNEL_SS, sp0);
}

static void xen_wbinvd(void)
{
	struct mmuext_op op = {.cmd = MMUEXT_FLUSH_CACHE};

	if (hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF))
		pr_warn("xen-pv: cache flush refused (needs a privileged domain)\n");
}

void xen_pv_cpu_ops_init(void)
{
	cr0_cache = native_read_cr0(); /* emulated by Xen, once */
	cr4_cache = native_read_cr4();
	pv_ops.cpu.read_cr0 = xen_read_cr0;
	pv_ops.cpu.write_cr0 = xen_write_cr0;
	pv_ops.cpu.read_cr2 = (void *)xen_read_cr2_thunk;
	pv_ops.cpu.read_cr4 = xen_read_cr4;
	pv_ops.cpu.write_cr4 = xen_write_cr4;
	pv_ops.cpu.write_msr = xen_write_msr;
	pv_ops.cpu.cpuid = xen_cpuid;
	pv_ops.cpu.load_gdt = xen_load_gdt;
	pv_ops.cpu.load_idt = xen_load_idt;
	pv_ops.cpu.load_tr = (void *)paravirt_nop;
	pv_ops.cpu.write_gdt_entry = xen_write_gdt_entry;
	pv_ops.cpu.load_sp0 = xen_load_sp0;
	pv_ops.cpu.iret = (void *)xen_pv_iret;
	pv_ops.cpu.usergs_sysret = (void *)xen_pv_usergs_sysret;
	pv_ops.cpu.swapgs = (void *)paravirt_nop; /* Xen switches the GS bases */
	pv_ops.cpu.wbinvd = xen_wbinvd;
}
