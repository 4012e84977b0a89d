/*
 * The user half of a process's page tables.  Each process has its own root
 * whose upper-half slots (from L4_KERNEL_FIRST: the direct map's and the
 * fixed ranges', asm/pgtable.h) point at the kernel's own L3 tables,
 * shared, so a kernel mapping made in any of them is seen in every root;
 * uvm_kernel_prepare gives each slot the kernel uses its table at boot so
 * that no new kernel L4 entry is ever needed later.  Xen PV's slots
 * (256-271) are left empty: Xen fills them in every root it validates.
 * The user slots, the lower half, hold tables of this root alone, with the
 * user bit at every level.  Entries hold physical addresses; tables and
 * user pages are reached through the direct map.
 *
 * Every entry is written through the paravirt MMU ops, as in pgtable.c, so
 * that Xen PV can check them.  On Xen PV the kernel and its programs both
 * run in ring 3 and every mapping is user-accessible, so a process has a
 * second root for user mode holding only the user half (the pgd ops below,
 * arch/x86/xen/mmu_pv.c): its L4 entries mirror this root's, sharing the
 * tables beneath.  The caller (mm/vm.c) holds
 * its address space's lock; nothing here is shared between processes, so
 * the kernel's pgtable_lock is not needed.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/string.h>
#include <amphi/vm.h>
#include <asm/user.h>

pteval_t *uvm_kernel_root;

static unsigned idx(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static void set_entry(int level, pteval_t *e, pteval_t v)
{
	if (level == 4)
		set_p4d_user(e, make_pmd(v));
	else if (level == 3)
		set_pud(e, make_pmd(v));
	else
		set_pmd(e, make_pmd(v));
}

static pteval_t *table_of(pteval_t stored)
{
	return __va(pmd_val(stored) & PTE_ADDR);
}

int uvm_kernel_prepare(void)
{
	unsigned direct_end = L4_SLOT((uint64_t)__va(MAX(boot_info.mapped_limit, 1) - 1)) + 1;

	uvm_kernel_root = pgtable_root();
	if (pgtable_fill_top(uvm_kernel_root, L4_DIRECT_MAP, direct_end) ||
	    pgtable_fill_top(uvm_kernel_root, L4_SLOT(VA_FIXED_BASE), L4_SLOT(VA_FIXED_END)))
		return -ENOMEM;
	return 0;
}

pteval_t *native_pgd_alloc(void)
{
	return mm_page_alloc_zeroed();
}

void native_pgd_free(pteval_t *root)
{
	mm_page_free(root);
}

pteval_t *uvm_root_alloc(void)
{
	pteval_t *root = paravirt_pgd_alloc();

	if (!root)
		return NULL;
	vm_count_pages(1);
	/* Not yet a page table: plain stores, before it is announced. */
	memcpy(root + L4_KERNEL_FIRST, uvm_kernel_root + L4_KERNEL_FIRST,
	       (512 - L4_KERNEL_FIRST) * sizeof(pteval_t));
	paravirt_pgd_pin(root);
	return root;
}

static void free_table(pteval_t *t, int level)
{
	paravirt_release_pt(virt_to_pfn(t), level);
	mm_page_free(t);
	vm_count_pages(-1);
}

/* A page mapped PROT_NONE keeps its frame in an entry that is not
 * present, marked with a bit the MMU leaves to software, as Linux's
 * _PAGE_PROTNONE: every access faults, the kernel's copies included, and
 * a later mprotect finds the frame and its bytes again. */
#define PTE_PROTNONE (1ULL << 9)

/* The entry holds a frame of the space, accessible or not. */
static bool pte_has_page(pteval_t v)
{
	return v & (PTE_P | PTE_PROTNONE);
}

static void free_level(pteval_t *t, int level, void (*free_page)(void *page))
{
	for (unsigned i = 0; i < 512; i++) {
		pteval_t v = level == 1 ? pte_val(t[i]) : pmd_val(t[i]);

		if (level == 1 ? !pte_has_page(v) : !(v & PTE_P))
			continue;
		if (level == 1)
			free_page(__va(v & PTE_ADDR));
		else
			free_level(table_of(t[i]), level - 1, free_page);
	}
	free_table(t, level);
}

void uvm_root_free(pteval_t *root, void (*free_page)(void *page))
{
	paravirt_pgd_unpin(root); /* its tables may become plain pages now */
	for (unsigned i = USER_L4_FIRST; i < USER_L4_END; i++)
		if (pmd_val(root[i]) & PTE_P)
			free_level(table_of(root[i]), 3, free_page);
	paravirt_pgd_free(root);
	vm_count_pages(-1);
}

/* The level-1 entry of va, making the tables on the way if `make`. */
static pteval_t *walk(pteval_t *root, uint64_t va, bool make)
{
	pteval_t *t = root;

	for (int l = 4; l > 1; l--) {
		pteval_t *e = &t[idx(va, l)];

		if (pmd_val(*e) & PTE_P) {
			t = table_of(*e);
			continue;
		}
		if (!make)
			return NULL;
		pteval_t *n = mm_page_alloc_zeroed();
		if (!n)
			return NULL;
		vm_count_pages(1);
		paravirt_alloc_pt(virt_to_pfn(n), l - 1);
		set_entry(l, e, __pa(n) | PTE_P | PTE_W | PTE_U);
		t = n;
	}
	return &t[idx(va, 1)];
}

static pteval_t pte_flags(unsigned prot)
{
	pteval_t f = PTE_P | PTE_U;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_PROTNONE;

	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC) && paging_nx)
		f |= PTE_NX;
	return f;
}

int uvm_map(pteval_t *root, uint64_t va, void *page, unsigned prot)
{
	pteval_t *e = walk(root, va, true);

	if (!e)
		return -ENOMEM;
	set_pte(e, make_pte(__pa(page) | pte_flags(prot)));
	return 0;
}

void *uvm_lookup(pteval_t *root, uint64_t va, unsigned *prot)
{
	pteval_t *e = walk(root, va, false);
	pteval_t v = e ? pte_val(*e) : 0;

	if (!pte_has_page(v))
		return NULL;
	if (prot)
		*prot = !(v & PTE_P) ? 0
				     : PROT_READ | (v & PTE_W ? PROT_WRITE : 0) |
					   (v & PTE_NX ? 0 : PROT_EXEC);
	return __va(v & PTE_ADDR);
}

/* The level-1 table holding va's entry, or NULL with *next the first
 * address past the missing table's span. */
static pteval_t *l1_table(pteval_t *root, uint64_t va, uint64_t *next)
{
	pteval_t *t = root;

	for (int l = 4; l > 1; l--) {
		pteval_t e = pmd_val(t[idx(va, l)]);

		if (!(e & PTE_P)) {
			uint64_t span = 1ULL << (PAGE_SHIFT + 9 * (l - 1));

			*next = (va + span) & ~(span - 1);
			return NULL;
		}
		t = table_of(t[idx(va, l)]);
	}
	return t;
}

uint64_t uvm_next_page(pteval_t *root, uint64_t va, uint64_t end)
{
	while (va < end) {
		uint64_t next = end;
		pteval_t *t = l1_table(root, va, &next);

		if (!t) {
			va = next > va ? next : end; /* past the top: none */
			continue;
		}
		for (unsigned i = idx(va, 1); i < 512 && va < end; i++, va += PAGE_SIZE)
			if (pte_has_page(pte_val(t[i])))
				return va;
	}
	return end;
}

void *uvm_unmap(pteval_t *root, uint64_t va)
{
	pteval_t *e = walk(root, va, false);
	pteval_t v = e ? pte_val(*e) : 0;

	if (!pte_has_page(v))
		return NULL;
	set_pte(e, make_pte(0));
	return __va(v & PTE_ADDR);
}

void *uvm_protect(pteval_t *root, uint64_t va, unsigned prot)
{
	pteval_t *e = walk(root, va, false);
	pteval_t v = e ? pte_val(*e) : 0;

	if (!pte_has_page(v))
		return NULL;
	set_pte(e, make_pte((v & PTE_ADDR) | pte_flags(prot)));
	return __va(v & PTE_ADDR);
}

void uvm_load(pteval_t *root)
{
	write_cr3(__pa(root));
	paravirt_load_user_root(root == uvm_kernel_root ? NULL : root);
}
