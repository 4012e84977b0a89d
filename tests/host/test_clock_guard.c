/* Unit tests of what the kernel decides about a clock that goes back or
 * stands still (lib/clock_guard.c), with made-up readings.
 *
 * The clamp: readings behind the latest one come out as the latest one,
 * the largest step back is kept for one report and small ones are not
 * worth it.  The stall watch: progress keeps the minimum distance; only
 * CLOCK_STILL_EXPIRIES expiries in a row without progress say "stopped",
 * once, and then double the distance up to its cap; the first progress
 * says "moved" and resets it.  And a past deadline moves ahead, a future
 * one stays. */
#include "amphi_test.h"
#include <amphi/clock_guard.h>

static void test_mono_forward(void **state)
{
	struct clock_mono m = {0};

	assert_int_equal(clock_mono_read(&m, 100), 100);
	assert_int_equal(clock_mono_read(&m, 200), 200);
	assert_int_equal(clock_mono_read(&m, 200), 200);
	assert_int_equal(m.backs, 0);
	assert_int_equal(clock_mono_take_back(&m), 0);
}

static void test_mono_back(void **state)
{
	struct clock_mono m = {0};

	clock_mono_read(&m, 5000000);
	/* Set back by 1 ms: held at 5 ms until it catches up. */
	assert_int_equal(clock_mono_read(&m, 4000000), 5000000);
	assert_int_equal(clock_mono_read(&m, 4500000), 5000000);
	assert_int_equal(clock_mono_read(&m, 5000001), 5000001);
	assert_int_equal(m.backs, 2);
	/* The largest step, once. */
	assert_int_equal(clock_mono_take_back(&m), 1000000);
	assert_int_equal(clock_mono_take_back(&m), 0);
}

static void test_mono_small_back(void **state)
{
	struct clock_mono m = {0};

	clock_mono_read(&m, 1000000);
	assert_int_equal(clock_mono_read(&m, 1000000 - (CLOCK_BACK_REPORT_NS - 1)), 1000000);
	assert_int_equal(m.backs, 1);
	assert_int_equal(clock_mono_take_back(&m), 0);
	clock_mono_read(&m, 1000000 - CLOCK_BACK_REPORT_NS);
	assert_int_equal(clock_mono_take_back(&m), CLOCK_BACK_REPORT_NS);
}

static void test_stall_moving(void **state)
{
	struct clock_stall s = {0};

	for (uint64_t t = 1; t < 1000; t++) {
		assert_int_equal(clock_stall_expiry(&s, t * 10000000), CLOCK_STALL_NONE);
		assert_int_equal(clock_stall_ahead(&s), CLOCK_MIN_AHEAD_NS);
	}
}

/* Still, but fewer times than the threshold, then moving: nothing said. */
static void test_stall_short(void **state)
{
	struct clock_stall s = {0};

	clock_stall_expiry(&s, 500);
	for (int i = 1; i < CLOCK_STILL_EXPIRIES; i++)
		assert_int_equal(clock_stall_expiry(&s, 500), CLOCK_STALL_NONE);
	assert_int_equal(clock_stall_ahead(&s), CLOCK_MIN_AHEAD_NS);
	assert_int_equal(clock_stall_expiry(&s, 501), CLOCK_STALL_NONE);
	for (int i = 1; i < CLOCK_STILL_EXPIRIES; i++)
		assert_int_equal(clock_stall_expiry(&s, 501), CLOCK_STALL_NONE);
}

static void test_stall_backoff(void **state)
{
	struct clock_stall s = {0};
	uint64_t want = CLOCK_MIN_AHEAD_NS;
	int stopped = 0;

	clock_stall_expiry(&s, 7777);
	for (int i = 1; i < CLOCK_STILL_EXPIRIES; i++)
		clock_stall_expiry(&s, 7777);
	for (int i = 0; i < 1000; i++) {
		stopped += clock_stall_expiry(&s, 7777) == CLOCK_STALL_STOPPED;
		want = want * 2 < CLOCK_MAX_AHEAD_NS ? want * 2 : CLOCK_MAX_AHEAD_NS;
		assert_int_equal(clock_stall_ahead(&s), want);
	}
	assert_int_equal(stopped, 1);
	assert_int_equal(s.stood_at, 7777);
	assert_int_equal(clock_stall_ahead(&s), CLOCK_MAX_AHEAD_NS);
	/* A clock going back is no progress either. */
	assert_int_equal(clock_stall_expiry(&s, 7000), CLOCK_STALL_NONE);
	assert_int_equal(clock_stall_expiry(&s, 9000), CLOCK_STALL_MOVED);
	assert_int_equal(clock_stall_ahead(&s), CLOCK_MIN_AHEAD_NS);
	assert_int_equal(clock_stall_expiry(&s, 9001), CLOCK_STALL_NONE);
}

/* Standing still again after moving is a new stop. */
static void test_stall_twice(void **state)
{
	struct clock_stall s = {0};

	for (int round = 0; round < 2; round++) {
		uint64_t at = 1000 * (round + 1);
		int stopped = 0;

		clock_stall_expiry(&s, at);
		for (int i = 0; i < 3 * CLOCK_STILL_EXPIRIES; i++)
			stopped += clock_stall_expiry(&s, at) == CLOCK_STALL_STOPPED;
		assert_int_equal(stopped, 1);
		assert_int_equal(s.stood_at, at);
	}
}

static void test_deadline_forward(void **state)
{
	assert_int_equal(clock_deadline_forward(200, 100, 50), 200);
	assert_int_equal(clock_deadline_forward(101, 100, 50), 101);
	assert_int_equal(clock_deadline_forward(100, 100, 50), 150);
	assert_int_equal(clock_deadline_forward(0, 100, 50), 150);
}

static void test_distance_ahead(void **state)
{
	uint64_t min = CLOCK_MIN_AHEAD_NS, more = 4 * CLOCK_MIN_AHEAD_NS;

	/* A running clock: the distance as it is, the minimum when past. */
	assert_int_equal(clock_distance_ahead(1010, 1000, min), 10);
	assert_int_equal(clock_distance_ahead(1000, 1000, min), min);
	/* A clock standing still: never less than the watch asks for. */
	assert_int_equal(clock_distance_ahead(1010, 1000, more), more);
	assert_int_equal(clock_distance_ahead(1000 + 2 * more, 1000, more), 2 * more);
	assert_int_equal(clock_distance_ahead(900, 1000, more), more);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mono_forward),    cmocka_unit_test(test_mono_back),
	    cmocka_unit_test(test_mono_small_back), cmocka_unit_test(test_stall_moving),
	    cmocka_unit_test(test_stall_short),	    cmocka_unit_test(test_stall_backoff),
	    cmocka_unit_test(test_stall_twice),	    cmocka_unit_test(test_deadline_forward),
	    cmocka_unit_test(test_distance_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
