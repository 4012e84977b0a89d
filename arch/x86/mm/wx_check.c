/*
 * The W^X check: a walk over every entry of the kernel's page tables that
 * works out what each mapped page really allows, as the CPU does: writable
 * only if every level says writable, executable unless some level says
 * no-execute, and a 2 MiB or 1 GiB page counted as the 4 KiB pages it maps.
 * A page both writable and executable fails, and so does any executable
 * page outside the kernel's text [_kernel_start, __rodata_start).
 *
 * The walk only reads, and reads entries only through pte_val/pmd_val, so
 * natively it sees the entries themselves and on Xen PV the machine frames
 * turned back into ours.  Every L4 slot is walked but Xen PV's own
 * (256-271, asm/pgtable.h), whose tables are Xen's frames: the kernel and
 * its direct map in the upper half, and the lower half, user space, which
 * a root the kernel walks here maps only for its programs (with PTE_U, as
 * such).  A table is descended into only
 * when its frame is ours and mapped; on Xen PV pmd_val leaves a foreign
 * frame untranslated, and make_pmd does not give back the same entry.
 */
#include <asm/pgtable.h>
#include <amphi/mm.h>
#include <amphi/printk.h>

static bool executable(pteval_t eff)
{
	return !paging_nx || !(eff & PTE_NX);
}

/* The permissions of a walk so far, narrowed by the next entry's. */
static pteval_t combine(pteval_t eff, pteval_t v)
{
	return PTE_P | (eff & v & (PTE_W | PTE_U)) | ((eff | v) & PTE_NX);
}

/* How many of the n pages from va are kernel text. */
static uint64_t text_pages(unsigned long va, uint64_t n)
{
	unsigned long s = MAX(va, (unsigned long)_kernel_start);
	unsigned long e = MIN(va + n * PAGE_SIZE, (unsigned long)__rodata_start);

	return e > s ? (e - s) >> PAGE_SHIFT : 0;
}

/* The first page from va that is not text, knowing there is one. */
static unsigned long first_outside_text(unsigned long va)
{
	if (va >= (unsigned long)_kernel_start && va < (unsigned long)__rodata_start)
		return (unsigned long)__rodata_start;
	return va;
}

/* A mapping of 512^(level-1) pages at va with effective permissions eff. */
static void leaf(struct wx_scan *s, unsigned long va, int level, pteval_t eff, pteval_t entry)
{
	uint64_t n = 1ULL << (9 * (level - 1));
	uint64_t in_text = text_pages(va, n);
	bool writable = eff & PTE_W;

	s->pages += n;
	if (!executable(eff))
		return;
	s->exec += n;
	s->wx += writable ? n : 0;
	s->x_outside += n - in_text;
	if (s->found || (!writable && in_text == n))
		return;
	s->found = true;
	s->first = writable ? va : first_outside_text(va);
	s->first_flags = eff;
	s->first_entry = entry;
}

/* The table a present upper-level entry points to, if it is ours to read. */
static const pteval_t *own_table(pteval_t stored, pteval_t v)
{
	uint64_t pa = v & PTE_ADDR;

	if (((make_pmd(v) ^ stored) & PTE_ADDR) || !mm_is_mapped(pa, PAGE_SIZE))
		return NULL;
	return __va(pa);
}

static void walk(struct wx_scan *s, const pteval_t *table, int level, unsigned long base,
		 pteval_t eff)
{
	for (unsigned i = 0; i < 512; i++) {
		pteval_t stored = table[i];
		pteval_t v = level == 1 ? pte_val(stored) : pmd_val(stored);
		unsigned long va = base + ((unsigned long)i << (PAGE_SHIFT + 9 * (level - 1)));
		const pteval_t *next;

		if (level == 4 && i >= L4_XEN_FIRST && i < L4_KERNEL_FIRST)
			continue;
		if (level == 4 && i >= 256)
			va |= 0xffff000000000000UL; /* canonical: the upper half */
		if (!(v & PTE_P))
			continue;
		if (level == 1 || (level <= 3 && (v & PTE_PS)))
			leaf(s, va, level, combine(eff, v), v);
		else if ((next = own_table(stored, v)))
			walk(s, next, level - 1, va, combine(eff, v));
		else
			s->foreign_tables++;
	}
}

void paging_wx_walk(const pteval_t *root, struct wx_scan *s)
{
	*s = (struct wx_scan){0};
	walk(s, root, 4, 0, PTE_P | PTE_W | PTE_U);
}

const char *paging_wx_flags(pteval_t eff)
{
	static const char *const names[] = {"r--", "r-x", "rw-", "rwx"};

	return names[(eff & PTE_W ? 2 : 0) | (executable(eff) ? 1 : 0)];
}

void paging_wx_check(void)
{
	struct wx_scan s;

	paging_wx_walk(pgtable_root(), &s);
	if (!paging_nx) {
		pr_warn("wx: %lu pages checked, %lu writable and executable: this CPU has no NX, "
			"so every page is executable\n",
			s.pages, s.wx);
		return;
	}
	if (s.found)
		panic("wx: %#lx is %s (effective %s, entry %#lx); %lu pages checked, %lu writable "
		      "and executable, %lu executable outside text",
		      s.first,
		      s.first_flags & PTE_W ? "writable and executable" : "executable outside text",
		      paging_wx_flags(s.first_flags), s.first_entry, s.pages, s.wx, s.x_outside);
	if (s.foreign_tables)
		pr_warn("wx: %lu table entries name frames that are not ours: not walked\n",
			s.foreign_tables);
	pr_info("wx: %lu pages checked, 0 writable and executable\n", s.pages);
}
