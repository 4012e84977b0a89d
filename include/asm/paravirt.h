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

/* For assembly: offsetof(struct pv_ops, cpu.iret), checked in paravirt.c. */
#define PV_OPS_CPU_IRET 152

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
#else
.macro PV_IRET
	iretq
.endm
#endif
#else /* !__ASSEMBLY__ */
#include <amphi/types.h>
#include <asm/desc.h>
#include <asm/x86.h>

typedef uint64_t pteval_t;
struct spinlock;

struct pv_cpu_ops {
	/* Interrupt flag (CS).  save_fl returns X86_EFLAGS_IF when interrupts
	 * (Xen: events) are enabled; restore is plain C on top of these. */
	unsigned long (*save_fl)(void);
	void (*irq_disable)(void);
	void (*irq_enable)(void);
	/* Control registers: cr2 and cr3 reads and the cr3 write are CS. */
	unsigned long (*read_cr0)(void);
	void (*write_cr0)(unsigned long val);
	unsigned long (*read_cr2)(void);
	unsigned long (*read_cr3)(void);
	void (*write_cr3)(unsigned long val);
	unsigned long (*read_cr4)(void);
	void (*write_cr4)(unsigned long val);
	uint64_t (*read_msr)(uint32_t msr);
	void (*write_msr)(uint32_t msr, uint64_t val);
	/* regs->eax and regs->ecx in, all four out. */
	void (*cpuid)(struct cpuid_regs *regs);
	/* Descriptor tables, called with interrupts off. */
	void (*load_gdt)(const struct desc_ptr *ptr);
	void (*load_idt)(const struct desc_ptr *ptr);
	void (*load_tr)(unsigned int sel);
	void (*write_gdt_entry)(uint64_t *gdt, int index, uint64_t desc);
	void (*write_idt_entry)(struct idt_gate *idt, int vector, const struct idt_gate *gate);
	/* The stack the CPU switches to when it enters the kernel from user
	 * mode (TSS.rsp0, or Xen's stack_switch). */
	void (*load_sp0)(unsigned long sp0);
	/* Return-to-user hooks: jump targets at the end of an entry path, not
	 * calls.  iret returns from an exception or interrupt frame. */
	void (*iret)(void);
	void (*usergs_sysret)(void);
	void (*wbinvd)(void);
	/* halt: wait for an interrupt with the flag as it is (called with
	 * interrupts off, it only wakes for NMIs).  safe_halt: enable
	 * interrupts and wait, atomically, so a wake-up cannot be lost. */
	void (*halt)(void);
	void (*safe_halt)(void);
};

struct cpumask;

struct pv_mmu_ops {
	/* Page-table writes.  set_pte is CS; a pte pointer is a kernel
	 * virtual address, the value is as make_pte returned it. */
	void (*set_pte)(pteval_t *ptep, pteval_t val);
	void (*set_pmd)(pteval_t *pmdp, pteval_t val);
	void (*set_pud)(pteval_t *pudp, pteval_t val);
	void (*set_p4d)(pteval_t *p4dp, pteval_t val);
	/* Between what a table holds and what the kernel means (CS): Xen PV
	 * tables hold machine frames, the kernel thinks in pseudo-physical. */
	pteval_t (*pte_val)(pteval_t stored);
	pteval_t (*make_pte)(pteval_t val);
	pteval_t (*pmd_val)(pteval_t stored);
	pteval_t (*make_pmd)(pteval_t val);
	/* A zeroed frame is about to become (or stops being) a page table of
	 * `level` (1 = pte .. 4 = top): Xen PV makes it read-only first. */
	void (*alloc_pt)(uint64_t pfn, int level);
	void (*release_pt)(uint64_t pfn, int level);
	/* A complete top-level table is about to be loaded (Xen PV: pin). */
	void (*pin_pt)(uint64_t pfn, int level);
	void (*flush_tlb_local)(void);
	void (*flush_tlb_global)(void);
	void (*flush_tlb_one)(unsigned long addr); /* CS */
	void (*flush_tlb_others)(const struct cpumask *cpus, unsigned long addr);
	/* Lazy MMU mode: page-table updates between enter and leave may be
	 * batched (Xen PV: one multicall); flush issues the batch early. */
	void (*lazy_mmu_enter)(void);
	void (*lazy_mmu_leave)(void);
	void (*lazy_mmu_flush)(void);
};

struct pv_time_ops {
	uint64_t (*sched_clock)(void);	  /* ns since boot, monotonic */
	uint64_t (*steal_clock)(int cpu); /* ns this vCPU was runnable but not running */
};

struct pv_lock_ops {
	void (*spin_unlock)(struct spinlock *lock); /* CS */
};

struct pv_ops {
	struct pv_cpu_ops cpu;
	struct pv_mmu_ops mmu;
	struct pv_time_ops time;
	struct pv_lock_ops lock;
};

extern struct pv_ops pv_ops;
/* The named no-op: an unused slot points here, and its sites become NOPs. */
void paravirt_nop(void);

/* --- call sites -------------------------------------------------------- */

#define PV_SITE_CALL 0
#define PV_SITE_JMP 1

/* The record of one site: where it is (relative), which op, how long. */
#define PV_SITE_RECORD(kind)                                                              \
	".pushsection .pv_sites, \"a\"\n\t.balign 8\n\t.long 661b - .\n\t"                 \
	".short %c[pv_off]\n\t.byte 662b - 661b\n\t.byte " #kind "\n\t.popsection\n"
#define PV_CALL_SITE "661: call *pv_ops+%c[pv_off](%%rip)\n662:\n" PV_SITE_RECORD(0)
#define PV_OFF(field) [pv_off] "i"(offsetof(struct pv_ops, field))
#define PV_CABI_CLOBBERS "rcx", "r8", "r9", "r10", "r11", "memory", "cc"

#if CONFIG_PARAVIRT
/* Callee-save ops. */
#define PV_CS_RET0(field, insn) ({                                                        \
	unsigned long __r;                                                                \
	__asm__ __volatile__(PV_CALL_SITE : "=a"(__r) : PV_OFF(field) : "memory");        \
	__r;                                                                              \
})
#define PV_CS_VOID0(field, insn) \
	__asm__ __volatile__(PV_CALL_SITE : : PV_OFF(field) : "memory")
#define PV_CS_VOID1(field, insn, a) \
	__asm__ __volatile__(PV_CALL_SITE : : PV_OFF(field), "D"(a) : "memory")
#define PV_CS_VOID2(field, insn, a, b) \
	__asm__ __volatile__(PV_CALL_SITE : : PV_OFF(field), "D"(a), "S"(b) : "memory")
#define PV_CS_RET1(field, insn, a) ({                                                     \
	unsigned long __r;                                                                \
	__asm__ __volatile__(PV_CALL_SITE : "=a"(__r) : PV_OFF(field), "D"(a) : "memory"); \
	__r;                                                                              \
})
/* C-ABI ops, up to three arguments.  Each arity names exactly the
 * registers a real call would use or clobber, so that a site costs what a
 * direct call to the native function costs in the compiled-out build. */
#define PV_CALL0(field, fn) ({                                                            \
	unsigned long __r;                                                                \
	__asm__ __volatile__(PV_CALL_SITE                                                 \
			     : "=a"(__r)                                                  \
			     : PV_OFF(field)                                              \
			     : "rdi", "rsi", "rdx", PV_CABI_CLOBBERS);                    \
	__r;                                                                              \
})
#define PV_CALL1(field, fn, a) ({                                                         \
	unsigned long __r, __a = (unsigned long)(a);                                      \
	__asm__ __volatile__(PV_CALL_SITE                                                 \
			     : "=a"(__r), "+D"(__a)                                       \
			     : PV_OFF(field)                                              \
			     : "rsi", "rdx", PV_CABI_CLOBBERS);                           \
	__r;                                                                              \
})
#define PV_CALL2(field, fn, a, b) ({                                                      \
	unsigned long __r, __a = (unsigned long)(a), __b = (unsigned long)(b);            \
	__asm__ __volatile__(PV_CALL_SITE                                                 \
			     : "=a"(__r), "+D"(__a), "+S"(__b)                            \
			     : PV_OFF(field)                                              \
			     : "rdx", PV_CABI_CLOBBERS);                                  \
	__r;                                                                              \
})
#define PV_CALL3(field, fn, a, b, c) ({                                                   \
	unsigned long __r, __a = (unsigned long)(a), __b = (unsigned long)(b),            \
			   __c = (unsigned long)(c);                                      \
	__asm__ __volatile__(PV_CALL_SITE                                                 \
			     : "=a"(__r), "+D"(__a), "+S"(__b), "+d"(__c)                  \
			     : PV_OFF(field)                                              \
			     : PV_CABI_CLOBBERS);                                         \
	__r;                                                                              \
})
#else
#define PV_CS_RET0(field, insn) ({                                                        \
	unsigned long __r;                                                                \
	__asm__ __volatile__(insn : "=a"(__r) : : "memory");                              \
	__r;                                                                              \
})
#define PV_CS_VOID0(field, insn) __asm__ __volatile__(insn : : : "memory")
#define PV_CS_VOID1(field, insn, a) __asm__ __volatile__(insn : : "D"(a) : "memory")
#define PV_CS_VOID2(field, insn, a, b) __asm__ __volatile__(insn : : "D"(a), "S"(b) : "memory")
#define PV_CS_RET1(field, insn, a) ({                                                     \
	unsigned long __r;                                                                \
	__asm__ __volatile__(insn : "=a"(__r) : "D"(a) : "memory");                       \
	__r;                                                                              \
})
#define PV_CALL0(field, fn) fn()
#define PV_CALL1(field, fn, a) fn(a)
#define PV_CALL2(field, fn, a, b) fn(a, b)
#define PV_CALL3(field, fn, a, b, c) fn(a, b, c)
#endif

/* The native instructions, shared by the compiled-out wrappers and the
 * patcher's templates (arch/x86/paravirt.c) so the two cannot differ. */
#define NATIVE_SAVE_FL "pushf; pop %%rax"
#define NATIVE_CLI "cli"
#define NATIVE_STI "sti"
#define NATIVE_READ_CR2 "mov %%cr2, %%rax"
#define NATIVE_READ_CR3 "mov %%cr3, %%rax"
#define NATIVE_WRITE_CR3 "mov %%rdi, %%cr3"
#define NATIVE_SET_PTE "mov %%rsi, (%%rdi)"
#define NATIVE_PTE_IDENT "mov %%rdi, %%rax"
#define NATIVE_INVLPG "invlpg (%%rdi)"
#define NATIVE_SPIN_UNLOCK "movb $0, (%%rdi)"

/* Native implementations the compiled-out build calls directly. */
unsigned long native_read_cr0(void);
void native_write_cr0(unsigned long val);
unsigned long native_read_cr4(void);
void native_write_cr4(unsigned long val);
uint64_t native_read_msr(uint32_t msr);
void native_write_msr(uint32_t msr, uint64_t val);
void native_cpuid(struct cpuid_regs *regs);
void native_load_gdt(const struct desc_ptr *ptr);
void native_load_idt(const struct desc_ptr *ptr);
void native_load_tr(unsigned int sel);
void native_write_gdt_entry(uint64_t *gdt, int index, uint64_t desc);
void native_write_idt_entry(struct idt_gate *idt, int vector, const struct idt_gate *gate);
void native_load_sp0(unsigned long sp0);
void native_wbinvd(void);
void native_halt(void);
void native_safe_halt(void);
void native_set_pxd(pteval_t *p, pteval_t val);
void native_flush_tlb_local(void);
void native_flush_tlb_global(void);
uint64_t native_sched_clock(void);
uint64_t native_steal_clock(int cpu);

/* Natively lazy MMU mode does nothing: the compiled-out build calls this. */
static inline void native_lazy_mmu_nop(void)
{
}

/* Natively a frame needs nothing to become a page table. */
static inline void native_pt_nop(uint64_t pfn, int level)
{
}

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
