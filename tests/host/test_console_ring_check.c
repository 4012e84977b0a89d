/* Unit tests of drivers/xen/console_ring_check.c: the Xen console ring's
 * indexes as the other side writes them, sane, across the wrap of the
 * 32-bit indexes, gone backwards and running ahead. */
#include "amphi_test.h"
#include <drivers/xen/console_ring_check.h>

#define OUT 2048u
#define IN 1024u

static void test_out(void **state)
{
	const char *why;

	assert_int_equal(console_ring_out_space(0, 0, OUT, &why), OUT);
	assert_null(why);
	assert_int_equal(console_ring_out_space(100, 40, OUT, &why), OUT - 60);
	assert_int_equal(console_ring_out_space(OUT + 7, 7, OUT, &why), 0);
	assert_null(why);
	/* Across the wrap. */
	assert_int_equal(console_ring_out_space(5, 0xfffffffbu, OUT, &why), OUT - 10);
	assert_null(why);
}

/* The other side says it read what we never wrote, or lags by more than
 * the ring: no space at all, said, never a wrapped-round huge space. */
static void test_out_nonsense(void **state)
{
	const char *why;

	assert_int_equal(console_ring_out_space(100, 101, OUT, &why), -1);
	assert_non_null(why);
	assert_int_equal(console_ring_out_space(100, 0x80000000u, OUT, &why), -1);
	assert_non_null(why);
	assert_int_equal(console_ring_out_space(OUT + 8, 7, OUT, &why), -1);
	assert_non_null(why);
	assert_int_equal(console_ring_out_space(3, 0xfffffff0u, 8, &why), -1);
}

static void test_in(void **state)
{
	const char *why;

	assert_int_equal(console_ring_in_avail(0, 0, IN, &why), 0);
	assert_null(why);
	assert_int_equal(console_ring_in_avail(10, 7, IN, &why), 3);
	assert_int_equal(console_ring_in_avail(IN, 0, IN, &why), IN);
	assert_int_equal(console_ring_in_avail(1, 0xffffffffu, IN, &why), 2);
	assert_null(why);
}

static void test_in_nonsense(void **state)
{
	const char *why;

	assert_int_equal(console_ring_in_avail(IN + 1, 0, IN, &why), 0);
	assert_non_null(why);
	assert_int_equal(console_ring_in_avail(6, 7, IN, &why), 0);
	assert_non_null(why);
	assert_int_equal(console_ring_in_avail(0x7fffffffu, 0, IN, &why), 0);
	assert_non_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_out),
	    cmocka_unit_test(test_out_nonsense),
	    cmocka_unit_test(test_in),
	    cmocka_unit_test(test_in_nonsense),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
