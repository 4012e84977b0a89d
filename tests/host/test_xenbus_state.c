/* Unit tests of drivers/xen/xenbus/xenbus_state.c: a backend's state node
 * as the text the store hands over.  Each refused case is something a
 * buggy or hostile backend (or a person with xenstore-write) can write. */
#include "amphi_test.h"
#include <drivers/xen/xenbus_state.h>

static int parse(const char *s, enum xenbus_state *state, const char **why)
{
	*why = "unset";
	return xenbus_state_parse(s, strlen(s), state, why);
}

static void test_states(void **state)
{
	enum xenbus_state st = XenbusStateClosing;
	const char *why;

	assert_int_equal(parse("0", &st, &why), 0);
	assert_int_equal(st, XenbusStateUnknown);
	assert_null(why);
	assert_int_equal(parse("4", &st, &why), 0);
	assert_int_equal(st, XenbusStateConnected);
	assert_int_equal(parse("8", &st, &why), 0);
	assert_int_equal(st, XenbusStateReconfigured);
	assert_int_equal(parse("06", &st, &why), 0);
	assert_int_equal(st, XenbusStateClosed);
	assert_string_equal(xenbus_state_name(XenbusStateInitWait), "InitWait");
	assert_string_equal(xenbus_state_name((enum xenbus_state)9), "Invalid");
}

static void test_nonsense(void **state)
{
	const char *bad[] = {"",    "9",	 "99",	       "-1",
			     "+4",  " 4",	 "4 ",	       "4\n",
			     "0x4", "Connected", "4294967300", "99999999999999999999999"};
	enum xenbus_state st = XenbusStateClosing;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &st, &why), -1);
		assert_non_null(why);
		assert_int_equal(st, XenbusStateClosing); /* untouched */
	}
	/* Only len bytes count: a value need not be terminated. */
	assert_int_equal(xenbus_state_parse("41", 1, &st, &why), 0);
	assert_int_equal(st, XenbusStateConnected);
	assert_int_equal(xenbus_state_parse("4\0", 2, &st, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_nonsense),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
