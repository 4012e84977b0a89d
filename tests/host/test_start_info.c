/* Unit tests of Xen PV's start_info parser (arch/x86/xen/start_info.c):
 * the module (xl's ramdisk=), given as a virtual address in Xen's initial
 * mapping (which is the pseudo-physical one) or, with SIF_MOD_START_PFN,
 * as a frame number; an empty one, one whose end wraps, and a frame
 * number beyond the address space are refused and said. */
#include "amphi_test.h"
#include <asm/xen/start_info.h>

static struct boot_info bi;
static start_info_t si;

static int reset(void **state)
{
	memset(&bi, 0, sizeof(bi));
	memset(&si, 0, sizeof(si));
	memcpy(si.magic, "xen-3.0-x86_64", 15);
	si.nr_pages = 32768;
	return 0;
}

static void test_module_vaddr(void **state)
{
	si.mod_start = 0x500000;
	si.mod_len = 0x123456;
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.paddr, 0x500000);
	assert_int_equal(bi.module.len, 0x123456);
	assert_int_equal(bi.nproblems, 0);
}

static void test_module_pfn(void **state)
{
	si.flags = SIF_MOD_START_PFN;
	si.mod_start = 0x500;
	si.mod_len = 100;
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.paddr, 0x500000);
	assert_int_equal(bi.module.len, 100);
}

static void test_module_none(void **state)
{
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nmodules, 0);
	assert_int_equal(bi.nproblems, 0);
}

static void test_module_bad(void **state)
{
	si.mod_start = 0x500000; /* empty */
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.len, 0);
	assert_string_equal(bi.problems[0], "start_info: the module is empty: ignored");
	reset(state);
	si.mod_start = 0xfffffffffffff000;
	si.mod_len = 0x2000;
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.len, 0);
	assert_string_equal(bi.problems[0], "start_info: the module's end wraps: ignored");
	reset(state);
	si.flags = SIF_MOD_START_PFN;
	si.mod_start = 1ull << 60;
	si.mod_len = 1;
	xen_pv_start_info_parse(&si, &bi);
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nproblems, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_module_vaddr, reset),
	    cmocka_unit_test_setup(test_module_pfn, reset),
	    cmocka_unit_test_setup(test_module_none, reset),
	    cmocka_unit_test_setup(test_module_bad, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
