/* Unit tests of the PVH start parser (arch/x86/boot/pvh.c).
 *
 * Physical memory is a buffer here, its first bytes at 0x1000, and phys()
 * gives the parser no more of it than there is: a command line without
 * its NUL at the end of memory, a memory map longer than memory or with
 * billions of entries, and a structure whose version is the one value
 * the kernel once used to mean "no structure at all". */
#include "amphi_test.h"
#include <amphi/boot.h>
#include <xen/arch-x86/hvm/start_info.h>

#define BASE 0x1000

static struct boot_info bi;
static uint8_t *mem;
static size_t mem_size;

static const void *phys(uint64_t paddr, size_t *len)
{
	if (paddr < BASE || paddr - BASE >= mem_size)
		return NULL;
	*len = *len < mem_size - (paddr - BASE) ? *len : mem_size - (paddr - BASE);
	return mem + (paddr - BASE);
}

/* hvm_start_info, then the command line, then the map, in a buffer of
 * exactly their size. */
static void setup(uint32_t version, const char *cmd, size_t cmd_len, uint32_t entries,
		  uint32_t entries_given)
{
	struct hvm_start_info si = {.magic = XEN_HVM_START_MAGIC_VALUE, .version = version};
	struct hvm_memmap_table_entry e = {.size = 0x1000, .type = 1};
	size_t off = sizeof(si) + cmd_len;

	memset(&bi, 0, sizeof(bi));
	mem_size = off + entries_given * sizeof(e);
	mem = malloc(mem_size);
	si.cmdline_paddr = BASE + sizeof(si);
	si.memmap_paddr = entries ? BASE + off : 0;
	si.memmap_entries = entries;
	memcpy(mem, &si, sizeof(si));
	memcpy(mem + sizeof(si), cmd, cmd_len);
	for (uint32_t i = 0; i < entries_given; i++, off += sizeof(e)) {
		e.addr = i * 0x2000ull;
		memcpy(mem + off, &e, sizeof(e));
	}
}

static void parse(void)
{
	pvh_parse(BASE, phys, &bi);
	free(mem);
}

static void test_qemu(void **state)
{
	setup(1, "selftest", 9, 3, 3);
	parse();
	assert_true(boot_pvh_found(&bi));
	assert_string_equal(bi.cmdline, "selftest");
	assert_int_equal(bi.memmap.n, 3);
	assert_int_equal(bi.nproblems, 0);
}

/* A version of 0xffffffff is a future version to read as version 1;
 * the kernel took it for "bad magic" and panicked. */
static void test_version_max(void **state)
{
	setup(UINT32_MAX, "x", 2, 1, 1);
	parse();
	assert_true(boot_pvh_found(&bi));
	assert_int_equal(bi.pvh_version, UINT32_MAX);
	assert_int_equal(bi.memmap.n, 1);
}

static void test_bad_magic(void **state)
{
	setup(1, "x", 2, 1, 1);
	mem[0] ^= 1;
	parse();
	assert_false(boot_pvh_found(&bi));
	assert_null(bi.memmap_source);
}

/* The command line ends where memory does, NUL or not. */
static void test_cmdline_at_end(void **state)
{
	setup(0, "abc", 3, 0, 0);
	parse();
	assert_string_equal(bi.cmdline, "abc");
}

/* A map longer than memory is cut where memory ends, and said. */
static void test_map_past_memory(void **state)
{
	setup(1, "", 1, 1000000, 2);
	parse();
	assert_int_equal(bi.memmap.n, 2);
	assert_int_equal(bi.nproblems, 2); /* too many, and past memory */
}

/* hvm_start_info with nr modules at modlist (0: right after it), the
 * first module's entry as given and a command line for it. */
static void setup_modules(uint32_t nr, uint64_t modlist, struct hvm_modlist_entry e,
			  const char *cmd)
{
	struct hvm_start_info si = {.magic = XEN_HVM_START_MAGIC_VALUE, .version = 1};
	size_t off = sizeof(si) + sizeof(e);

	memset(&bi, 0, sizeof(bi));
	mem_size = off + strlen(cmd) + 1;
	mem = calloc(1, mem_size);
	si.nr_modules = nr;
	si.modlist_paddr = modlist ? modlist : BASE + sizeof(si);
	if (*cmd)
		e.cmdline_paddr = BASE + off;
	memcpy(mem, &si, sizeof(si));
	memcpy(mem + sizeof(si), &e, sizeof(e));
	memcpy(mem + off, cmd, strlen(cmd) + 1);
}

/* QEMU's -initrd: one module, its address and size kept. */
static void test_module(void **state)
{
	setup_modules(1, 0, (struct hvm_modlist_entry){.paddr = 0x7f00000, .size = 12345},
		      "initrd");
	parse();
	assert_int_equal(bi.module.paddr, 0x7f00000);
	assert_int_equal(bi.module.len, 12345);
	assert_string_equal(bi.module.cmdline, "initrd");
	assert_int_equal(bi.nmodules, 1);
	assert_int_equal(bi.nproblems, 0);
}

/* Three modules: the first taken, the rest said once. */
static void test_modules_more(void **state)
{
	setup_modules(3, 0, (struct hvm_modlist_entry){.paddr = 0x100000, .size = 1}, "");
	parse();
	assert_int_equal(bi.module.len, 1);
	assert_int_equal(bi.nmodules, 3);
	assert_int_equal(bi.nproblems, 1);
	assert_string_equal(bi.problems[0], "pvh: more than one module: only the first is used");
}

static void test_module_empty(void **state)
{
	setup_modules(1, 0, (struct hvm_modlist_entry){.paddr = 0x100000, .size = 0}, "");
	parse();
	assert_int_equal(bi.module.len, 0);
	assert_string_equal(bi.problems[0], "pvh: the module is empty: ignored");
}

static void test_module_wraps(void **state)
{
	setup_modules(1, 0, (struct hvm_modlist_entry){.paddr = ~0ull - 10, .size = 11}, "");
	parse();
	assert_int_equal(bi.module.len, 0);
	assert_string_equal(bi.problems[0], "pvh: the module's end wraps: ignored");
}

/* The list outside readable memory, and a list whose entry is cut by
 * memory's end: nothing read past it. */
static void test_modlist_unreadable(void **state)
{
	setup_modules(1, 0x100000000ull, (struct hvm_modlist_entry){.paddr = 1, .size = 1}, "");
	parse();
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nproblems, 1);
	setup_modules(1, BASE + sizeof(struct hvm_start_info) + 8,
		      (struct hvm_modlist_entry){.paddr = 1, .size = 1}, "");
	parse();
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nproblems, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qemu),
	    cmocka_unit_test(test_version_max),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_cmdline_at_end),
	    cmocka_unit_test(test_map_past_memory),
	    cmocka_unit_test(test_module),
	    cmocka_unit_test(test_modules_more),
	    cmocka_unit_test(test_module_empty),
	    cmocka_unit_test(test_module_wraps),
	    cmocka_unit_test(test_modlist_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
