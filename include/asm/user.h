/*
 * The architecture's side of user address spaces and user mode: the user
 * half's page tables (arch/x86/mm/uvm.c), the syscall entry and the ways
 * back to user mode (arch/x86/syscall_64.S, syscall_native.c).
 */
#ifndef ASM_USER_H
#define ASM_USER_H
#include <amphi/types.h>
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/trap.h>

/* The L4 slots of the user range (amphi/uaccess.h): the lower half. */
#define USER_L4_FIRST 0
#define USER_L4_END 256

/* Every L4 slot the kernel maps in (the direct map's, the fixed ranges')
 * gets its table now, so that roots made later, which share those tables,
 * see every kernel mapping made later too.  0 or -ENOMEM. */
int uvm_kernel_prepare(void);
/* A root: the kernel's slots shared, the user range empty.  NULL without
 * memory. */
pteval_t *uvm_root_alloc(void);
/* Frees the user range's tables and root, calling free_page for each
 * frame still mapped (by its kernel address). */
void uvm_root_free(pteval_t *root, void (*free_page)(void *page));
/* Maps the user page va to the frame at kernel address page with `prot`
 * (PROT_*); 0 or -ENOMEM.  The caller flushes if one was there. */
int uvm_map(pteval_t *root, uint64_t va, void *page, unsigned prot);
/* The page mapped at va (its kernel address) or NULL; unmap clears the
 * entry, protect rewrites it, both returning the page (NULL: none). */
void *uvm_lookup(pteval_t *root, uint64_t va, unsigned *prot);
/* The first page-aligned address in [va, end) with a page mapped, or
 * end: a missing table's whole span is skipped at once, a table's
 * entries read in turn. */
uint64_t uvm_next_page(pteval_t *root, uint64_t va, uint64_t end);
void *uvm_unmap(pteval_t *root, uint64_t va);
void *uvm_protect(pteval_t *root, uint64_t va, unsigned prot);
/* Loads root on this CPU (interrupts off); the kernel's own root. */
void uvm_load(pteval_t *root);
extern pteval_t *uvm_kernel_root;

/* Entry and exit (arch/x86/syscall_64.S). */
void user_enter(const struct trap_frame *f, uintptr_t stack_top) __noreturn;
void syscall_dispatch(struct trap_frame *f);
/* Natively and on PVH: the MSRs of `syscall` on this CPU, and user mode's
 * setup on the boot CPU (SMEP, SMAP). */
void native_syscall_init_cpu(void);
void native_user_arch_init(void);
/* An exception in user mode (arch/x86/traps.c sends it; kernel/proc.c). */
void user_trap(struct trap_frame *f, uint64_t cr2);

/* The selectors programs run on: USER_CS and USER_DS of the kernel's GDT,
 * or on Xen PV, which loads no GDT, Xen's flat ring-3 ones (set by the
 * platform's user_init). */
extern uint16_t user_cs, user_ss;

/* A frame of user mode: its cs has RPL 3.  The kernel's is RPL 0
 * natively, and on Xen PV too, where the kernel runs in ring 3 but Xen
 * writes RPL 0 into the frames of the guest's kernel mode. */
static inline bool user_mode(const struct trap_frame *f)
{
	return (f->cs & 3) == 3;
}

#endif
