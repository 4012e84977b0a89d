/*
 * The page-table walker every platform shares.  It never writes a table
 * entry itself: entries go through set_pte/set_pmd/set_pud/set_p4d and
 * values through make_pte/pte_val (and their pmd twins), and a new table
 * page is announced with paravirt_alloc_pt, so on Xen PV every change is a
 * hypercall on machine frames while natively it is a plain store.
 *
 * Every CPU shares the kernel's tables, so every change to them is made
 * under pgtable_lock: the walk that finds a table missing, allocates one
 * and installs it, and the change of the entry, as one step.  Otherwise
 * two CPUs could both find a table missing and both install one, the
 * second over the first, losing the first CPU's mapping and leaking its
 * table.  Frames for new tables come from the frame allocator under the
 * lock: its frames_lock comes after this one (amphi/spinlock.h).
 *
 * The TLB shootdown a change needs is noted under the lock and made once
 * it is released, before the call returns.  Natively it is an IPI that
 * every other CPU must answer, and a CPU spinning for the lock with
 * interrupts off could not; and the lock is held for a table walk, not
 * for a round trip to every CPU.  Until the call returns another CPU may
 * still hold the old translation, as it may under any lock, since CPUs
 * read the tables without one: what matters is that the caller, who owns
 * the address, does not hand it on before the call returns.  A table
 * that a large page replaced is released after the shootdown.
 * pgtable_lookup reads without the lock: a table, once installed, stays
 * (only map_large replaces one, while the boot builds the direct map).
 */
#include <asm/pgtable.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>

/* Xen PV has no large pages; natively they keep the direct map small. */
bool pgtable_large_pages = true;
/* Whether PTE_NX may be set: without NX it is a reserved bit. */
bool paging_nx;
uint64_t pgtable_nr_tables;
static struct spinlock pgtable_lock = SPINLOCK_INIT;

static void count_table(void)
{
	__atomic_fetch_add(&pgtable_nr_tables, 1, __ATOMIC_RELAXED);
}

/* What a change leaves to do once the lock is released. */
struct pt_after {
	bool flush;
	unsigned long va;     /* or TLB_FLUSH_ALL */
	uint64_t release_pfn; /* a level-1 table no longer used, or 0 */
};

static void note_flush(struct pt_after *after, unsigned long va)
{
	if (after->flush && after->va != va)
		va = TLB_FLUSH_ALL;
	after->flush = true;
	after->va = va;
}

static unsigned long pgtable_lock_take(void)
{
	return spin_lock_irqsave(&pgtable_lock);
}

static void pgtable_lock_give(unsigned long flags, const struct pt_after *after)
{
	spin_unlock_irqrestore(&pgtable_lock, flags);
	if (after->flush)
		tlb_shootdown(after->va);
	if (after->release_pfn)
		paravirt_release_pt(after->release_pfn, 1);
}

static pteval_t fix_flags(pteval_t flags)
{
	return paging_nx ? flags : flags & ~PTE_NX;
}

static unsigned idx(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static pteval_t entry_val(int level, pteval_t stored)
{
	return level == 1 ? pte_val(stored) : pmd_val(stored);
}

static pteval_t entry_make(int level, pteval_t v)
{
	return level == 1 ? make_pte(v) : make_pmd(v);
}

static void entry_set(int level, pteval_t *p, pteval_t v)
{
	switch (level) {
	case 1:
		set_pte(p, v);
		break;
	case 2:
		set_pmd(p, v);
		break;
	case 3:
		set_pud(p, v);
		break;
	default:
		set_p4d(p, v);
		break;
	}
}

pteval_t *pgtable_root(void)
{
	return __va(read_cr3() & PTE_ADDR);
}

pteval_t *pgtable_alloc_table(int level)
{
	pteval_t *t = mm_page_alloc_zeroed(); /* every entry not present */

	if (t) {
		count_table();
		paravirt_alloc_pt(virt_to_pfn(t), level);
	}
	return t;
}

/* Replaces the 2 MiB page in *e by a table of 512 small pages with the
 * same frames and permissions. */
static pteval_t *split_large(pteval_t *e, pteval_t v, struct pt_after *after)
{
	pteval_t *t = mm_page_alloc();
	pteval_t flags = (v & ~PTE_ADDR & ~PTE_PS) | (v & PTE_NX);

	if (!t)
		return NULL;
	count_table();
	for (unsigned i = 0; i < 512; i++)
		t[i] = make_pte(((v & PTE_ADDR) + i * PAGE_SIZE) | flags);
	paravirt_alloc_pt(virt_to_pfn(t), 1);
	entry_set(2, e, entry_make(2, __pa(t) | PTE_P | PTE_W));
	note_flush(after, TLB_FLUSH_ALL);
	return t;
}

/* The entry for va in the table of `level`, creating tables on the way. */
static pteval_t *walk(pteval_t *root, unsigned long va, int level, struct pt_after *after)
{
	pteval_t *table = root;

	for (int l = 4; l > level; l--) {
		pteval_t *e = &table[idx(va, l)];
		pteval_t v = entry_val(l, *e);

		if (!(v & PTE_P)) {
			pteval_t *t = pgtable_alloc_table(l - 1);
			if (!t)
				return NULL;
			entry_set(l, e, entry_make(l, __pa(t) | PTE_P | PTE_W));
			table = t;
		} else if (v & PTE_PS) {
			if (l != 2 || !(table = split_large(e, v, after)))
				return NULL;
		} else {
			table = __va(v & PTE_ADDR);
		}
	}
	return &table[idx(va, level)];
}

static int map_page(pteval_t *root, unsigned long va, uint64_t pa, pteval_t flags,
		    struct pt_after *after)
{
	pteval_t *e = walk(root, va, 1, after);

	if (!e)
		return -1;
	/* A TLB holds no not-present entry: only a changed mapping needs a flush. */
	bool was_present = pte_val(*e) & PTE_P;
	set_pte(e, make_pte((pa & PTE_ADDR) | fix_flags(flags)));
	if (was_present)
		note_flush(after, va);
	return 0;
}

static int map_large(pteval_t *root, unsigned long va, uint64_t pa, pteval_t flags,
		     struct pt_after *after)
{
	pteval_t *e = walk(root, va, 2, after);

	if (!e)
		return -1;
	pteval_t old = entry_val(2, *e);
	set_pmd(e, make_pmd((pa & PTE_ADDR) | fix_flags(flags) | PTE_PS));
	if (old & PTE_P)
		note_flush(after, TLB_FLUSH_ALL);
	if ((old & PTE_P) && !(old & PTE_PS))
		after->release_pfn = (old & PTE_ADDR) >> PAGE_SHIFT;
	return 0;
}

int pgtable_map_range(pteval_t *root, unsigned long va, uint64_t pa, uint64_t len, pteval_t flags)
{
	while (len) {
		bool large = pgtable_large_pages && !(va & (LARGE_PAGE_SIZE - 1)) &&
			     !(pa & (LARGE_PAGE_SIZE - 1)) && len >= LARGE_PAGE_SIZE;
		uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;

		struct pt_after after = {0};
		unsigned long lock = pgtable_lock_take();
		int rc = large ? map_large(root, va, pa, flags, &after)
			       : map_page(root, va, pa, flags, &after);

		pgtable_lock_give(lock, &after);
		if (rc)
			return -1;
		va += step;
		pa += step;
		len = len > step ? len - step : 0;
	}
	return 0;
}

int pgtable_map_page(pteval_t *root, unsigned long va, uint64_t pa, pteval_t flags)
{
	struct pt_after after = {0};
	unsigned long lock = pgtable_lock_take();
	int rc = map_page(root, va, pa, flags, &after);

	pgtable_lock_give(lock, &after);
	return rc;
}

static int unmap_page(pteval_t *root, unsigned long va, struct pt_after *after)
{
	int level;

	if (!pgtable_lookup(root, va, &level))
		return -1;
	pteval_t *e = walk(root, va, 1, after); /* splits a large page first */
	if (!e)
		return -1;
	set_pte(e, 0);
	note_flush(after, va);
	return 0;
}

int pgtable_unmap_page(pteval_t *root, unsigned long va)
{
	struct pt_after after = {0};
	unsigned long lock = pgtable_lock_take();
	int rc = unmap_page(root, va, &after);

	pgtable_lock_give(lock, &after);
	return rc;
}

pteval_t *pgtable_pte_ptr(pteval_t *root, unsigned long va)
{
	struct pt_after after = {0};
	unsigned long lock = pgtable_lock_take();
	pteval_t *e = NULL;
	int level;

	if (pgtable_lookup(root, va, &level) && level == 1)
		e = walk(root, va, 1, &after);
	pgtable_lock_give(lock, &after);
	return e;
}

int pgtable_fill_top(pteval_t *root, unsigned first, unsigned end)
{
	unsigned long lock = pgtable_lock_take();
	struct pt_after after = {0};
	int rc = 0;

	for (unsigned i = first; i < end && !rc; i++) {
		if (entry_val(4, root[i]) & PTE_P)
			continue;
		pteval_t *t = pgtable_alloc_table(3);
		if (!t)
			rc = -1;
		else
			entry_set(4, &root[i], entry_make(4, __pa(t) | PTE_P | PTE_W));
	}
	pgtable_lock_give(lock, &after);
	return rc;
}

pteval_t pgtable_lookup(pteval_t *root, unsigned long va, int *level)
{
	pteval_t *table = root;

	for (int l = 4; l >= 1; l--) {
		pteval_t v = entry_val(l, table[idx(va, l)]);

		if (!(v & PTE_P))
			return 0;
		if (l == 1 || (v & PTE_PS)) {
			*level = l;
			return v;
		}
		table = __va(v & PTE_ADDR);
	}
	return 0;
}
