/*
 * paravirt_ops: every privileged operation the kernel performs goes through
 * one of these tables, which hold the native implementations by default
 * (arch/x86/paravirt.c) and the Xen ones when a Xen platform installs them.
 *
 * Code never calls through the table itself: it uses the inline wrappers
 * below, with the native names (local_irq_disable(), read_cr3()...).  Each
 * wrapper emits a 6-byte `call *pv_ops+offset(%rip)` and records it in the
 * .pv_sites section; at boot arch/x86/paravirt.c rewrites every site once,
 * to the native instruction itself (prefix-padded into one instruction), to
 * a direct call, or to a NOP for an op that does nothing here.
 *
 * Two calling conventions:
 *  - callee-save ("CS" below): the hot ops.  The site tells the compiler
 *    only about its result (rax) and its arguments (rdi, rsi), so it costs
 *    no register spills; every implementation must preserve all other
 *    registers (native ones are one instruction and a ret; C ones are
 *    wrapped by PV_CALLEE_SAVE_THUNK).
 *  - C ABI: everything else; the site clobbers the caller-saved registers.
 *
 * With CONFIG_PARAVIRT=0 (the comparison build of `make bench`), the hot
 * wrappers emit the native instruction with the same register constraints
 * and the rest call the native function directly.
 */
#ifndef ASM_PARAVIRT_H
#define ASM_PARAVIRT_H

/* For assembly: offsetof(struct pv_ops, cpu.iret) and its neighbours,
 * checked in paravirt.c. */
#define PV_OPS_CPU_IRET 152
#define PV_OPS_CPU_USERGS_SYSRET 160
#define PV_OPS_CPU_SWAPGS 168

#ifndef CONFIG_PARAVIRT
#define CONFIG_PARAVIRT 1
#endif

#ifdef __ASSEMBLY__
/* The end of every exception and interrupt path: the iret op, a jump site
 * patched to iretq natively and to xen_pv_iret on Xen PV. */
#if CONFIG_PARAVIRT
.macro PV_IRET
661:	jmp *pv_ops+PV_OPS_CPU_IRET(%rip)
662:
	.pushsection .pv_sites, "a"
	.balign 8
	.long 661b - .
	.short PV_OPS_CPU_IRET
	.byte 662b - 661b
	.byte 1
	.popsection
.endm
/* The way back to user mode from a system call, with the user's rip in
 * rcx, rflags in r11 and its stack in rsp: a jump site, natively patched
 * to swapgs; sysretq inline (seven bytes: the site has one ds prefix
 * more than the indirect jump needs, so that they fit). */
.macro PV_USERGS_SYSRET
661:	.byte 0x3e
	jmp *pv_ops+PV_OPS_CPU_USERGS_SYSRET(%rip)
662:
	.pushsection .pv_sites, "a"
	.balign 8
	.long 661b - .
	.short PV_OPS_CPU_USERGS_SYSRET
	.byte 662b - 661b
	.byte 1
	.popsection
.endm
/* The GS bases exchanged on an entry from or return to user mode, once
 * on the kernel stack: a callee-save call site, patched to swapgs
 * natively and to a NOP on Xen PV. */
.macro PV_SWAPGS
661:	call *pv_ops+PV_OPS_CPU_SWAPGS(%rip)
662:
	.pushsection .pv_sites, "a"
	.balign 8
	.long 661b - .
	.short PV_OPS_CPU_SWAPGS
	.byte 662b - 661b
	.byte 0
	.popsection
.endm
#else
.macro PV_IRET
	iretq
.endm
.macro PV_USERGS_SYSRET
	swapgs
	sysretq
.endm
.macro PV_SWAPGS
	swapgs
.endm
#endif
#else /* !__ASSEMBLY__ */
#include <asm/paravirt_types.h>

/* --- the wrappers -------------------------------------------------------- */

static inline unsigned long save_fl(void)
{
	return PV_CS_RET0(cpu.save_fl, NATIVE_SAVE_FL);
}

static inline void local_irq_disable(void)
{
	PV_CS_VOID0(cpu.irq_disable, NATIVE_CLI);
}

static inline void local_irq_enable(void)
{
	PV_CS_VOID0(cpu.irq_enable, NATIVE_STI);
}

static inline unsigned long local_irq_save(void)
{
	unsigned long flags = save_fl();
	local_irq_disable();
	return flags;
}

/* Plain C, never popf: popf is slow natively and means nothing to Xen PV. */
static inline void local_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
}

static inline bool irqs_disabled(void)
{
	return !(save_fl() & X86_EFLAGS_IF);
}

static inline unsigned long read_cr2(void)
{
	return PV_CS_RET0(cpu.read_cr2, NATIVE_READ_CR2);
}

static inline unsigned long read_cr3(void)
{
	return PV_CS_RET0(cpu.read_cr3, NATIVE_READ_CR3);
}

static inline void write_cr3(unsigned long val)
{
	PV_CS_VOID1(cpu.write_cr3, NATIVE_WRITE_CR3, val);
}

static inline unsigned long read_cr0(void)
{
	return (unsigned long)PV_CALL0(cpu.read_cr0, native_read_cr0);
}

static inline void write_cr0(unsigned long val)
{
	PV_CALL1(cpu.write_cr0, native_write_cr0, val);
}

static inline unsigned long read_cr4(void)
{
	return (unsigned long)PV_CALL0(cpu.read_cr4, native_read_cr4);
}

static inline void write_cr4(unsigned long val)
{
	PV_CALL1(cpu.write_cr4, native_write_cr4, val);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	return (uint64_t)PV_CALL1(cpu.read_msr, native_read_msr, msr);
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	PV_CALL2(cpu.write_msr, native_write_msr, msr, val);
}

/* CPUID as the platform sees it (Xen PV: through Xen's emulation). */
static inline struct cpuid_regs pv_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = {.eax = leaf, .ecx = subleaf};
	PV_CALL1(cpu.cpuid, native_cpuid, &r);
	return r;
}

static inline void load_gdt(const struct desc_ptr *p)
{
	PV_CALL1(cpu.load_gdt, native_load_gdt, p);
}

static inline void load_idt(const struct desc_ptr *p)
{
	PV_CALL1(cpu.load_idt, native_load_idt, p);
}

static inline void load_tr(unsigned int sel)
{
	PV_CALL1(cpu.load_tr, native_load_tr, sel);
}

static inline void write_gdt_entry(uint64_t *gdt, int index, uint64_t desc)
{
	PV_CALL3(cpu.write_gdt_entry, native_write_gdt_entry, gdt, index, desc);
}

static inline void write_idt_entry(struct idt_gate *idt, int vector, const struct idt_gate *g)
{
	PV_CALL3(cpu.write_idt_entry, native_write_idt_entry, idt, vector, g);
}

static inline void load_sp0(unsigned long sp0)
{
	PV_CALL1(cpu.load_sp0, native_load_sp0, sp0);
}

static inline void wbinvd(void)
{
	PV_CALL0(cpu.wbinvd, native_wbinvd);
}

static inline void halt(void)
{
	PV_CALL0(cpu.halt, native_halt);
}

static inline void safe_halt(void)
{
	PV_CALL0(cpu.safe_halt, native_safe_halt);
}

/* --- MMU --- */

static inline void set_pte(pteval_t *ptep, pteval_t val)
{
	PV_CS_VOID2(mmu.set_pte, NATIVE_SET_PTE, ptep, val);
}

static inline void set_pmd(pteval_t *p, pteval_t val)
{
	PV_CALL2(mmu.set_pmd, native_set_pxd, p, val);
}

static inline void set_pud(pteval_t *p, pteval_t val)
{
	PV_CALL2(mmu.set_pud, native_set_pxd, p, val);
}

static inline void set_p4d(pteval_t *p, pteval_t val)
{
	PV_CALL2(mmu.set_p4d, native_set_pxd, p, val);
}

static inline pteval_t pte_val(pteval_t stored)
{
	return PV_CS_RET1(mmu.pte_val, NATIVE_PTE_IDENT, stored);
}

static inline pteval_t make_pte(pteval_t val)
{
	return PV_CS_RET1(mmu.make_pte, NATIVE_PTE_IDENT, val);
}

static inline pteval_t pmd_val(pteval_t stored)
{
	return PV_CS_RET1(mmu.pmd_val, NATIVE_PTE_IDENT, stored);
}

static inline pteval_t make_pmd(pteval_t val)
{
	return PV_CS_RET1(mmu.make_pmd, NATIVE_PTE_IDENT, val);
}

static inline void paravirt_alloc_pt(uint64_t pfn, int level)
{
	PV_CALL2(mmu.alloc_pt, native_pt_nop, pfn, level);
}

static inline void paravirt_release_pt(uint64_t pfn, int level)
{
	PV_CALL2(mmu.release_pt, native_pt_nop, pfn, level);
}

static inline void paravirt_pin_pt(uint64_t pfn, int level)
{
	PV_CALL2(mmu.pin_pt, native_pt_nop, pfn, level);
}

static inline pteval_t *paravirt_pgd_alloc(void)
{
	return (pteval_t *)PV_CALL0(mmu.pgd_alloc, native_pgd_alloc);
}
static inline void paravirt_pgd_pin(pteval_t *root)
{
	PV_CALL1(mmu.pgd_pin, native_root_nop, root);
}
static inline void paravirt_pgd_unpin(pteval_t *root)
{
	PV_CALL1(mmu.pgd_unpin, native_root_nop, root);
}
static inline void paravirt_pgd_free(pteval_t *root)
{
	PV_CALL1(mmu.pgd_free, native_pgd_free, root);
}
static inline void set_p4d_user(pteval_t *p, pteval_t val)
{
	PV_CALL2(mmu.set_p4d_user, native_set_pxd, p, val);
}
static inline void paravirt_load_user_root(pteval_t *root)
{
	PV_CALL1(mmu.load_user_root, native_root_nop, root);
}
static inline void flush_tlb_local(void)
{
	PV_CALL0(mmu.flush_tlb_local, native_flush_tlb_local);
}

static inline void flush_tlb_global(void)
{
	PV_CALL0(mmu.flush_tlb_global, native_flush_tlb_global);
}

static inline void flush_tlb_one(unsigned long addr)
{
	PV_CS_VOID1(mmu.flush_tlb_one, NATIVE_INVLPG, addr);
}

static inline void flush_tlb_others(uint64_t mask, unsigned long addr)
{
	PV_CALL2(mmu.flush_tlb_others, native_flush_tlb_others, mask, addr);
}

static inline void arch_enter_lazy_mmu_mode(void)
{
	PV_CALL0(mmu.lazy_mmu_enter, native_lazy_mmu_nop);
}

static inline void arch_leave_lazy_mmu_mode(void)
{
	PV_CALL0(mmu.lazy_mmu_leave, native_lazy_mmu_nop);
}

static inline void arch_flush_lazy_mmu_mode(void)
{
	PV_CALL0(mmu.lazy_mmu_flush, native_lazy_mmu_nop);
}

/* --- time --- */

static inline uint64_t sched_clock(void)
{
	return (uint64_t)PV_CALL0(time.sched_clock, native_sched_clock);
}

static inline uint64_t steal_clock(int cpu)
{
	return (uint64_t)PV_CALL1(time.steal_clock, native_steal_clock, cpu);
}

/* --- locks (the fast path is in amphi/spinlock.h) --- */

static inline void pv_lock_spinning(struct spinlock *l, unsigned int want)
{
	PV_CALL2(lock.lock_spinning, native_lock_nop, l, want);
}

static inline void pv_unlock_kick(struct spinlock *l, unsigned int next)
{
	PV_CALL2(lock.unlock_kick, native_lock_nop, l, next);
}

/*
 * A callee-save wrapper around a C implementation of a callee-save op:
 * saves every caller-saved register the C code may use (rax too, for a
 * void op), aligns the stack, which a call site cannot promise, and calls.
 * Defines <func>_thunk, the address to install in pv_ops.
 */
#define PV_THUNK_SAVE                                                                     \
	"push %rbp\n\tmov %rsp, %rbp\n\tand $-16, %rsp\n\t"                             \
	"push %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"                          \
	"push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\t"
#define PV_THUNK_RESTORE                                                                  \
	"pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\t"                                \
	"pop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\t"                              \
	"mov %rbp, %rsp\n\tpop %rbp\n\tret\n"
#define PV_CALLEE_SAVE_THUNK(func)                                                        \
	__asm__(".text\n.balign 16\n.globl " #func "_thunk\n" #func "_thunk:\n\t"            \
		PV_THUNK_SAVE "call " #func "\n\t" PV_THUNK_RESTORE);                         \
	extern uint8_t func##_thunk[]
#define PV_CALLEE_SAVE_THUNK_VOID(func)                                                   \
	__asm__(".text\n.balign 16\n.globl " #func "_thunk\n" #func "_thunk:\n\t"            \
		"push %rax\n\t" PV_THUNK_SAVE "call " #func "\n\t"                             \
		"pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\t"                           \
		"pop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\t"                         \
		"mov %rbp, %rsp\n\tpop %rbp\n\tpop %rax\n\tret\n");                         \
	extern uint8_t func##_thunk[]

/* --- boot-time patching (arch/x86/paravirt.c) --- */

/* Rewrites every call site for the ops now installed; `nopvpatch` on the
 * command line leaves them indirect. */
void paravirt_patch_all(void);
/* Prints, for each op, its number of sites and what they became. */
void paravirt_report(int level);
/* For the selftest: how many sites are now of a kind (enum pv_patch_how),
 * and how many there are. */
unsigned paravirt_count_sites(int how);
unsigned paravirt_site_total(void);

#endif /* __ASSEMBLY__ */
#endif
