/*
 * The paravirt_ops tables with their native defaults, and the boot-time
 * pass that rewrites every call site once for the ops the platform
 * installed (see asm/paravirt.h and amphi/pvpatch.h).
 *
 * Each op has a descriptor: its name, its place in struct pv_ops, its
 * native implementation and, for the one-instruction native ops, the length
 * of the instruction to inline.  The descriptors sit in their own section
 * so that the host site check can read them out of build/amphi.elf.
 */
#include <asm/paravirt.h>
#include <amphi/params.h>
#include <amphi/printk.h>
#include <amphi/pvpatch.h>
#include <amphi/selftest.h>
#include <amphi/shell.h>
#include <amphi/string.h>

/* Callee-save natives (paravirt_native.S) and their instruction lengths. */
#define NATIVE_CS(name)                                                                            \
	extern uint8_t native_##name[];                                                            \
	extern const uint8_t native_##name##_insn_len
NATIVE_CS(save_fl);
NATIVE_CS(irq_disable);
NATIVE_CS(irq_enable);
NATIVE_CS(read_cr2);
NATIVE_CS(read_cr3);
NATIVE_CS(write_cr3);
NATIVE_CS(set_pte);
NATIVE_CS(pte_ident);
NATIVE_CS(flush_tlb_one);
NATIVE_CS(spin_unlock);
NATIVE_CS(iret);
NATIVE_CS(swapgs);
NATIVE_CS(usergs_sysret);
extern uint8_t __pv_sites_start[], __pv_sites_end[];

#define NOP ((void *)paravirt_nop)

_Static_assert(offsetof(struct pv_ops, cpu.iret) == PV_OPS_CPU_IRET, "entry.S's iret site");
_Static_assert(offsetof(struct pv_ops, cpu.usergs_sysret) == PV_OPS_CPU_USERGS_SYSRET,
	       "syscall_64.S's sysret site");
_Static_assert(offsetof(struct pv_ops, cpu.swapgs) == PV_OPS_CPU_SWAPGS, "entry.S's swapgs sites");

/* The tables below keep one entry a line and one level a tab, which
 * clang-format would not. */
/* clang-format off */
struct pv_ops pv_ops = {
	.cpu = {
		.save_fl = (void *)native_save_fl,
		.irq_disable = (void *)native_irq_disable,
		.irq_enable = (void *)native_irq_enable,
		.read_cr0 = native_read_cr0,
		.write_cr0 = native_write_cr0,
		.read_cr2 = (void *)native_read_cr2,
		.read_cr3 = (void *)native_read_cr3,
		.write_cr3 = (void *)native_write_cr3,
		.read_cr4 = native_read_cr4,
		.write_cr4 = native_write_cr4,
		.read_msr = native_read_msr,
		.write_msr = native_write_msr,
		.cpuid = native_cpuid,
		.load_gdt = native_load_gdt,
		.load_idt = native_load_idt,
		.load_tr = native_load_tr,
		.write_gdt_entry = native_write_gdt_entry,
		.write_idt_entry = native_write_idt_entry,
		.load_sp0 = native_load_sp0,
		.iret = (void *)native_iret,
		.usergs_sysret = (void *)native_usergs_sysret,
		.swapgs = (void *)native_swapgs,
		.wbinvd = native_wbinvd,
		.halt = native_halt,
		.safe_halt = native_safe_halt,
	},
	.mmu = {
		.set_pte = (void *)native_set_pte,
		.set_pmd = native_set_pxd,
		.set_pud = native_set_pxd,
		.set_p4d = native_set_pxd,
		.pte_val = (void *)native_pte_ident,
		.make_pte = (void *)native_pte_ident,
		.pmd_val = (void *)native_pte_ident,
		.make_pmd = (void *)native_pte_ident,
		.alloc_pt = NOP,
		.release_pt = NOP,
		.pin_pt = NOP,
		.flush_tlb_local = native_flush_tlb_local,
		.flush_tlb_global = native_flush_tlb_global,
		.flush_tlb_one = (void *)native_flush_tlb_one,
		.flush_tlb_others = native_flush_tlb_others,
		.lazy_mmu_enter = NOP,
		.lazy_mmu_leave = NOP,
		.lazy_mmu_flush = NOP,
		.pgd_alloc = native_pgd_alloc,
		.pgd_pin = NOP,
		.pgd_unpin = NOP,
		.pgd_free = native_pgd_free,
		.set_p4d_user = native_set_pxd,
		.load_user_root = NOP,
	},
	.time = {
		.sched_clock = native_sched_clock,
		.steal_clock = native_steal_clock,
	},
	.lock = {
		.spin_unlock = (void *)native_spin_unlock,
		.lock_spinning = NOP,
		.unlock_kick = NOP,
	},
};
/* clang-format on */

struct pv_op_desc {
	uint16_t offset;
	uint8_t pad[6];
	const void *native;
	const uint8_t *insn_len; /* NULL: no inline form */
	const char *name;
};

/* clang-format off */
#define OP(field, native_fn, len) \
	{offsetof(struct pv_ops, field), {0}, (const void *)(native_fn), len, #field}
#define OP_CS(field, name) OP(field, native_##name, &native_##name##_insn_len)

static const struct pv_op_desc pv_op_descs[] __section(".pv_descs") __used __aligned(32) = {
	OP_CS(cpu.save_fl, save_fl),
	OP_CS(cpu.irq_disable, irq_disable),
	OP_CS(cpu.irq_enable, irq_enable),
	OP(cpu.read_cr0, native_read_cr0, NULL),
	OP(cpu.write_cr0, native_write_cr0, NULL),
	OP_CS(cpu.read_cr2, read_cr2),
	OP_CS(cpu.read_cr3, read_cr3),
	OP_CS(cpu.write_cr3, write_cr3),
	OP(cpu.read_cr4, native_read_cr4, NULL),
	OP(cpu.write_cr4, native_write_cr4, NULL),
	OP(cpu.read_msr, native_read_msr, NULL),
	OP(cpu.write_msr, native_write_msr, NULL),
	OP(cpu.cpuid, native_cpuid, NULL),
	OP(cpu.load_gdt, native_load_gdt, NULL),
	OP(cpu.load_idt, native_load_idt, NULL),
	OP(cpu.load_tr, native_load_tr, NULL),
	OP(cpu.write_gdt_entry, native_write_gdt_entry, NULL),
	OP(cpu.write_idt_entry, native_write_idt_entry, NULL),
	OP(cpu.load_sp0, native_load_sp0, NULL),
	OP_CS(cpu.iret, iret),
	OP_CS(cpu.usergs_sysret, usergs_sysret),
	OP_CS(cpu.swapgs, swapgs),
	OP(cpu.wbinvd, native_wbinvd, NULL),
	OP(cpu.halt, native_halt, NULL),
	OP(cpu.safe_halt, native_safe_halt, NULL),
	OP_CS(mmu.set_pte, set_pte),
	OP(mmu.set_pmd, native_set_pxd, NULL),
	OP(mmu.set_pud, native_set_pxd, NULL),
	OP(mmu.set_p4d, native_set_pxd, NULL),
	OP_CS(mmu.pte_val, pte_ident),
	OP_CS(mmu.make_pte, pte_ident),
	OP_CS(mmu.pmd_val, pte_ident),
	OP_CS(mmu.make_pmd, pte_ident),
	OP(mmu.alloc_pt, NOP, NULL),
	OP(mmu.release_pt, NOP, NULL),
	OP(mmu.pin_pt, NOP, NULL),
	OP(mmu.flush_tlb_local, native_flush_tlb_local, NULL),
	OP(mmu.flush_tlb_global, native_flush_tlb_global, NULL),
	OP_CS(mmu.flush_tlb_one, flush_tlb_one),
	OP(mmu.flush_tlb_others, native_flush_tlb_others, NULL),
	OP(mmu.lazy_mmu_enter, NOP, NULL),
	OP(mmu.lazy_mmu_leave, NOP, NULL),
	OP(mmu.lazy_mmu_flush, NOP, NULL),
	OP(mmu.pgd_alloc, native_pgd_alloc, NULL),
	OP(mmu.pgd_pin, NOP, NULL),
	OP(mmu.pgd_unpin, NOP, NULL),
	OP(mmu.pgd_free, native_pgd_free, NULL),
	OP(mmu.set_p4d_user, native_set_pxd, NULL),
	OP(mmu.load_user_root, NOP, NULL),
	OP(time.sched_clock, native_sched_clock, NULL),
	OP(time.steal_clock, native_steal_clock, NULL),
	OP_CS(lock.spin_unlock, spin_unlock),
	OP(lock.lock_spinning, NOP, NULL),
	OP(lock.unlock_kick, NOP, NULL),
};
/* clang-format on */

#define NOPS ARRAY_SIZE(pv_op_descs)

/* What the patch pass did, per op, for the report. */
static struct {
	uint16_t sites;
	uint8_t how;
	uint16_t failed;
} pv_stats[NOPS];
static unsigned pv_unknown_sites;
static const char *pv_first_error;
static bool pv_patched;

static int desc_index(uint16_t offset)
{
	for (unsigned i = 0; i < NOPS; i++)
		if (pv_op_descs[i].offset == offset)
			return (int)i;
	return -1;
}

static uint64_t op_impl(uint16_t offset)
{
	return *(const uint64_t *)((const uint8_t *)&pv_ops + offset);
}

static void patch_one(const struct pv_site *s)
{
	uint8_t *code = (uint8_t *)&s->rel + s->rel;
	int i = desc_index(s->op_off);
	const char *why;

	if (i < 0) {
		pv_unknown_sites++;
		return;
	}
	const struct pv_op_desc *d = &pv_op_descs[i];
	uint64_t impl = op_impl(s->op_off);
	enum pv_patch_how how = pv_patch_choose(impl, (uintptr_t)d->native, (uintptr_t)paravirt_nop,
						d->insn_len != NULL, (enum pv_site_kind)s->kind);
	pv_stats[i].sites++;
	pv_stats[i].how = (uint8_t)how;
	if (pv_patch_site(code, (uintptr_t)code, s->len, (enum pv_site_kind)s->kind, how, d->native,
			  d->insn_len ? *d->insn_len : 0, impl, &why)) {
		pv_stats[i].failed++;
		pv_first_error = why;
	}
}

void paravirt_patch_all(void)
{
	const struct pv_site *s = (const void *)__pv_sites_start;
	const struct pv_site *end = (const void *)__pv_sites_end;

	for (; s < end; s++) {
		if (param_nopvpatch) {
			int i = desc_index(s->op_off);
			if (i >= 0)
				pv_stats[i].sites++;
			continue;
		}
		patch_one(s);
	}
	pv_patched = !param_nopvpatch;
	/* A serializing instruction: the CPU now runs the new bytes. */
	struct cpuid_regs r = cpuid(0, 0);
	(void)r;
}

static const char *impl_name(uint64_t impl, const struct pv_op_desc *d)
{
	if (impl == (uintptr_t)paravirt_nop)
		return "paravirt_nop";
	if (impl == (uintptr_t)d->native)
		return "native";
	return "platform";
}

void paravirt_report(int level)
{
	unsigned total = 0, failed = 0;

	printk(level, "pvops: call sites %s\n",
	       pv_patched ? "patched at boot" : "left indirect (nopvpatch)");
	for (unsigned i = 0; i < NOPS; i++) {
		const struct pv_op_desc *d = &pv_op_descs[i];
		uint64_t impl = op_impl(d->offset);

		total += pv_stats[i].sites;
		failed += pv_stats[i].failed;
		printk(level, "  %-22s %3u sites -> %-8s (%s %#lx)%s\n", d->name, pv_stats[i].sites,
		       !pv_stats[i].sites ? "-"
		       : pv_patched	  ? pv_patch_how_name(pv_stats[i].how)
					  : "indirect",
		       impl_name(impl, d), impl, pv_stats[i].failed ? " PATCH FAILED" : "");
	}
	printk(level, "pvops: %u sites, %u failed%s%s, %u of unknown ops\n", total, failed,
	       pv_first_error ? ": " : "", pv_first_error ? pv_first_error : "", pv_unknown_sites);
}

/* Counts the sites that are still indirect calls, for the selftest. */
unsigned paravirt_count_sites(int how)
{
	const struct pv_site *s = (const void *)__pv_sites_start;
	const struct pv_site *end = (const void *)__pv_sites_end;
	unsigned n = 0;

	for (; s < end; s++) {
		const uint8_t *code = (const uint8_t *)&s->rel + s->rel;
		n += (int)pv_site_classify(code, (uintptr_t)code, s->len, NULL) == how;
	}
	return n;
}

unsigned paravirt_site_total(void)
{
	return (unsigned)(((uintptr_t)__pv_sites_end - (uintptr_t)__pv_sites_start) /
			  sizeof(struct pv_site));
}

SHELL_CMD(pvops, "paravirt ops: sites per op and what they became")
{
	paravirt_report(LOG_ALWAYS);
	return 0;
}

/* Every site was rewritten at boot (or, with nopvpatch, none was), and the
 * ops the kernel runs on this platform are the ones the sites now reach. */
SELFTEST(pvpatch)
{
	unsigned total = paravirt_site_total();
	unsigned indirect = paravirt_count_sites(PV_PATCH_INDIRECT);

	if (total < 10)
		return selftest_fail(ctx, "only %u paravirt sites recorded", total);
	if (param_nopvpatch) {
		if (indirect != total)
			return selftest_fail(ctx, "nopvpatch, yet %u of %u sites were rewritten",
					     total - indirect, total);
		return selftest_pass(ctx, "nopvpatch: all %u sites left as indirect calls", total);
	}
	if (indirect || pv_unknown_sites)
		return selftest_fail(ctx, "%u of %u sites still indirect, %u of unknown ops",
				     indirect, total, pv_unknown_sites);
	return selftest_pass(ctx, "%u sites: %u inline, %u direct, %u nop", total,
			     paravirt_count_sites(PV_PATCH_INLINE),
			     paravirt_count_sites(PV_PATCH_DIRECT),
			     paravirt_count_sites(PV_PATCH_NOP));
}
