/* Unit tests of the multiboot2 parser (arch/x86/boot/multiboot2.c).
 *
 * A loader's information is built here tag by tag: what GRUB gives, and
 * what a broken or hostile loader could: a tag whose size wraps the
 * 32-bit offset, a memory map tag too short for its own header, a total
 * size beyond the bytes given.  Each must end in a boot_info that holds
 * together, with the problem noted, never a read outside the information
 * (the sanitizers watch that) or a walk that does not end (an alarm
 * does). */
#include "amphi_test.h"
#include <signal.h>
#include <unistd.h>
#include <amphi/boot.h>

static struct boot_info bi;
static uint8_t info[512] __attribute__((aligned(8)));
static uint32_t info_len;

static void on_alarm(int sig)
{
	fail_msg("multiboot2_parse did not return within 2 s");
}

static int reset(void **state)
{
	memset(&bi, 0, sizeof(bi));
	memset(info, 0, sizeof(info));
	info_len = 8;
	signal(SIGALRM, on_alarm);
	return 0;
}

static void tag(uint32_t type, uint32_t size, const void *body, size_t body_len)
{
	memcpy(info + info_len, &type, 4);
	memcpy(info + info_len + 4, &size, 4);
	if (body_len)
		memcpy(info + info_len + 8, body, body_len);
	info_len += (8 + (uint32_t)body_len + 7) & ~7u;
}

/* Closes the list with an end tag and sets the total size; the
 * information is handed over as a buffer of exactly that size. */
static uint8_t *finish(void)
{
	uint8_t *copy;

	tag(0, 8, NULL, 0);
	memcpy(info, &info_len, 4);
	copy = malloc(info_len);
	memcpy(copy, info, info_len);
	return copy;
}

static void parse(uint8_t *p)
{
	alarm(2);
	multiboot2_parse(p, info_len, &bi);
	alarm(0);
	free(p);
}

static void test_grub(void **state)
{
	uint32_t mmap[2 + 2 * 6] = {24, 0};
	uint64_t e[] = {0, 0x9fc00, 1, 0x100000, 0x7f00000, 1};

	memcpy(mmap + 2, e, 16);
	memcpy(mmap + 6, &e[2], 4);
	memcpy(mmap + 8, &e[3], 16);
	memcpy(mmap + 12, &e[5], 4);
	tag(1, 8 + 9, "selftest", 9);
	tag(2, 8 + 5, "GRUB", 5);
	tag(6, 8 + sizeof(mmap), mmap, sizeof(mmap));
	parse(finish());
	assert_string_equal(bi.cmdline, "selftest");
	assert_string_equal(bi.loader, "GRUB");
	assert_string_equal(bi.memmap_source, "multiboot2");
	assert_int_equal(bi.memmap.n, 2);
	assert_int_equal(memmap_total(&bi.memmap, MEMMAP_RAM), 0x9fc00 + 0x7f00000);
	assert_int_equal(bi.nproblems, 0);
}

/* A size of 0xfffffff9 took the offset round the 32-bit wrap back to
 * where it was: the walk never ended.  The tag is refused and the walk
 * stops there, with what came before it kept. */
static void test_size_wraps(void **state)
{
	uint8_t *p;
	uint32_t bad[2] = {0x77, 0xfffffff9};

	tag(1, 8 + 2, "a", 2);
	memcpy(info + info_len, bad, 8);
	info_len += 8;
	p = finish();
	parse(p);
	assert_string_equal(bi.cmdline, "a");
	assert_int_equal(bi.nproblems, 1);
}

/* A memory-map tag of 8 bytes has no entry_size: it was read from past
 * the tag, here past the information's end. */
static void test_mmap_tag_short(void **state)
{
	uint8_t *p;

	tag(6, 8, NULL, 0); /* the last bytes given: no end tag after it */
	memcpy(info, &info_len, 4);
	p = malloc(info_len);
	memcpy(p, info, info_len);
	parse(p);
	assert_int_equal(bi.memmap.n, 0);
	assert_int_equal(bi.nproblems, 2); /* the short tag, no end tag */
}

/* A total size beyond what may be read is cut to it, and said. */
static void test_total_past_avail(void **state)
{
	uint8_t *p;

	tag(1, 8 + 3, "ab", 3);
	p = finish();
	alarm(2);
	multiboot2_parse(p, 12, &bi);
	alarm(0);
	free(p);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nproblems, 2); /* cut short, then no end tag */
}

/* A total size of 0 once made the unsigned room left, total - 8, huge. */
static void test_total_below_header(void **state)
{
	uint8_t *p = finish();
	uint32_t zero = 0;

	memcpy(p, &zero, 4);
	alarm(2);
	multiboot2_parse(p, info_len, &bi);
	alarm(0);
	free(p);
	assert_int_equal(bi.nproblems, 1);
}

static void module(uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t body[64];
	size_t n = strlen(cmd) + 1;

	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, cmd, n);
	tag(3, 8 + 8 + (uint32_t)n, body, 8 + n);
}

/* GRUB's module2: where it starts, where it ends, its string. */
static void test_module(void **state)
{
	module(0x200000, 0x200000 + 4321, "initramfs.cpio");
	parse(finish());
	assert_int_equal(bi.module.paddr, 0x200000);
	assert_int_equal(bi.module.len, 4321);
	assert_string_equal(bi.module.cmdline, "initramfs.cpio");
	assert_int_equal(bi.nmodules, 1);
	assert_int_equal(bi.nproblems, 0);
}

/* A second and third module: the first kept, the rest said once. */
static void test_modules_more(void **state)
{
	module(0x200000, 0x201000, "a");
	module(0x300000, 0x301000, "b");
	module(0x400000, 0x401000, "c");
	parse(finish());
	assert_int_equal(bi.module.paddr, 0x200000);
	assert_string_equal(bi.module.cmdline, "a");
	assert_int_equal(bi.nmodules, 3);
	assert_int_equal(bi.nproblems, 1);
}

/* An end before the start (a length that would wrap) or at it. */
static void test_module_backwards(void **state)
{
	module(0x300000, 0x200000, "");
	module(0x300000, 0x300000, "");
	parse(finish());
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nproblems, 2); /* the empty one, then "more than one" */
	assert_string_equal(bi.problems[0],
			    "multiboot2: the module is empty or ends before it starts: ignored");
}

/* A module tag of 12 bytes has no mod_end: it was not read. */
static void test_module_tag_short(void **state)
{
	uint32_t start = 0x200000;

	tag(3, 12, &start, 4);
	parse(finish());
	assert_int_equal(bi.module.len, 0);
	assert_int_equal(bi.nmodules, 0);
	assert_int_equal(bi.nproblems, 1);
}

/* The module's string ends with the tag, NUL or not. */
static void test_module_cmdline_unterminated(void **state)
{
	uint32_t body[3] = {0x200000, 0x300000, 0x41414141};

	tag(3, 8 + 12, body, 12);
	parse(finish());
	assert_string_equal(bi.module.cmdline, "AAAA");
}

/* What mm_init asks before it reserves the module: in RAM (or the
 * kernel's own marks), clear of the kernel image, not in page 0. */
static void test_module_check(void **state)
{
	memmap_add(&bi.memmap, 0, 0x9f000, MEMMAP_RAM);
	memmap_add(&bi.memmap, 0x100000, 0x7f00000, MEMMAP_RAM);
	memmap_mark(&bi.memmap, 0x100000, 0x100000, MEMMAP_KERNEL);
	assert_null(boot_module_check(&bi, 0x100000, 0x200000)); /* none */
	bi.module = (struct boot_module){.paddr = 0x7000000, .len = 0x100000};
	assert_null(boot_module_check(&bi, 0x100000, 0x200000));
	bi.module.paddr = 0x180000; /* over the kernel */
	assert_string_equal(boot_module_check(&bi, 0x100000, 0x200000),
			    "it overlaps the kernel image");
	assert_null(boot_module_check(&bi, 0x300000, 0x400000)); /* KERNEL-marked RAM */
	bi.module.paddr = 0x9e000; /* across the hole below 1 MiB */
	assert_string_equal(boot_module_check(&bi, 0, 0), "it is not all in RAM");
	bi.module.paddr = 0x7fff000; /* past the end of RAM */
	assert_string_equal(boot_module_check(&bi, 0, 0), "it is not all in RAM");
	bi.module = (struct boot_module){.paddr = 0, .len = 10};
	assert_string_equal(boot_module_check(&bi, 0, 0), "it wraps or starts in page 0");
	bi.module = (struct boot_module){.paddr = ~0ull, .len = 2};
	assert_string_equal(boot_module_check(&bi, 0, 0), "it wraps or starts in page 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_grub, reset),
	    cmocka_unit_test_setup(test_module, reset),
	    cmocka_unit_test_setup(test_module_check, reset),
	    cmocka_unit_test_setup(test_modules_more, reset),
	    cmocka_unit_test_setup(test_module_backwards, reset),
	    cmocka_unit_test_setup(test_module_tag_short, reset),
	    cmocka_unit_test_setup(test_module_cmdline_unterminated, reset),
	    cmocka_unit_test_setup(test_size_wraps, reset),
	    cmocka_unit_test_setup(test_mmap_tag_short, reset),
	    cmocka_unit_test_setup(test_total_past_avail, reset),
	    cmocka_unit_test_setup(test_total_below_header, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
