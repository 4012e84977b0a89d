/* Unit tests of lib/cmdline.c.
 *
 * Besides well-formed lines these feed the parser the mistakes people make
 * on a boot loader prompt (stray and unterminated quotes, a missing name,
 * prefixes of real options) and check that each is reported exactly once
 * with the offending text, and that parsing carries on after it. */
#include "amphi_test.h"

struct report {
	enum cmdline_problem what;
	char word[64];
	const char *why;
};

static struct report reports[16];
static int nreports;

static char seen_value[64];
static int seen_calls;
static bool seen_null;

static void record(enum cmdline_problem what, const char *word, size_t len, const char *why)
{
	struct report *r;

	assert_true(nreports < (int)ARRAY_SIZE(reports));
	r = &reports[nreports++];
	assert_true(len < sizeof(r->word));
	r->what = what;
	memcpy(r->word, word, len);
	r->word[len] = '\0';
	r->why = why;
}

static int reset(void **state)
{
	nreports = 0;
	seen_calls = 0;
	seen_null = false;
	seen_value[0] = '\0';
	return 0;
}

static int take_any(const char *value, size_t len, const char **why)
{
	seen_calls++;
	seen_null = value == NULL;
	if (value)
		snprintf(seen_value, sizeof(seen_value), "%.*s", (int)len, value);
	return 0;
}

static int take_console(const char *value, size_t len, const char **why)
{
	if (value && len == 3 && memcmp(value, "bad", 3) == 0) {
		*why = "no such console";
		return -1;
	}
	return take_any(value, len, why);
}

/* Rejects without saying why, to check that why arrives as NULL. */
static int take_number(const char *value, size_t len, const char **why)
{
	uint64_t v;

	if (!value || parse_u64(value, len, &v) != len)
		return -22;
	return 0;
}

static const struct cmdline_option opts[] = {
    {"selftest", take_any},
    {"console", take_console},
    {"mem", take_number},
    {"quiet", NULL},
};

static void expect_word(const char **cur, const char *name, const char *value)
{
	struct cmdline_word w;

	assert_int_equal(cmdline_next(cur, &w), 1);
	assert_int_equal(w.name_len, strlen(name));
	assert_memory_equal(w.name, name, w.name_len);
	if (!value) {
		assert_null(w.value);
		return;
	}
	assert_non_null(w.value);
	assert_int_equal(w.value_len, strlen(value));
	assert_memory_equal(w.value, value, w.value_len);
}

static void expect_bad(const char **cur, const char *text)
{
	struct cmdline_word w;

	assert_int_equal(cmdline_next(cur, &w), -1);
	assert_int_equal(w.name_len, strlen(text));
	assert_memory_equal(w.name, text, w.name_len);
	assert_null(w.value);
}

static void expect_end(const char **cur)
{
	struct cmdline_word w;

	assert_int_equal(cmdline_next(cur, &w), 0);
	assert_int_equal(cmdline_next(cur, &w), 0);
	assert_int_equal(**cur, '\0');
}

static void test_next_words(void **state)
{
	const char *cur = "  a b=c\t d=\"x y\"\n e= f=\"\" g=\"=\"\r\nh==";

	expect_word(&cur, "a", NULL);
	expect_word(&cur, "b", "c");
	expect_word(&cur, "d", "x y");
	expect_word(&cur, "e", "");
	expect_word(&cur, "f", "");
	expect_word(&cur, "g", "=");
	expect_word(&cur, "h", "=");
	expect_end(&cur);
}

static void test_next_empty(void **state)
{
	const char *cur = "";

	expect_end(&cur);
	cur = " \t\n\r ";
	expect_end(&cur);
}

static void test_next_malformed(void **state)
{
	const char *cur = "=x ok = a=\"b\"c a=b\"c \"n\"=v after a=\"never closed  x=1";

	expect_bad(&cur, "=x");
	expect_word(&cur, "ok", NULL);
	expect_bad(&cur, "=");
	expect_bad(&cur, "a=\"b\"c");
	expect_bad(&cur, "a=b\"c");
	expect_bad(&cur, "\"n\"=v");
	expect_word(&cur, "after", NULL);
	/* An unterminated quote takes the rest of the line with it. */
	expect_bad(&cur, "a=\"never closed  x=1");
	expect_end(&cur);
}

static void test_apply_good_line(void **state)
{
	int n = cmdline_apply(" quiet  selftest=\"a b,c\" mem=0x1000 console=ttyS0 quiet=1 ", opts,
			      ARRAY_SIZE(opts), record);

	assert_int_equal(n, 0);
	assert_int_equal(nreports, 0);
	assert_int_equal(seen_calls, 2);
	assert_string_equal(seen_value, "ttyS0");
}

static void test_apply_value_forms(void **state)
{
	assert_int_equal(cmdline_apply("selftest", opts, ARRAY_SIZE(opts), record), 0);
	assert_true(seen_null);
	assert_int_equal(cmdline_apply("selftest=", opts, ARRAY_SIZE(opts), record), 0);
	assert_false(seen_null);
	assert_string_equal(seen_value, "");
	assert_int_equal(cmdline_apply("selftest=\"x  y\"", opts, ARRAY_SIZE(opts), record), 0);
	assert_string_equal(seen_value, "x  y");
	assert_int_equal(cmdline_apply("", opts, ARRAY_SIZE(opts), record), 0);
	assert_int_equal(cmdline_apply(NULL, opts, ARRAY_SIZE(opts), record), 0);
	assert_int_equal(cmdline_apply("selftest", opts, 0, record), 1);
	assert_int_equal(reports[0].what, CMDLINE_UNKNOWN);
}

static void expect_report(int i, enum cmdline_problem what, const char *word, const char *why)
{
	assert_true(i < nreports);
	assert_int_equal(reports[i].what, what);
	assert_string_equal(reports[i].word, word);
	if (why)
		assert_string_equal(reports[i].why, why);
	else
		assert_null(reports[i].why);
}

static void test_apply_problems(void **state)
{
	int n = cmdline_apply("quiet console=bad bogus =x mem=zz self selftestx "
			      "console=\"bad\" mem mem=12 QUIET a=\"open",
			      opts, ARRAY_SIZE(opts), record);

	assert_int_equal(n, 10);
	assert_int_equal(nreports, 10);
	expect_report(0, CMDLINE_REJECTED, "console=bad", "no such console");
	expect_report(1, CMDLINE_UNKNOWN, "bogus", NULL);
	assert_int_equal(reports[2].what, CMDLINE_MALFORMED);
	assert_string_equal(reports[2].word, "=x");
	assert_non_null(reports[2].why);
	expect_report(3, CMDLINE_REJECTED, "mem=zz", NULL);
	expect_report(4, CMDLINE_UNKNOWN, "self", NULL);
	expect_report(5, CMDLINE_UNKNOWN, "selftestx", NULL);
	expect_report(6, CMDLINE_REJECTED, "console=\"bad\"", "no such console");
	expect_report(7, CMDLINE_REJECTED, "mem", NULL);
	expect_report(8, CMDLINE_UNKNOWN, "QUIET", NULL);
	assert_int_equal(reports[9].what, CMDLINE_MALFORMED);
	assert_string_equal(reports[9].word, "a=\"open");
}

static void test_list_has(void **state)
{
	const char *l = "alpha,beta,gamma";

	assert_true(cmdline_list_has(l, strlen(l), "alpha"));
	assert_true(cmdline_list_has(l, strlen(l), "beta"));
	assert_true(cmdline_list_has(l, strlen(l), "gamma"));
	assert_false(cmdline_list_has(l, strlen(l), "gam"));
	assert_false(cmdline_list_has(l, strlen(l), "alphabeta"));
	assert_false(cmdline_list_has(l, strlen(l), "alpha,beta"));
	assert_false(cmdline_list_has(l, strlen(l), ""));
	/* Only list_len bytes belong to the list. */
	assert_false(cmdline_list_has(l, 10, "gamma"));
	assert_false(cmdline_list_has(l, 9, "beta"));
	assert_true(cmdline_list_has(l, 10, "beta"));
	assert_false(cmdline_list_has(NULL, 0, "alpha"));
	assert_false(cmdline_list_has("", 0, "alpha"));
	assert_true(cmdline_list_has("x,,y,", 5, "y"));
	assert_false(cmdline_list_has("x,,y,", 5, ""));
	assert_true(cmdline_list_has("one", 3, "one"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_next_words, reset),
	    cmocka_unit_test_setup(test_next_empty, reset),
	    cmocka_unit_test_setup(test_next_malformed, reset),
	    cmocka_unit_test_setup(test_apply_good_line, reset),
	    cmocka_unit_test_setup(test_apply_value_forms, reset),
	    cmocka_unit_test_setup(test_apply_problems, reset),
	    cmocka_unit_test_setup(test_list_has, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
