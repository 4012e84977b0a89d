/*
 * What CPUs cost each other, for make bench (`bench=smp`, with two CPUs
 * or more): an IPI round trip (a call run on another CPU and waited for)
 * and a TLB shootdown of one page on every CPU.  Counted like the rest
 * of kernel/bench.c: under QEMU with -icount shift=0 the TSC advances
 * with the instructions of every CPU, so the figures are the work of the
 * sender, the receiver and, on Xen, the hypervisor in between.
 *
 * Output, as kernel/bench.c's:
 *   bench: <name> <iterations> <ticks> <ticks per iteration x1000>
 */
#include <amphi/bench.h>
#include <amphi/printk.h>
#include <amphi/smp.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

#define SMP_ITERATIONS 2000
#define SMP_RUNS 5

static void nothing(void *unused)
{
	(void)unused;
}

static uint64_t __attribute__((noinline)) loop_ipi(unsigned n)
{
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < n; i++)
		smp_call_function_single(1, nothing, NULL);
	return rdtsc() - t0;
}

static uint64_t __attribute__((noinline)) loop_shootdown(unsigned n)
{
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < n; i++)
		tlb_shootdown(VA_BENCH_PTE);
	return rdtsc() - t0;
}

static void smp_run_one(const char *name, uint64_t (*loop)(unsigned))
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < SMP_RUNS; r++) {
		uint64_t t = loop(SMP_ITERATIONS);

		best = t < best ? t : best;
	}
	kprintf("bench: %s %u %lu %lu\n", name, SMP_ITERATIONS, best, best * 1000 / SMP_ITERATIONS);
}

bool bench_smp(void)
{
	unsigned int online = nr_cpus_online();

	kprintf("bench: start smp (%u CPUs online, %u iterations, best of %u runs)\n", online,
		SMP_ITERATIONS, SMP_RUNS);
	if (online < 2 || !cpus[1].online) {
		kprintf("bench: FAILED: bench=smp needs CPU 1 online (%u online)\n", online);
		return false;
	}
	smp_run_one("ipi_round_trip", loop_ipi);
	smp_run_one("tlb_shootdown_all", loop_shootdown);
	kprintf("bench: done\n");
	return true;
}
