/*
 * Selftest of the TLB shootdown (arch/x86/mm/tlb.c): a page that every
 * CPU has just read, so that each TLB holds it, is unmapped on one CPU;
 * afterwards a read of it faults on every CPU.  Without the shootdown the
 * others would go on reading the frame through their stale entries.
 */
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/trap.h>

#define TEST_VA (VA_PAGING_TEST + 0x10000)
#define MAGIC 0x7e57ab1e7e57ab1eULL

static uint64_t read_on[NR_CPUS];
static bool faulted_on[NR_CPUS];

static void read_page(void *unused)
{
	(void)unused;
	read_on[smp_processor_id()] = *(volatile uint64_t *)TEST_VA;
}

static void read_page_cause(void)
{
	(void)*(volatile uint64_t *)TEST_VA;
}

/* One CPU at a time: trap_expect is the whole machine's. */
static void expect_fault(void *unused)
{
	(void)unused;
	faulted_on[smp_processor_id()] =
	    trap_expect_run(14, read_page_cause) && trap_expect.cr2 == TEST_VA;
}

static enum selftest_result check_cpus(struct selftest_ctx *ctx)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		if (!cpus[i].online)
			continue;
		if (read_on[i] != MAGIC)
			return selftest_error(ctx, "CPU %u read %#lx, not the page", i, read_on[i]);
		faulted_on[i] = false;
		smp_call_function_single(i, expect_fault, NULL);
		if (!faulted_on[i])
			return selftest_fail(ctx, "CPU %u still reads the page unmapped on CPU %u",
					     i, smp_processor_id());
		n++;
	}
	return selftest_pass(ctx,
			     "%u CPU%s read the page, it was unmapped on CPU %u, then it "
			     "faulted on every one",
			     n, n == 1 ? "" : "s", smp_processor_id());
}

SELFTEST(tlb_shootdown)
{
	int64_t pfn = mm_frame_alloc();
	enum selftest_result r;

	if (pfn < 0)
		return selftest_error(ctx, "no free frame");
	if (pgtable_map_page(pgtable_root(), TEST_VA, (uint64_t)pfn << PAGE_SHIFT,
			     PAGE_KERNEL_RW)) {
		mm_frame_free((uint64_t)pfn);
		return selftest_error(ctx, "could not map %#lx", TEST_VA);
	}
	*(volatile uint64_t *)TEST_VA = MAGIC;
	for (unsigned int i = 0; i < NR_CPUS; i++)
		read_on[i] = 0;
	on_each_cpu(read_page, NULL);
	pgtable_unmap_page(pgtable_root(), TEST_VA);
	r = check_cpus(ctx);
	mm_frame_free((uint64_t)pfn);
	return r;
}
