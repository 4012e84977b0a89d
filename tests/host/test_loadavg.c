/* Unit tests of the load-average arithmetic (lib/loadavg.c) against what
 * Linux shows: one runnable task for one 5 s sample reads 0.08 0.02
 * 0.01; a steady load settles on its own value exactly; the 1-minute
 * average of a load that stops falls by 1/e a minute, the others more
 * slowly (checked against the floating-point decay within a hundredth);
 * and the split rounds to the nearest hundredth. */
#include "amphi_test.h"
#include <math.h>
#include <amphi/loadavg.h>

static void shown(uint64_t avg, unsigned long whole, unsigned long hundredths)
{
	unsigned long w, h;

	loadavg_split(avg, &w, &h);
	assert_int_equal(w, whole);
	assert_int_equal(h, hundredths);
}

static double as_double(uint64_t avg)
{
	return (double)avg / LOADAVG_FIXED_1;
}

static void test_one_sample(void **state)
{
	uint64_t avg[3] = {0};

	loadavg_update(avg, 1);
	shown(avg[0], 0, 8);
	shown(avg[1], 0, 2);
	shown(avg[2], 0, 1);
}

static void test_steady(void **state)
{
	uint64_t avg[3] = {0};

	for (int i = 0; i < 2000; i++)
		loadavg_update(avg, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(avg[i], 3 * LOADAVG_FIXED_1);
		shown(avg[i], 3, 0);
	}
}

static void test_decay(void **state)
{
	uint64_t avg[3] = {LOADAVG_FIXED_1, LOADAVG_FIXED_1, LOADAVG_FIXED_1};
	const double minutes[3] = {1, 5, 15};

	for (int i = 0; i < 12; i++) /* one minute */
		loadavg_update(avg, 0);
	for (int i = 0; i < 3; i++)
		assert_true(fabs(as_double(avg[i]) - exp(-1 / minutes[i])) < 0.01);
	/* And up: two tasks for a minute from nothing. */
	avg[0] = avg[1] = avg[2] = 0;
	for (int i = 0; i < 12; i++)
		loadavg_update(avg, 2);
	for (int i = 0; i < 3; i++)
		assert_true(fabs(as_double(avg[i]) - 2 * (1 - exp(-1 / minutes[i]))) < 0.01);
	/* Nothing runs: every average reaches 0. */
	for (int i = 0; i < 2000; i++)
		loadavg_update(avg, 0);
	assert_int_equal(avg[0] + avg[1] + avg[2], 0);
}

static void test_split(void **state)
{
	shown(0, 0, 0);
	shown(LOADAVG_FIXED_1, 1, 0);
	shown(LOADAVG_FIXED_1 / 2, 0, 50);
	shown(LOADAVG_FIXED_1 / 2 - 1, 0, 50);	     /* 0.4995: to the nearest */
	shown(2038, 1, 0);			     /* 0.9951 rounds up */
	shown(2037, 0, 99);			     /* 0.9946 down */
	shown(12 * LOADAVG_FIXED_1 + LOADAVG_FIXED_1 / 4, 12, 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_sample),
	    cmocka_unit_test(test_steady),
	    cmocka_unit_test(test_decay),
	    cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
