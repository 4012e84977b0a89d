/*
 * x86-64 4-level page tables, reached only through the paravirt MMU ops so
 * that the same code edits native tables and Xen PV's hypervisor-checked
 * ones (arch/x86/mm/pgtable.c).  A table entry holds a (pseudo-)physical
 * address; the walker reaches the next table through the direct map,
 * __va(entry & PTE_ADDR) (asm/page.h).
 */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H
#include <amphi/types.h>
#include <asm/page.h>
#include <asm/paravirt.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* What kernel mappings are made of. */
#define PAGE_KERNEL_RX (PTE_P)
#define PAGE_KERNEL_RO (PTE_P | PTE_NX)
#define PAGE_KERNEL_RW (PTE_P | PTE_W | PTE_NX)
#define PAGE_KERNEL_IO (PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT)

#define LARGE_PAGE_SIZE (1ULL << 21)

/*
 * The upper half, by L4 slot (512 GiB each).  Slots 256-271 are Xen PV's
 * own (its M2P table, its direct map): a PV guest cannot map there, so the
 * kernel never does.  The direct map (and the kernel image in it) starts
 * at PAGE_OFFSET, slot 273, and may grow over the 128 slots Linux gives
 * it; the kernel's fixed virtual ranges outside it come after, each in
 * its own slot, kept in one list so they cannot collide (where Linux has
 * its vmalloc area).  The whole lower half is user space
 * (amphi/uaccess.h).
 */
#define L4_SHIFT 39
#define L4_SLOT(va) ((unsigned)(((va) >> L4_SHIFT) & 511))
#define L4_XEN_FIRST 256 /* Xen PV's slots: 256 .. 271 */
#define L4_KERNEL_FIRST 272
#define L4_DIRECT_MAP L4_SLOT(PAGE_OFFSET)
#define DIRECT_MAP_SIZE (128ULL << L4_SHIFT) /* 64 TiB */
#define VA_FIXED_BASE 0xffffc90000000000UL
#define VA_FIXED(n) (VA_FIXED_BASE + ((unsigned long)(n) << L4_SHIFT))
#define VA_NEVER_MAPPED VA_FIXED(0)		  /* exception selftest: must fault */
#define VA_PAGING_TEST VA_FIXED(1)		  /* paging selftest */
#define VA_BENCH_PTE VA_FIXED(2)		  /* make bench's pte update */
#define VA_GRANT_TABLE VA_FIXED(3)		  /* Xen PV grant table frames */
#define VA_GRANT_TEST (VA_FIXED(3) + (4UL << 30)) /* grant in-use selftest */
#define VA_PGTABLE_SMP VA_FIXED(4)		  /* walker's SMP selftest, 512 GiB */
#define VA_FIXED_END VA_FIXED(5)

/* Maps one 4 KiB page at va, splitting a large page if one covers it;
 * 0, or -1 when a page-table page cannot be had. */
int pgtable_map_page(pteval_t *root, unsigned long va, uint64_t pa, pteval_t flags);
/* Maps [va, va+len) to [pa, ...) using 2 MiB pages where alignment allows. */
int pgtable_map_range(pteval_t *root, unsigned long va, uint64_t pa, uint64_t len, pteval_t flags);
int pgtable_unmap_page(pteval_t *root, unsigned long va);
/* Flushes a kernel address (or TLB_FLUSH_ALL) from every online CPU's TLB,
 * this one's included (arch/x86/mm/tlb.c).  Any context. */
void tlb_shootdown(unsigned long addr);
/* The entry mapping va and its level (1 = 4 KiB, 2 = 2 MiB), in the
 * kernel's terms (pte_val applied); 0 when va is not mapped. */
pteval_t pgtable_lookup(pteval_t *root, unsigned long va, int *level);
/* The 4 KiB-level entry for a mapped va, NULL when va is unmapped or in a
 * large page. */
pteval_t *pgtable_pte_ptr(pteval_t *root, unsigned long va);
/* A new zeroed table page, announced with paravirt_alloc_pt. */
pteval_t *pgtable_alloc_table(int level);
/* Table pages the walker has taken from the allocator since boot (new
 * levels and split large pages): what a leak check compares with the
 * tables it can reach. */
extern uint64_t pgtable_nr_tables;
/* Gives every empty L4 slot in [first, end) of root a table of its own
 * (0, or -1 without memory): arch/x86/mm/uvm.c, for the roots that share
 * them. */
int pgtable_fill_top(pteval_t *root, unsigned first, unsigned end);
/* The current root, from cr3. */
pteval_t *pgtable_root(void);

extern bool pgtable_large_pages;
/* Whether no-execute protection is on; set by the platform's paging init. */
extern bool paging_nx;
/* Maps the kernel image W^X into root (arch/x86/mm/paging_native.c). */
int paging_map_kernel(pteval_t *root);

/* What a walk of the kernel half of a page-table tree found, by effective
 * permissions, a large page counted as its 4 KiB pages (wx_check.c). */
struct wx_scan {
	uint64_t pages;		 /* 4 KiB pages mapped, all checked */
	uint64_t exec;		 /* of them executable */
	uint64_t wx;		 /* writable and executable */
	uint64_t x_outside;	 /* executable outside [_kernel_start, __rodata_start) */
	uint64_t foreign_tables; /* entries naming a table not ours: not walked */
	bool found;		 /* an offending page was seen; the first: */
	unsigned long first;	 /* its address */
	pteval_t first_flags;	 /* its effective P, W, U and NX */
	pteval_t first_entry;	 /* the entry that mapped it, as pte_val reads it */
};
/* Walks every L4 slot of root but Xen PV's; only reads. */
void paging_wx_walk(const pteval_t *root, struct wx_scan *s);
/* "r-x" and so on for effective flags (without NX everything is x). */
const char *paging_wx_flags(pteval_t eff);
/* The boot's check of the live tables: panics on a page that is writable
 * and executable or executable outside the text; without NX it warns. */
void paging_wx_check(void);

#endif
