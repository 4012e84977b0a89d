/* Unit tests of lib/string.c against the host C library.
 *
 * The word-at-a-time paths of memcpy, memmove and memset only run for some
 * alignments and lengths, so those are tested over every combination of
 * small offsets and lengths, with guard bytes around the destination to
 * catch a write one past the end. */
#include "amphi_test.h"

#define AREA 96

static unsigned char src_buf[AREA + 16], dst_buf[AREA + 16], ref_buf[AREA + 16];

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static void test_memcpy_all_alignments(void **state)
{
	fill_pattern(src_buf, sizeof(src_buf), 1);
	for (size_t so = 0; so < 8; so++) {
		for (size_t d = 0; d < 8; d++) {
			for (size_t n = 0; n <= 70; n++) {
				memset(dst_buf, 0xee, sizeof(dst_buf));
				memset(ref_buf, 0xee, sizeof(ref_buf));
				memcpy(ref_buf + d, src_buf + so, n);
				assert_ptr_equal(amphi_memcpy(dst_buf + d, src_buf + so, n),
						 dst_buf + d);
				assert_memory_equal(dst_buf, ref_buf, sizeof(dst_buf));
			}
		}
	}
}

/* Overlap in both directions, with the same or different alignment. */
static void test_memmove_overlap(void **state)
{
	for (size_t from = 0; from < 24; from++) {
		for (size_t to = 0; to < 24; to++) {
			for (size_t n = 0; n <= 64; n += 3) {
				fill_pattern(dst_buf, sizeof(dst_buf), 3);
				fill_pattern(ref_buf, sizeof(ref_buf), 3);
				memmove(ref_buf + to, ref_buf + from, n);
				assert_ptr_equal(amphi_memmove(dst_buf + to, dst_buf + from, n),
						 dst_buf + to);
				assert_memory_equal(dst_buf, ref_buf, sizeof(dst_buf));
			}
		}
	}
}

static void test_memset(void **state)
{
	for (size_t d = 0; d < 8; d++) {
		for (size_t n = 0; n <= 70; n++) {
			memset(dst_buf, 0x11, sizeof(dst_buf));
			memset(ref_buf, 0x11, sizeof(ref_buf));
			memset(ref_buf + d, 0x1ab, n);
			assert_ptr_equal(amphi_memset(dst_buf + d, 0x1ab, n), dst_buf + d);
			assert_memory_equal(dst_buf, ref_buf, sizeof(dst_buf));
		}
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Bytes above 0x7f must compare as unsigned, as in the C library. */
static void test_memcmp_strcmp(void **state)
{
	static const char *const pairs[][2] = {
	    {"", ""},	    {"a", ""},	     {"", "a"},	       {"abc", "abd"}, {"abd", "abc"},
	    {"abc", "abc"}, {"abc", "abcd"}, {"\x80", "\x7f"}, {"\xff", "a"},  {"a\xff", "a\x01"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		const char *a = pairs[i][0], *b = pairs[i][1];
		size_t n = MIN(strlen(a), strlen(b)) + 1;

		assert_int_equal(sign(amphi_strcmp(a, b)), sign(strcmp(a, b)));
		assert_int_equal(sign(amphi_memcmp(a, b, n)), sign(memcmp(a, b, n)));
		for (size_t k = 0; k <= 5; k++)
			assert_int_equal(sign(amphi_strncmp(a, b, k)), sign(strncmp(a, b, k)));
	}
	assert_int_equal(amphi_memcmp("abc", "xyz", 0), 0);
}

static void test_strlen_strnlen_strchr(void **state)
{
	const char *s = "hello, world";

	assert_int_equal(amphi_strlen(""), 0);
	assert_int_equal(amphi_strlen(s), 12);
	assert_int_equal(amphi_strnlen(s, 5), 5);
	assert_int_equal(amphi_strnlen(s, 100), 12);
	assert_int_equal(amphi_strnlen(s, 0), 0);
	assert_ptr_equal(amphi_strchr(s, 'o'), s + 4);
	assert_ptr_equal(amphi_strchr(s, 'd'), s + 11);
	assert_ptr_equal(amphi_strchr(s, 'z'), NULL);
	assert_ptr_equal(amphi_strchr(s, '\0'), s + 12);
	assert_ptr_equal(amphi_strchr(s, 'o' + 256), s + 4);
}

/* strnlen must not read past max: the string here has no terminator. */
static void test_strnlen_unterminated(void **state)
{
	char *p = malloc(4);

	memcpy(p, "abcd", 4);
	assert_int_equal(amphi_strnlen(p, 4), 4);
	free(p);
}

static void test_strlcpy(void **state)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(amphi_strlcpy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(amphi_strlcpy(buf, "abcdefghijk", sizeof(buf)), 11);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(amphi_strlcpy(buf, "zz", 1), 2);
	assert_string_equal(buf, "");
	buf[0] = 'q';
	assert_int_equal(amphi_strlcpy(buf, "zz", 0), 2);
	assert_int_equal(buf[0], 'q');
}

static void expect_parse(const char *s, size_t consumed, uint64_t value)
{
	uint64_t v = 12345;

	assert_int_equal(parse_u64(s, strlen(s), &v), consumed);
	if (consumed)
		assert_int_equal(v, value);
	else
		assert_int_equal(v, 12345); /* untouched on failure */
}

static void test_parse_u64(void **state)
{
	expect_parse("0", 1, 0);
	expect_parse("42", 2, 42);
	expect_parse("42abc", 2, 42);
	expect_parse("0x1f", 4, 31);
	expect_parse("0X1F", 4, 31);
	expect_parse("0xdeadBEEFg", 10, 0xdeadbeef);
	expect_parse("18446744073709551615", 20, UINT64_MAX);
	expect_parse("0xffffffffffffffff", 18, UINT64_MAX);
	expect_parse("00000000000000000000000018446744073709551615", 44, UINT64_MAX);
	expect_parse("0x0000000000000000000001", 24, 1);
	expect_parse("012", 3, 12); /* no octal */
}

static void test_parse_u64_errors(void **state)
{
	uint64_t v;

	expect_parse("", 0, 0);
	expect_parse("x", 0, 0);
	expect_parse("-1", 0, 0);
	expect_parse("+1", 0, 0);
	expect_parse(" 1", 0, 0);
	expect_parse("0x", 0, 0);
	expect_parse("0xg", 0, 0);
	expect_parse("18446744073709551616", 0, 0);
	expect_parse("99999999999999999999", 0, 0);
	expect_parse("0x10000000000000000", 0, 0);
	/* The length bounds the parse, the terminator is not needed. */
	assert_int_equal(parse_u64("12345", 3, &v), 3);
	assert_int_equal(v, 123);
	assert_int_equal(parse_u64("0x12", 2, &v), 0);
	assert_int_equal(parse_u64("0x12", 1, &v), 1);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("7", 0, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memcpy_all_alignments),
	    cmocka_unit_test(test_memmove_overlap),
	    cmocka_unit_test(test_memset),
	    cmocka_unit_test(test_memcmp_strcmp),
	    cmocka_unit_test(test_strlen_strnlen_strchr),
	    cmocka_unit_test(test_strnlen_unterminated),
	    cmocka_unit_test(test_strlcpy),
	    cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_parse_u64_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
