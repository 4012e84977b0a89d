/* Unit tests of the newc cpio parser (lib/cpio.c).
 *
 * Archives are built here entry by entry as GNU cpio -H newc writes them,
 * then spoiled one way at a time: a header cut short, a non-hex digit, a
 * name without its NUL, data past the end, a '..' component, a checksum
 * off by one.  Each must stop the walk with its own reason at the right
 * offset, the entries before it delivered and none after. */
#include "amphi_test.h"
#include "host_rename.h"
#include <amphi/cpio.h>
#include "host_unrename.h"

static uint8_t ar[8192];
static size_t ar_len;

struct seen {
	int n;
	char names[16][64];
	uint32_t modes[16], sizes[16], nlinks[16], rdevmajor[16];
	char data[16][64];
};
static struct seen seen;

static void entry(const char *magic, uint32_t ino, uint32_t mode, uint32_t nlink, const char *name,
		  const void *data, size_t size, uint32_t check)
{
	size_t namesize = strlen(name) + 1;

	ar_len += sprintf(
	    (char *)ar + ar_len, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", magic,
	    ino, mode, 0, 0, nlink, 1700000000, (uint32_t)size, 0, 0, 4, 5, namesize, check);
	memcpy(ar + ar_len, name, namesize);
	ar_len = (ar_len + namesize + 3) & ~3ul;
	memcpy(ar + ar_len, data, size);
	ar_len = (ar_len + size + 3) & ~3ul;
}

static void file(const char *name, const char *data)
{
	entry("070701", 1, 0100644, 1, name, data, strlen(data), 0);
}

static void trailer(void)
{
	entry("070701", 0, 0, 1, "TRAILER!!!", "", 0, 0);
}

static void on_entry(const struct cpio_entry *e, void *arg)
{
	int i = seen.n++;

	assert_true(i < 16);
	assert_true(e->name[e->namelen] == '\0');
	snprintf(seen.names[i], sizeof(seen.names[i]), "%s", e->name);
	seen.modes[i] = e->mode;
	seen.sizes[i] = (uint32_t)e->size;
	seen.nlinks[i] = e->nlink;
	seen.rdevmajor[i] = e->rdevmajor;
	snprintf(seen.data[i], sizeof(seen.data[i]), "%.*s", (int)e->size, (const char *)e->data);
}

static int reset(void **state)
{
	memset(ar, 0, sizeof(ar));
	memset(&seen, 0, sizeof(seen));
	ar_len = 0;
	return 0;
}

/* The archive in a buffer of exactly its length, so the address
 * sanitizer sees any read past it. */
static const char *parse(size_t *where)
{
	uint8_t *copy = malloc(ar_len ? ar_len : 1);
	const char *why;

	memcpy(copy, ar, ar_len);
	*where = ~0ul;
	why = cpio_parse(copy, ar_len, on_entry, NULL, where);
	free(copy);
	return why;
}

static void test_archive(void **state)
{
	size_t where;

	entry("070701", 1, 040755, 2, ".", "", 0, 0);
	entry("070701", 2, 040755, 2, "bin", "", 0, 0);
	file("hello", "hello, world\n");
	entry("070701", 3, 0120777, 1, "bin/sh", "busybox", 7, 0);
	entry("070701", 4, 020620, 1, "dev/console", "", 0, 0);
	trailer();
	assert_null(parse(&where));
	assert_int_equal(seen.n, 5);
	assert_string_equal(seen.names[2], "hello");
	assert_string_equal(seen.data[2], "hello, world\n");
	assert_int_equal(seen.modes[3], 0120777);
	assert_string_equal(seen.data[3], "busybox");
	assert_int_equal(seen.rdevmajor[4], 4);
}

/* Two archives, with zero padding between them and after them (as the
 * kernel's build and bootloaders leave), and a 070702 one with its sum. */
static void test_concatenated(void **state)
{
	size_t where;

	file("a", "1");
	trailer();
	ar_len += 512;
	entry("070702", 9, 0100600, 1, "b", "xyz", 3, 'x' + 'y' + 'z');
	trailer();
	ar_len += 7;
	assert_null(parse(&where));
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.data[1], "xyz");
}

/* An empty buffer or only zeros: nothing, and nothing wrong. */
static void test_empty(void **state)
{
	size_t where;

	assert_null(parse(&where));
	ar_len = 64;
	assert_null(parse(&where));
	assert_int_equal(seen.n, 0);
}

/* Runs the walk, expects the reason and the offset of the problem, and
 * that only the first `good` entries were delivered. */
static void expect(const char *why, size_t at, int good)
{
	size_t where;
	const char *got = parse(&where);

	assert_non_null(got);
	assert_string_equal(got, why);
	assert_int_equal(where, at);
	assert_int_equal(seen.n, good);
}

static void test_truncated_header(void **state)
{
	file("a", "1234");
	size_t second = ar_len;
	file("b", "5");
	ar_len = second + 100;
	expect("cpio: truncated header", second, 1);
}

static void test_non_hex(void **state)
{
	file("a", "1");
	size_t second = ar_len;
	file("b", "2");
	ar[second + 6 + 8 * 6 + 3] = 'g'; /* filesize */
	expect("cpio: a header field holds a non-hex digit", second, 1);
}

static void test_bad_magic(void **state)
{
	entry("070707", 1, 0100644, 1, "a", "", 0, 0); /* old portable ASCII */
	expect("cpio: bad magic (not newc 070701 or 070702)", 0, 0);
}

static void test_name_without_nul(void **state)
{
	file("abc", "1");
	ar[CPIO_HEADER_SIZE + 3] = 'd';
	expect("cpio: the name does not end with its NUL where namesize says", 0, 0);
	reset(state);
	file("abc", "1");
	ar[CPIO_HEADER_SIZE + 1] = 0; /* a NUL inside it */
	expect("cpio: the name does not end with its NUL where namesize says", 0, 0);
}

static void test_namesize_zero(void **state)
{
	file("a", "1");
	memcpy(ar + 6 + 8 * 11, "00000000", 8);
	expect("cpio: namesize is 0 (it counts the name's NUL)", 0, 0);
}

static void test_name_past_end(void **state)
{
	file("a", "1");
	memcpy(ar + 6 + 8 * 11, "FFFFFFFF", 8);
	expect("cpio: the name runs past the end of the archive", 0, 0);
}

static void test_data_past_end(void **state)
{
	file("a", "1");
	size_t second = ar_len;
	file("b", "2");
	memcpy(ar + second + 6 + 8 * 6, "FFFFFFFF", 8);
	expect("cpio: the file's data runs past the end of the archive", second, 1);
}

static void test_dotdot(void **state)
{
	file("a/../../etc/passwd", "x");
	expect("cpio: empty path, or a path with a '..' component", 0, 0);
	reset(state);
	file("..", "x");
	expect("cpio: empty path, or a path with a '..' component", 0, 0);
	reset(state);
	file("", "x");
	expect("cpio: empty path, or a path with a '..' component", 0, 0);
	reset(state); /* a name that merely starts with two dots is a name */
	file("..hidden", "x");
	file("a/b..", "x");
	trailer();
	size_t where;
	assert_null(parse(&where));
}

static void test_checksum(void **state)
{
	entry("070702", 1, 0100644, 1, "a", "abc", 3, 'a' + 'b' + 'c' + 1);
	expect("cpio: 070702 checksum does not match the data", 0, 0);
}

static void test_no_trailer(void **state)
{
	file("a", "1");
	file("b", "2");
	size_t end = ar_len;
	expect("cpio: the archive ends without TRAILER!!!", end, 2);
}

/* Zeros inside an archive are not padding: the next header must be there. */
static void test_zeros_inside(void **state)
{
	file("a", "1");
	size_t at = ar_len;
	ar_len += 4;
	file("b", "2");
	trailer();
	expect("cpio: bad magic (not newc 070701 or 070702)", at, 1);
}

/* Padding of a length not a multiple of 4 before the next archive. */
static void test_misaligned(void **state)
{
	file("a", "1");
	trailer();
	size_t at = ar_len + 3;
	ar_len = at;
	file("b", "2");
	expect("cpio: a header is not 4-byte aligned", at, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_archive, reset),
	    cmocka_unit_test_setup(test_concatenated, reset),
	    cmocka_unit_test_setup(test_empty, reset),
	    cmocka_unit_test_setup(test_truncated_header, reset),
	    cmocka_unit_test_setup(test_non_hex, reset),
	    cmocka_unit_test_setup(test_bad_magic, reset),
	    cmocka_unit_test_setup(test_name_without_nul, reset),
	    cmocka_unit_test_setup(test_namesize_zero, reset),
	    cmocka_unit_test_setup(test_name_past_end, reset),
	    cmocka_unit_test_setup(test_data_past_end, reset),
	    cmocka_unit_test_setup(test_dotdot, reset),
	    cmocka_unit_test_setup(test_checksum, reset),
	    cmocka_unit_test_setup(test_no_trailer, reset),
	    cmocka_unit_test_setup(test_zeros_inside, reset),
	    cmocka_unit_test_setup(test_misaligned, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
