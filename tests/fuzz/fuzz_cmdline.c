/* Fuzz target: the kernel command line (lib/cmdline.c), which comes from
 * the boot loader or the toolstack.
 *
 * The input is the line.  It is walked word by word with cmdline_next,
 * each word checked to lie inside the line and the cursor to move on, and
 * applied to a small table whose handlers accept some values and refuse
 * others, every report checked to point into the line; each value is also
 * looked up as a comma-separated list. */
#include "fuzz.h"
#include <amphi/cmdline.h>

static const char *line;
static size_t line_len;

static bool inside(const char *p, size_t len)
{
	return p >= line && p <= line + line_len && len <= (size_t)(line + line_len - p);
}

static int want_digits(const char *v, size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			*why = "not a number";
			return -1;
		}
	}
	return 0;
}

static int want_list(const char *v, size_t n, const char **why)
{
	if (v)
		FUZZ_CHECK(inside(v, n));
	return v && cmdline_list_has(v, n, "on") ? 0 : -1;
}

static const struct cmdline_option opts[] = {
    {"console", NULL},
    {"loglevel", want_digits},
    {"selftest", want_list},
    {"ip", want_list},
};

static void report(enum cmdline_problem what, const char *word, size_t len, const char *why)
{
	FUZZ_CHECK(what <= CMDLINE_REJECTED && inside(word, len));
	FUZZ_CHECK(what != CMDLINE_MALFORMED || why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	const char *cursor = s;
	struct cmdline_word w;
	int r;

	line = s;
	line_len = strlen(s);
	while ((r = cmdline_next(&cursor, &w)) != 0) {
		FUZZ_CHECK(cursor > w.name && cursor <= line + line_len);
		FUZZ_CHECK(inside(w.name, w.name_len));
		if (r > 0 && w.value) {
			FUZZ_CHECK(inside(w.value, w.value_len) && w.name_len > 0);
			cmdline_list_has(w.value, w.value_len, "a");
		}
	}
	FUZZ_CHECK(cursor == line + line_len);
	cmdline_apply(s, opts, ARRAY_SIZE(opts), report);
	free(s);
	return 0;
}
