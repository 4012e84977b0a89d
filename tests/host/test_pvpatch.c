/* Host tests of the call-site patcher (lib/pvpatch.c).
 *
 * Sites are built byte for byte as the kernel's wrappers emit them, patched,
 * then checked two ways: decoded (every inline site must be ds prefixes and
 * exactly the template, so it stays one instruction), and, where user mode
 * can run it, executed: a patched site placed in an executable buffer must
 * compute what the native instruction or the direct callee computes. */
#include "amphi_test.h"
#include <sys/mman.h>
#include <unistd.h>

static void make_site(uint8_t *b, uint8_t modrm)
{
	b[0] = 0xff;
	b[1] = modrm;
	int32_t disp = 0x12345;
	memcpy(b + 2, &disp, 4);
}

static void test_inline_cli_is_one_prefixed_instruction(void **state)
{
	uint8_t b[6];
	const uint8_t cli = 0xfa;
	const char *why;

	make_site(b, 0x15);
	assert_int_equal(pv_patch_site(b, 0x1000, 6, PV_KIND_CALL, PV_PATCH_INLINE, &cli, 1, 0, &why), 0);
	const uint8_t want[6] = {0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0xfa};
	assert_memory_equal(b, want, 6);
	assert_int_equal(pv_site_classify(b, 0x1000, 6, NULL), PV_PATCH_INLINE);
}

static void test_inline_template_too_long_is_refused(void **state)
{
	uint8_t b[6], before[6];
	const uint8_t seven[7] = {1, 2, 3, 4, 5, 6, 7};
	const char *why;

	make_site(b, 0x15);
	memcpy(before, b, 6);
	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_CALL, PV_PATCH_INLINE, seven, 7, 0, &why), -1);
	assert_non_null(why);
	assert_memory_equal(b, before, 6); /* untouched on failure */
}

static void test_direct_call_and_jump(void **state)
{
	uint8_t b[6];
	const char *why;
	uint64_t target = 0;

	make_site(b, 0x15);
	assert_int_equal(pv_patch_site(b, 0x100000, 6, PV_KIND_CALL, PV_PATCH_DIRECT, NULL, 0,
				       0x100800, &why), 0);
	assert_int_equal(b[0], 0x3e);
	assert_int_equal(b[1], 0xe8);
	assert_int_equal(pv_site_classify(b, 0x100000, 6, &target), PV_PATCH_DIRECT);
	assert_int_equal(target, 0x100800);

	make_site(b, 0x25);
	assert_int_equal(pv_patch_site(b, 0x200000, 6, PV_KIND_JMP, PV_PATCH_DIRECT, NULL, 0,
				       0x1ff000, &why), 0);
	assert_int_equal(b[1], 0xe9);
	assert_int_equal(pv_site_classify(b, 0x200000, 6, &target), PV_PATCH_DIRECT);
	assert_int_equal(target, 0x1ff000);
}

static void test_direct_out_of_range_is_refused(void **state)
{
	uint8_t b[6];
	const char *why;

	make_site(b, 0x15);
	assert_int_equal(pv_patch_site(b, 0x100000, 6, PV_KIND_CALL, PV_PATCH_DIRECT, NULL, 0,
				       0x100000 + (1ULL << 33), &why), -1);
	assert_int_equal(pv_site_classify(b, 0x100000, 6, NULL), PV_PATCH_INDIRECT);
}

static void test_nop_is_one_instruction(void **state)
{
	uint8_t b[6];
	const char *why;

	make_site(b, 0x15);
	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_CALL, PV_PATCH_NOP, NULL, 0, 0, &why), 0);
	const uint8_t nop6[6] = {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00};
	assert_memory_equal(b, nop6, 6);
	assert_int_equal(pv_site_classify(b, 0, 6, NULL), PV_PATCH_NOP);
	/* A jump site cannot become a NOP: control must go somewhere. */
	make_site(b, 0x25);
	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_JMP, PV_PATCH_NOP, NULL, 0, 0, &why), -1);
}

static void test_non_site_bytes_are_refused(void **state)
{
	uint8_t b[6] = {0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	const uint8_t sti = 0xfb;
	const char *why;

	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_CALL, PV_PATCH_INLINE, &sti, 1, 0, &why), -1);
	/* Nor is a site patched twice: it is no longer an indirect call. */
	make_site(b, 0x15);
	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_CALL, PV_PATCH_INLINE, &sti, 1, 0, &why), 0);
	assert_int_equal(pv_patch_site(b, 0, 6, PV_KIND_CALL, PV_PATCH_INLINE, &sti, 1, 0, &why), -1);
}

static void test_choose(void **state)
{
	assert_int_equal(pv_patch_choose(5, 1, 5, true, PV_KIND_CALL), PV_PATCH_NOP);
	assert_int_equal(pv_patch_choose(1, 1, 5, true, PV_KIND_CALL), PV_PATCH_INLINE);
	assert_int_equal(pv_patch_choose(1, 1, 5, false, PV_KIND_CALL), PV_PATCH_DIRECT);
	assert_int_equal(pv_patch_choose(7, 1, 5, true, PV_KIND_CALL), PV_PATCH_DIRECT);
	assert_int_equal(pv_patch_choose(5, 1, 5, true, PV_KIND_JMP), PV_PATCH_DIRECT);
}

/* --- running patched code --- */

static uint64_t times_three(uint64_t x)
{
	return 3 * x;
}

/* An executable page near our own code, so rel32 reaches times_three. */
static uint8_t *exec_page(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t hint = ((uintptr_t)times_three & ~(uintptr_t)(ps - 1)) + (64u << 20);
	void *p = mmap((void *)hint, (size_t)ps, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

typedef uint64_t (*fn1)(uint64_t);

static void test_patched_sites_run(void **state)
{
	uint8_t *page = exec_page();
	const char *why;

	if (!page)
		skip(); /* cmocka prints the skip; the kernel test still covers it */
	/* Inline: mov %rdi,%rax (identity pte_val), then ret. */
	const uint8_t mov_rdi_rax[3] = {0x48, 0x89, 0xf8};
	make_site(page, 0x15);
	page[6] = 0xc3;
	assert_int_equal(pv_patch_site(page, (uintptr_t)page, 6, PV_KIND_CALL, PV_PATCH_INLINE,
				       mov_rdi_rax, 3, 0, &why), 0);
	__builtin___clear_cache((char *)page, (char *)page + 7);
	assert_int_equal(((fn1)(void *)page)(0x1234abcd), 0x1234abcd);

	/* Direct jump: the site tail-jumps to times_three. */
	uint8_t *j = page + 64;
	make_site(j, 0x25);
	if ((int64_t)((uintptr_t)times_three - (uintptr_t)(j + 6)) !=
	    (int32_t)((uintptr_t)times_three - (uintptr_t)(j + 6))) {
		munmap(page, (size_t)sysconf(_SC_PAGESIZE));
		skip();
	}
	assert_int_equal(pv_patch_site(j, (uintptr_t)j, 6, PV_KIND_JMP, PV_PATCH_DIRECT, NULL, 0,
				       (uintptr_t)times_three, &why), 0);
	__builtin___clear_cache((char *)j, (char *)j + 6);
	assert_int_equal(((fn1)(void *)j)(14), 42);
	munmap(page, (size_t)sysconf(_SC_PAGESIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_cli_is_one_prefixed_instruction),
		cmocka_unit_test(test_inline_template_too_long_is_refused),
		cmocka_unit_test(test_direct_call_and_jump),
		cmocka_unit_test(test_direct_out_of_range_is_refused),
		cmocka_unit_test(test_nop_is_one_instruction),
		cmocka_unit_test(test_non_site_bytes_are_refused),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_patched_sites_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
