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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qemu),
	    cmocka_unit_test(test_version_max),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_cmdline_at_end),
	    cmocka_unit_test(test_map_past_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
