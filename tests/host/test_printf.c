/* Unit tests of lib/vsnprintf.c.
 *
 * The host C library is the reference: every format in the tables is
 * printed by both, into buffers of several sizes down to zero, and the
 * return values, the stored bytes and the untouched bytes past the buffer
 * must all agree.  What the kernel does differently on purpose (no %n, no
 * floating point, unknown conversions printed as-is) is tested against
 * fixed expectations instead. */
#include "amphi_test.h"
#include <inttypes.h>
#include <limits.h>

#define BUF 512
#define CANARY 0x5a

static const size_t sizes[] = {0, 1, 2, 3, 7, 16, 64, BUF};

/* Compares one size; bytes are compared as memory because %c can store a
 * NUL in the middle of the output. */
static void check_size(const char *fmt, size_t size, va_list ap)
{
	char want[BUF + 1], got[BUF + 1];
	va_list aq;
	int w, g;

	memset(want, CANARY, sizeof(want));
	memset(got, CANARY, sizeof(got));
	va_copy(aq, ap);
	w = vsnprintf(size ? want : NULL, size, fmt, aq);
	va_end(aq);
	va_copy(aq, ap);
	g = amphi_vsnprintf(size ? got : NULL, size, fmt, aq);
	va_end(aq);
	if (g != w || memcmp(got, want, sizeof(got)) != 0) {
		print_error("format \"%s\", size %zu: libc %d \"%.*s\", kernel %d \"%.*s\"\n", fmt,
			    size, w, (int)MIN(size, (size_t)BUF), want, g,
			    (int)MIN(size, (size_t)BUF), got);
		fail();
	}
}

static void check_all_sizes(const char *fmt, va_list ap)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		check_size(fmt, sizes[i], ap);
}

static void __attribute__((format(printf, 1, 2))) check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_all_sizes(fmt, ap);
	va_end(ap);
}

/* For flag combinations that C defines but compilers warn about as
 * pointless ("0 ignored with -"), and for ints deliberately out of range of
 * %hh and %h to test the narrowing: these arguments are checked by eye. */
static void check_unchecked(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_all_sizes(fmt, ap);
	va_end(ap);
}

static void test_signed(void **state)
{
	check("%d", 0);
	check("%d", 1);
	check("%d", -1);
	check("%d|%i", INT_MAX, INT_MIN);
	check("%5d|%-5d|%05d", 42, 42, 42);
	check("%5d|%-5d|%05d", -42, -42, -42);
	check("%+d|% d|%+d|% d", 7, 7, -7, -7);
	check_unchecked("%+ d|% +d|%+05d|% 05d", 7, 7, 7, 7);
	check("%.3d|%.3d|%8.3d|%-8.3d", 5, -5, 5, -5);
	check_unchecked("%08.3d|%08.3d|%-08d|", 5, -5, 5);
	check("%.0d|%5.0d|%-5.0d|%+.0d|% .0d", 0, 0, 0, 0, 0);
	check("%.0d|%.1d", 1, 0);
	check("%.30d", INT_MIN);
	check("%ld|%ld", LONG_MIN, LONG_MAX);
	check("%lld|%lld", LLONG_MIN, LLONG_MAX);
	check("%jd|%jd", INTMAX_MIN, INTMAX_MAX);
	check("%" PRId64 "|%" PRIi64, INT64_MIN, INT64_MIN);
	check("%zd|%td|%td", (ptrdiff_t)-5, (ptrdiff_t)-7, PTRDIFF_MIN);
	check_unchecked("%hhd|%hhd|%hhd", 255, 128, -129);
	check_unchecked("%hd|%hd|%hd", 70000, 32768, -32769);
	check("%-+25lld|%+025lld", LLONG_MIN, LLONG_MIN);
}

static void test_unsigned(void **state)
{
	check("%u|%u|%u", 0u, 1u, UINT_MAX);
	check("%lu|%llu|%zu|%ju", ULONG_MAX, ULLONG_MAX, SIZE_MAX, UINTMAX_MAX);
	check_unchecked("%hhu|%hu|%hhx|%hx", 261, 65541, 0x1ff, 0x12345);
	check("%x|%X|%x|%X", 0u, 0u, 0xdeadbeefu, 0xdeadbeefu);
	check("%#x|%#X|%#x|%#X", 0u, 0u, 255u, 255u);
	check("%#10x|%#-10x|%#010x|%010x", 255u, 255u, 255u, 255u);
	check("%#.5x|%#8.5x", 255u, 255u);
	check_unchecked("%#08.5x|%08.0x|%08.0u", 255u, 0u, 0u);
	check("%.0x|%#.0x|%5.0x|%.0u", 0u, 0u, 0u, 0u);
	check("%o|%o|%#o|%#o|%#o", 0u, 8u, 0u, 8u, 01234u);
	check("%#.3o|%#.0o|%.0o|%#5o|%-#5o|", 8u, 0u, 0u, 8u, 8u);
	check("%#.3o|%#.4o", 0777u, 0777u);
	check("%llo|%#llo|%llx|%#llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	check("%" PRIx64 "|%" PRIX64 "|%" PRIu64, UINT64_MAX, (uint64_t)0xabcdef, UINT64_MAX);
	check("%tu|%tx", (size_t)PTRDIFF_MAX + 1, (size_t)-1);
	check("%.25llx|%-30.20llu|", 0x1234ULL, 987654321ULL);
}

static void test_strings_and_chars(void **state)
{
	check("%s|%s|", "abc", "");
	check("%10s|%-10s|%.2s|%10.2s|%-10.2s|%.0s|", "abc", "abc", "abc", "abc", "abc", "abc");
	check("%.10s|%3s|%1s", "abc", "abcdef", "abcdef");
	check("%.*s|%.*s|%*s|%*s|%-*s|", 3, "abcdef", -1, "abc", 6, "ab", -6, "ab", 6, "ab");
	check("%c|%3c|%-3c|%c%c", 'x', 'y', 'z', 'a', 'b');
	check("a%cb", 0);
	check("%c", 0x141);
	check("%%|%d%%|100%% sure", 5);
	check("%s and %s make %d", "two", "two", 4);
	check("no conversions at all");
	check("%s", "");
}

static void test_pointers(void **state)
{
	check("%p", (void *)0x1234);
	check("%p", (void *)UINTPTR_MAX);
	check("%p", (void *)0);
	check("%20p|%-20p|", (void *)0xabcdef, (void *)0xabcdef);
	check("%10p|%-10p|%3p", (void *)0, (void *)0, (void *)0);
	check("%p|%p", (void *)&state, (void *)test_pointers);
}

static void test_star_and_width(void **state)
{
	check("%*d|%-*d|%*d|", 10, 42, 10, 42, -10, 42);
	check("%.*d|%.*d|%*.*d|", 5, 42, -1, 42, 8, 4, -42);
	check("%0*d|%0*d|", 8, -3, -8, -3);
	check_unchecked("%-0*d|", 8, -3);
	check("%100d|", 7);
	check("%300s|%-300s|", "wide", "wide");
	check("%*s", 700, "more than the buffer");
	check("%.400d", 1);
	check("%0200d", -1);
}

static void test_long_output(void **state)
{
	char big[2000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check("<%s>", big);
	check("%s%s%s", big + 1500, big + 1200, big + 1900);
}

/* A precision bounds how much of the string is read: this one has no NUL
 * and the sanitizer would catch a read past it. */
static void test_precision_unterminated(void **state)
{
	char *p = malloc(3);
	char buf[16];

	memcpy(p, "xyz", 3);
	assert_int_equal(amphi_snprintf(buf, sizeof(buf), "%.3s|%.2s", p, p), 6);
	assert_string_equal(buf, "xyz|xy");
	free(p);
}

static void test_null_string(void **state)
{
	char buf[32];
	const char *volatile null = NULL; /* hidden from the format checker */

	assert_int_equal(amphi_snprintf(buf, sizeof(buf), "%s", null), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(amphi_snprintf(buf, sizeof(buf), "[%8s]", null), 10);
	assert_string_equal(buf, "[  (null)]");
}

/* Behaviour defined by the kernel's header rather than by C99. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void expect(const char *want, int want_ret, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = amphi_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(ret, want_ret);
}

static void test_unknown_conversions(void **state)
{
	int target = 99;

	expect("%y", 2, "%y");
	expect("a%-5yb", 6, "a%-5yb");
	expect("%f|1", 4, "%f|%d", 1);
	expect("%n|", 3, "%n|", &target);
	assert_int_equal(target, 99);
	expect("abc%", 4, "abc%");
	expect("abc%-08.3l", 10, "abc%-08.3l");
	expect("5", 1, "%+u", 5u);
	expect("ff", 2, "% x", 255u);
}
#pragma GCC diagnostic pop

static void test_size_zero_and_truncation(void **state)
{
	char buf[8];

	assert_int_equal(amphi_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(amphi_snprintf(buf, 0, "hello"), 5);
	assert_int_equal(buf[0], 'z');
	assert_int_equal(amphi_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'z');
	assert_int_equal(amphi_snprintf(buf, 4, "%lld", LLONG_MIN), 20);
	assert_string_equal(buf, "-92");
	assert_int_equal(buf[4], 'z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_strings_and_chars),
	    cmocka_unit_test(test_pointers),
	    cmocka_unit_test(test_star_and_width),
	    cmocka_unit_test(test_long_output),
	    cmocka_unit_test(test_precision_unterminated),
	    cmocka_unit_test(test_null_string),
	    cmocka_unit_test(test_unknown_conversions),
	    cmocka_unit_test(test_size_zero_and_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
