/*
 * Selftest of the kernel page-table walker (pgtable.c) on every CPU at
 * once, and on Xen PV of its lazy-MMU queues (xen/mmu_pv.c).  A thread on
 * each CPU maps pages of its own, every round in a fresh GiB of
 * VA_PGTABLE_SMP, so that at the start of each round (a barrier) every
 * CPU finds the same level-2 and level-1 tables missing at the same
 * moment; odd threads map and unmap in lazy-MMU mode.  Checked:
 *   - outside lazy mode a change is in the tables when the call returns
 *     (no other CPU's lazy mode queued it);
 *   - once all have mapped, each thread's pages are there with its frames
 *     and hold what it writes (none lost in a table that another CPU
 *     installed over the one it used);
 *   - after the unmaps none is left;
 *   - the walker took exactly as many table pages as there are tables to
 *     reach now (none leaked).
 * Nothing touches a page before every thread has mapped, so that a lost
 * mapping shows as a failure, not as a fault.  With one CPU two threads
 * take turns there.
 */
#include <amphi/mm.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

#define PTS_PAGES 2	   /* per thread and round, all in one level-1 table */
#define PTS_ROUNDS 32	   /* each in its own GiB */
#define PTS_GIBS 512	   /* what VA_PGTABLE_SMP holds */
#define PTS_MAX_THREADS 64 /* PTS_PAGES of each in one table */
#define PTS_TIMEOUT_NS (60ULL * 1000000000ULL)
#define GIB (1UL << 30)

struct pts {
	unsigned int nthreads, first_gib;
	uint64_t start, deadline;
	uint64_t pa[PTS_MAX_THREADS][PTS_PAGES];
	unsigned int arrived, phase; /* the barrier */
	bool aborted;
	/* What went wrong, counted over all threads. */
	uint64_t queued, lost, wrong, left, nomem;
};

static unsigned int pts_next_gib; /* a rerun takes GiBs not used yet */

static unsigned long pts_va(const struct pts *s, unsigned int round, unsigned int idx,
			    unsigned int k)
{
	return VA_PGTABLE_SMP + (s->first_gib + round) * GIB + (idx * PTS_PAGES + k) * PAGE_SIZE;
}

static void pts_count(uint64_t *what)
{
	__atomic_fetch_add(what, 1, __ATOMIC_RELAXED);
}

/* Every thread waits for the others; false once the run was given up. */
static bool pts_barrier(struct pts *s)
{
	unsigned int phase = __atomic_load_n(&s->phase, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&s->arrived, 1, __ATOMIC_ACQ_REL) == s->nthreads) {
		__atomic_store_n(&s->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->phase, phase + 1, __ATOMIC_RELEASE);
		return true;
	}
	while (__atomic_load_n(&s->phase, __ATOMIC_ACQUIRE) == phase) {
		if (READ_ONCE(s->aborted) || sched_clock() > s->deadline) {
			WRITE_ONCE(s->aborted, true);
			return false;
		}
		yield();
	}
	return true;
}

static bool pts_maps(unsigned long va, uint64_t pa)
{
	int level;
	pteval_t v = pgtable_lookup(pgtable_root(), va, &level);

	return v && level == 1 && (v & PTE_ADDR) == pa;
}

static bool pts_mapped(unsigned long va)
{
	int level;

	return pgtable_lookup(pgtable_root(), va, &level) != 0;
}

static void pts_map(struct pts *s, unsigned int idx, unsigned int round, bool lazy)
{
	if (lazy)
		arch_enter_lazy_mmu_mode();
	for (unsigned int k = 0; k < PTS_PAGES; k++) {
		unsigned long va = pts_va(s, round, idx, k);

		if (pgtable_map_page(pgtable_root(), va, s->pa[idx][k], PAGE_KERNEL_RW))
			pts_count(&s->nomem);
		else if (!lazy && !pts_maps(va, s->pa[idx][k]))
			pts_count(&s->queued);
	}
	if (lazy)
		arch_leave_lazy_mmu_mode();
}

/* Every thread has mapped: the tables stay as they are until the unmaps. */
static void pts_check(struct pts *s, unsigned int idx, unsigned int round)
{
	for (unsigned int k = 0; k < PTS_PAGES; k++) {
		unsigned long va = pts_va(s, round, idx, k);
		uint64_t pa = s->pa[idx][k];
		uint64_t mark = (uint64_t)idx << 32 | round << 8 | k;

		if (!pts_maps(va, pa)) {
			pts_count(&s->lost);
			continue;
		}
		*(volatile uint64_t *)va = mark;
		/* The direct map reaches the same frame. */
		if (*(volatile uint64_t *)__va(pa) != mark)
			pts_count(&s->wrong);
	}
}

static void pts_unmap(struct pts *s, unsigned int idx, unsigned int round, bool lazy)
{
	if (lazy)
		arch_enter_lazy_mmu_mode();
	for (unsigned int k = 0; k < PTS_PAGES; k++) {
		unsigned long va = pts_va(s, round, idx, k);

		if (pts_mapped(va) && !pgtable_unmap_page(pgtable_root(), va) && !lazy &&
		    pts_mapped(va))
			pts_count(&s->queued);
	}
	if (lazy)
		arch_leave_lazy_mmu_mode();
	for (unsigned int k = 0; k < PTS_PAGES; k++)
		if (pts_mapped(pts_va(s, round, idx, k)))
			pts_count(&s->left);
}

static void pts_thread(unsigned int idx, void *arg)
{
	struct pts *s = arg;
	bool lazy = idx & 1;

	for (unsigned int round = 0; round < PTS_ROUNDS; round++) {
		if (!pts_barrier(s))
			return;
		pts_map(s, idx, round, lazy);
		if (!pts_barrier(s))
			return;
		pts_check(s, idx, round);
		if (!pts_barrier(s))
			return;
		pts_unmap(s, idx, round, lazy);
	}
}

static pteval_t *pts_next_table(pteval_t *table, unsigned int i)
{
	pteval_t v = pmd_val(table[i]);

	return (v & PTE_P) && !(v & PTE_PS) ? (pteval_t *)__va(v & PTE_ADDR) : NULL;
}

/* The tables under VA_PGTABLE_SMP's root entry, that one included. */
static uint64_t pts_tables(void)
{
	pteval_t *l3 = pts_next_table(pgtable_root(), (VA_PGTABLE_SMP >> 39) & 511);
	uint64_t n = l3 ? 1 : 0;

	for (unsigned int i = 0; l3 && i < 512; i++) {
		pteval_t *l2 = pts_next_table(l3, i);

		n += l2 ? 1 : 0;
		for (unsigned int j = 0; l2 && j < 512; j++)
			n += pts_next_table(l2, j) ? 1 : 0;
	}
	return n;
}

static bool pts_frames(struct pts *s, bool take)
{
	for (unsigned int i = 0; i < s->nthreads; i++)
		for (unsigned int k = 0; k < PTS_PAGES; k++) {
			int64_t pfn = take ? mm_frame_alloc() : 0;

			if (!take && s->pa[i][k])
				mm_frame_free(s->pa[i][k] >> PAGE_SHIFT);
			else if (take && pfn < 0)
				return false;
			s->pa[i][k] = take ? (uint64_t)pfn << PAGE_SHIFT : 0;
		}
	return true;
}

static enum selftest_result pts_verdict(struct selftest_ctx *ctx, const struct pts *s,
					uint64_t taken, uint64_t reached)
{
	if (s->nomem)
		return selftest_error(ctx, "%lu maps found no page for a table", s->nomem);
	if (s->queued || s->lost || s->wrong || s->left)
		return selftest_fail(
		    ctx,
		    "%u threads, %u rounds: %lu changes (outside lazy mode) not in "
		    "the tables on return, %lu mappings lost, %lu to the wrong "
		    "frame, %lu left after unmap",
		    s->nthreads, PTS_ROUNDS, s->queued, s->lost, s->wrong, s->left);
	if (taken != reached)
		return selftest_fail(ctx,
				     "the walker took %lu table pages, %lu tables are reachable: "
				     "%ld leaked",
				     taken, reached, (long)(taken - reached));
	return selftest_pass(ctx,
			     "%u threads on %u CPU%s, %u rounds of %u pages in new tables, odd "
			     "threads lazy: none lost, wrong or left; %lu tables taken, all "
			     "reachable; %lu ms",
			     s->nthreads, nr_cpus_online(), nr_cpus_online() == 1 ? "" : "s",
			     PTS_ROUNDS, PTS_PAGES, taken, (sched_clock() - s->start) / 1000000);
}

SELFTEST(pgtable_smp)
{
	struct pts *s = kmalloc(sizeof(*s));
	unsigned int per_cpu = nr_cpus_online() < 2 ? 2 : 1;
	uint64_t tables, taken;
	enum selftest_result r;
	int started;

	if (!s)
		return selftest_error(ctx, "no memory");
	if (pts_next_gib + PTS_ROUNDS > PTS_GIBS)
		pts_next_gib = 0; /* tables are there already: only the races stay */
	*s = (struct pts){.nthreads = nr_cpus_online() * per_cpu, .first_gib = pts_next_gib};
	pts_next_gib += PTS_ROUNDS;
	if (s->nthreads > PTS_MAX_THREADS) {
		kfree(s);
		return selftest_error(ctx, "more threads than one table holds pages of");
	}
	if (!pts_frames(s, true)) {
		pts_frames(s, false);
		kfree(s);
		return selftest_error(ctx, "no frames for the threads' pages");
	}
	tables = pts_tables();
	taken = __atomic_load_n(&pgtable_nr_tables, __ATOMIC_RELAXED);
	s->start = sched_clock();
	s->deadline = s->start + PTS_TIMEOUT_NS;
	started =
	    selftest_on_every_cpu("pgtsmp", pts_thread, s, per_cpu, PTS_TIMEOUT_NS + 1000000000);
	if (started < 0)
		return selftest_error(ctx, "the threads did not finish"); /* s stays theirs */
	if (s->aborted || (unsigned int)started != s->nthreads)
		r = selftest_error(ctx, "%d of %u threads started, %s", started, s->nthreads,
				   s->aborted ? "the rounds were given up" : "");
	else
		r = pts_verdict(ctx, s,
				__atomic_load_n(&pgtable_nr_tables, __ATOMIC_RELAXED) - taken,
				pts_tables() - tables);
	pts_frames(s, false);
	kfree(s);
	return r;
}
