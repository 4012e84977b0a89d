/*
 * Microbenchmarks of the operations paravirt_ops puts on hot paths: the
 * interrupt flag, a cr3 reload, a pte update, a spinlock and a context
 * switch.  Each is timed with the TSC around a loop; under QEMU with
 * -icount shift=0 the TSC advances with executed instructions, so what is
 * printed is instructions, and the same loop in the compiled-out build, the
 * patched build and the nopvpatch boot can be compared exactly.  Each
 * benchmark runs a few times and the lowest count is kept, so a stray
 * interrupt inside one run does not count.
 *
 * Output, one line per benchmark, read by tools/bench.sh:
 *   bench: <name> <iterations> <ticks> <ticks per iteration x1000>
 */
#include <amphi/bench.h>
#include <amphi/mm.h>
#include <amphi/params.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

#define ITERATIONS 20000
#define RUNS 5
#define BENCH_VA VA_BENCH_PTE

static uint64_t __attribute__((noinline)) loop_irq(unsigned n)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < n; i++) {
		unsigned long flags = local_irq_save();
		barrier();
		local_irq_restore(flags);
	}
	return rdtsc() - t0;
}

static uint64_t __attribute__((noinline)) loop_cr3(unsigned n)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < n; i++)
		write_cr3(read_cr3());
	return rdtsc() - t0;
}

static pteval_t *bench_pte;
static uint64_t bench_pa;

static uint64_t __attribute__((noinline)) loop_pte(unsigned n)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < n; i++) {
		set_pte(bench_pte, make_pte(bench_pa | PAGE_KERNEL_RW));
		flush_tlb_one(BENCH_VA);
	}
	return rdtsc() - t0;
}

/* Only this loop takes the lock, so it needs no interrupt masking: the
 * benchmark is the lock and unlock themselves. */
static struct spinlock bench_lock = SPINLOCK_INIT;

static uint64_t __attribute__((noinline)) loop_spin(unsigned n)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < n; i++) {
		spin_lock(&bench_lock);
		barrier();
		spin_unlock(&bench_lock);
	}
	return rdtsc() - t0;
}

static volatile unsigned partner_left;

static void partner(void *arg)
{
	while (partner_left) {
		partner_left--;
		yield();
	}
}

/* Ping-pong with a second thread: each yield is one switch each way. */
static uint64_t __attribute__((noinline)) loop_switch(unsigned n)
{
	partner_left = n;
	if (!thread_create("bench-partner", partner, NULL))
		return 0;
	yield(); /* let it start */
	uint64_t t0 = rdtsc();
	while (partner_left)
		yield();
	uint64_t t = rdtsc() - t0;
	yield(); /* let it exit */
	return t;
}

static bool run_one(const char *name, uint64_t (*loop)(unsigned), unsigned n, unsigned per)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < RUNS; r++) {
		uint64_t t = loop(n);
		if (t == 0)
			return false;
		best = MIN(best, t);
	}
	/* Per iteration, in thousandths, without floating point. */
	kprintf("bench: %s %u %lu %lu\n", name, n * per, best, best * 1000 / (n * per));
	return true;
}

static bool pte_setup(void)
{
	int64_t pfn = mm_frame_alloc();

	if (pfn < 0)
		return false;
	bench_pa = (uint64_t)pfn << PAGE_SHIFT;
	if (pgtable_map_page(pgtable_root(), BENCH_VA, bench_pa, PAGE_KERNEL_RW))
		return false;
	bench_pte = pgtable_pte_ptr(pgtable_root(), BENCH_VA);
	return bench_pte != NULL;
}

bool bench_run(void)
{
	bool ok = true;

	if (param_bench == BENCH_LHP)
		return bench_lhp();
	if (param_bench == BENCH_SMP)
		return bench_smp();
	kprintf("bench: start (%u iterations, best of %u runs)\n", ITERATIONS, RUNS);
	ok &= run_one("irq_save_restore", loop_irq, ITERATIONS, 1);
	ok &= run_one("cr3_reload", loop_cr3, ITERATIONS / 10, 1);
	ok &= pte_setup() && run_one("pte_update", loop_pte, ITERATIONS, 1);
	ok &= run_one("spin_lock_unlock", loop_spin, ITERATIONS, 1);
	/* n yields by each side: 2n switches. */
	ok &= run_one("context_switch", loop_switch, ITERATIONS / 10, 2);
	ok &= bench_syscall();
	kprintf("bench: %s\n", ok ? "done" : "FAILED: a benchmark could not run");
	return ok;
}
