/*
 * Selftests of the kernel's mappings, run on every platform (on Xen PV the
 * same walker edits Xen-checked tables through hypercalls): a page is
 * mapped, used, unmapped and then faults; a write to rodata and to text, an
 * instruction fetch from data and a NULL dereference all fault as W^X and
 * the unmapped page 0 say they must.
 */
#include <asm/pgtable.h>
#include <asm/trap.h>
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/string.h>

#define TEST_VA VA_PAGING_TEST
#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_FETCH 0x10

static const uint64_t rodata_word = 0x0123456789abcdefULL;
static uint8_t data_code[16] __aligned(16);
static volatile uintptr_t fault_target;

static void write_target(void)
{
	*(volatile uint64_t *)fault_target = 0x5a5a5a5a;
}

static void read_target(void)
{
	(void)*(volatile uint64_t *)fault_target;
}

static void call_target(void)
{
	((void (*)(void))fault_target)();
}

/* Did a fault at `addr` with the error-code bits `want` happen? */
static enum selftest_result check(struct selftest_ctx *ctx, void (*cause)(void), uintptr_t addr,
				  uint64_t want, const char *what)
{
	fault_target = addr;
	if (!trap_expect_run(14, cause))
		return selftest_fail(ctx, "%s at %#lx did not fault", what, addr);
	if (trap_expect.cr2 != addr || (trap_expect.error_code & want) != want)
		return selftest_fail(ctx, "%s: fault at %#lx error %#lx, expected %#lx with %#lx",
				     what, trap_expect.cr2, trap_expect.error_code, addr, want);
	return SELFTEST_SUCCESS;
}

SELFTEST(paging_map_unmap)
{
	int64_t pfn = mm_frame_alloc();
	enum selftest_result r;

	if (pfn < 0)
		return selftest_error(ctx, "no free frame");
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;
	if (pgtable_map_page(pgtable_root(), TEST_VA, pa, PAGE_KERNEL_RW))
		return selftest_error(ctx, "could not map %#lx", TEST_VA);
	*(volatile uint64_t *)(TEST_VA + 8) = 0xfeedface;
	bool seen =
	    mm_is_mapped(pa, PAGE_SIZE) ? ((volatile uint64_t *)__va(pa))[1] == 0xfeedface : true;
	int level;
	pteval_t pte = pgtable_lookup(pgtable_root(), TEST_VA, &level);
	pgtable_unmap_page(pgtable_root(), TEST_VA);
	r = check(ctx, read_target, TEST_VA, 0, "a read of the unmapped page");
	mm_frame_free((uint64_t)pfn);
	if (!seen || (pte & PTE_ADDR) != pa || level != 1)
		return selftest_fail(ctx, "the mapping did not reach frame %#lx (pte %#lx)", pa,
				     pte);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx, "mapped %#lx -> %#lx, written, unmapped, then faulted", TEST_VA,
			     pa);
}

SELFTEST(paging_wx)
{
	enum selftest_result r;

	if ((r = check(ctx, write_target, (uintptr_t)&rodata_word, PF_PRESENT | PF_WRITE,
		       "a write to rodata")))
		return r;
	if ((r = check(ctx, write_target, (uintptr_t)_kernel_start + 64, PF_PRESENT | PF_WRITE,
		       "a write to text")))
		return r;
	if ((r = check(ctx, read_target, 0, 0, "a NULL read")))
		return r;
	if (!paging_nx)
		return selftest_skip(ctx, "writes to rodata and text fault; no NX on this CPU");
	data_code[0] = 0xc3; /* ret */
	if ((r = check(ctx, call_target, (uintptr_t)data_code, PF_PRESENT | PF_FETCH,
		       "a call into data")))
		return r;
	return selftest_pass(ctx, "writes to rodata and text, a NULL read and a fetch from data "
				  "all faulted");
}

/* A second top-level table with the same kernel half: pinned (Xen PV
 * validates it), loaded into cr3, used, and switched away from again. */
SELFTEST(paging_cr3_switch)
{
	pteval_t *old = pgtable_root();
	pteval_t *copy = pgtable_alloc_table(4);
	static volatile uint64_t probe = 0x1234;

	if (!copy)
		return selftest_error(ctx, "no frame for a page table");
	for (int i = 0; i < 512; i++)
		if (pmd_val(old[i]) & PTE_P)
			set_p4d(&copy[i], old[i]);
	uint64_t pfn = virt_to_pfn(copy);
	paravirt_pin_pt(pfn, 4);
	write_cr3(__pa(copy));
	bool switched = (pgtable_root() == copy);
	probe++;
	bool works = probe == 0x1235;
	write_cr3(__pa(old));
	paravirt_release_pt(pfn, 4);
	mm_frame_free(pfn);
	if (!switched)
		return selftest_fail(ctx, "cr3 reads %p after loading %p", (void *)pgtable_root(),
				     (void *)copy);
	if (!works || pgtable_root() != old)
		return selftest_fail(ctx, "the kernel did not run on the copied tables");
	return selftest_pass(ctx, "ran on a pinned copy of the top-level table at %#lx and back",
			     (uintptr_t)copy);
}
