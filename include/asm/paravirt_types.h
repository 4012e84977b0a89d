/*
 * The paravirt_ops tables, the call-site macros that reach them and the
 * native implementations they default to (see asm/paravirt.h for what it
 * all means).  Kept apart from the wrappers so that the tables' layout can
 * be read, and included, on its own.
 */
#ifndef ASM_PARAVIRT_TYPES_H
#define ASM_PARAVIRT_TYPES_H
#include <amphi/types.h>
#include <asm/desc.h>
#include <asm/x86.h>

#ifndef CONFIG_PARAVIRT
#define CONFIG_PARAVIRT 1
#endif

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
	/* Exchange the kernel's and the user's GS base on the way in from
	 * and out to user mode (CS; natively swapgs, inline).  Xen PV
	 * switches the bases itself: there it does nothing. */
	void (*swapgs)(void);
	void (*wbinvd)(void);
	/* halt: wait for an interrupt with the flag as it is (called with
	 * interrupts off, it only wakes for NMIs).  safe_halt: enable
	 * interrupts and wait, atomically, so a wake-up cannot be lost. */
	void (*halt)(void);
	void (*safe_halt)(void);
};

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
	/* Flush one address, or TLB_FLUSH_ALL, from the TLBs of the CPUs in
	 * `mask` (a cpumask_t of online CPUs, never this one): by IPI, or on
	 * Xen PV one MMUEXT_*_MULTI. */
	void (*flush_tlb_others)(uint64_t mask, unsigned long addr);
	/* Lazy MMU mode: page-table updates between enter and leave may be
	 * batched (Xen PV: one multicall); flush issues the batch early. */
	void (*lazy_mmu_enter)(void);
	void (*lazy_mmu_leave)(void);
	void (*lazy_mmu_flush)(void);
	/* A process's top-level table (arch/x86/mm/uvm.c), zeroed; NULL
	 * without memory.  Natively one page; Xen PV takes two, the second
	 * the root user mode runs on (no kernel mapping in it). */
	pteval_t *(*pgd_alloc)(void);
	/* Its kernel slots are copied: Xen PV makes both tables read-only
	 * and pins them.  unpin: before the user half's tables are freed,
	 * the root loaded on no CPU.  free: after. */
	void (*pgd_pin)(pteval_t *root);
	void (*pgd_unpin)(pteval_t *root);
	void (*pgd_free)(pteval_t *root);
	/* An entry of a process root's user half (Xen PV: written in the
	 * user-mode root too, which shares the tables below). */
	void (*set_p4d_user)(pteval_t *p4dp, pteval_t val);
	/* After write_cr3 of a process's root (NULL: the kernel's own): the
	 * root user mode runs on (Xen PV: MMUEXT_NEW_USER_BASEPTR). */
	void (*load_user_root)(pteval_t *root);
};

struct pv_time_ops {
	uint64_t (*sched_clock)(void);	  /* ns since boot, monotonic */
	uint64_t (*steal_clock)(int cpu); /* ns this vCPU was runnable but not running */
};

struct pv_lock_ops {
	/* Hands the lock to the next ticket (CS).  Natively the head's add,
	 * inline; with a slow path, an add that also kicks a blocked waiter. */
	void (*spin_unlock)(struct spinlock *lock);
	/* A waiter for ticket `want` has spun SPIN_THRESHOLD turns: it may
	 * block until kicked, or return at once; its caller spins on and
	 * calls again.  Natively a no-op. */
	void (*lock_spinning)(struct spinlock *lock, unsigned int want);
	/* The lock was handed to ticket `next`, and a waiter had flagged the
	 * lock: wake the waiter of `next` if it blocked.  Natively a no-op. */
	void (*unlock_kick)(struct spinlock *lock, unsigned int next);
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
#define NATIVE_SWAPGS "swapgs"
/* The head moves on by TICKET_INC (amphi/ticket.h). */
#define NATIVE_SPIN_UNLOCK "addb $2, (%%rdi)"

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
pteval_t *native_pgd_alloc(void);
void native_pgd_free(pteval_t *root);
void native_flush_tlb_local(void);
void native_flush_tlb_global(void);
void native_flush_tlb_others(uint64_t mask, unsigned long addr);
#define TLB_FLUSH_ALL (~0UL)
uint64_t native_sched_clock(void);
uint64_t native_steal_clock(int cpu);

/* Natively lazy MMU mode does nothing: the compiled-out build calls this. */
static inline void native_lazy_mmu_nop(void)
{
}

/* Natively a lock waiter spins and an unlock kicks nobody. */
static inline void native_lock_nop(struct spinlock *lock, unsigned int ticket)
{
}

/* Natively a frame needs nothing to become a page table. */
static inline void native_pt_nop(uint64_t pfn, int level)
{
}

/* Natively a process root needs no pinning and user mode runs on it. */
static inline void native_root_nop(pteval_t *root)
{
}

#endif
