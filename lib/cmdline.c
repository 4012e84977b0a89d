/* The kernel command line: split into words, matched against a table.
 *
 * The parser never writes to the line (it may live in a boot loader's
 * read-only page) and never allocates: words are reported as pointer and
 * length into the original text.  Anything it cannot make sense of becomes
 * a reported problem instead of being skipped, because a silently ignored
 * option is far harder to debug than a complaint on the console.
 *
 * Quotes are only understood around a whole value (name="a b").  A quote
 * anywhere else makes the word malformed rather than guessing what was
 * meant; an unterminated quote swallows the rest of the line, so every
 * character after it is reported as part of the bad word. */
#include <amphi/cmdline.h>
#include <amphi/string.h>

static bool is_blank(char c)
{
	/* Carriage returns count too: lines written on other systems have them. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_to_blank(const char *p)
{
	while (*p && !is_blank(*p))
		p++;
	return p;
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

static bool has_quote(const char *p, size_t len)
{
	while (len--) {
		if (*p++ == '"')
			return true;
	}
	return false;
}

/* Reads the value starting at p (just after '=') into w; returns the end of
 * the word and sets *why when the value is malformed. */
static const char *scan_value(const char *p, struct cmdline_word *w, const char **why)
{
	const char *close;

	if (*p != '"') {
		w->value = p;
		p = skip_to_blank(p);
		w->value_len = (size_t)(p - w->value);
		if (has_quote(w->value, w->value_len))
			*why = "quote inside a value";
		return p;
	}
	close = strchr(p + 1, '"');
	if (!close) {
		*why = "unterminated quote";
		return p + strlen(p);
	}
	if (close[1] && !is_blank(close[1])) {
		*why = "text after a closing quote";
		return skip_to_blank(close + 1);
	}
	w->value = p + 1;
	w->value_len = (size_t)(close - w->value);
	return close + 1;
}

/* Scans the word at p, which is neither blank nor the end of the line.
 * Returns the end of the word; *why stays NULL for a good word and says
 * what is wrong with a bad one. */
static const char *scan_word(const char *p, struct cmdline_word *w, const char **why)
{
	const char *end;

	*why = NULL;
	w->name = p;
	w->value = NULL;
	w->value_len = 0;
	while (*p && !is_blank(*p) && *p != '=' && *p != '"')
		p++;
	w->name_len = (size_t)(p - w->name);
	if (*p == '"') {
		*why = "quote inside a name";
		end = skip_to_blank(p);
	} else if (*p == '=') {
		end = scan_value(p + 1, w, why);
	} else {
		end = p;
	}
	if (!*why && w->name_len == 0)
		*why = "empty name";
	return end;
}

/* Like cmdline_next, and also says why a malformed word is malformed. */
static int next_word(const char **cursor, struct cmdline_word *w, const char **why)
{
	const char *p = skip_blanks(*cursor);
	const char *end;

	*why = NULL;
	if (!*p) {
		*cursor = p;
		return 0;
	}
	end = scan_word(p, w, why);
	*cursor = end;
	if (!*why)
		return 1;
	w->name = p;
	w->name_len = (size_t)(end - p);
	w->value = NULL;
	w->value_len = 0;
	return -1;
}

int cmdline_next(const char **cursor, struct cmdline_word *w)
{
	const char *why;

	return next_word(cursor, w, &why);
}

static const struct cmdline_option *find_option(const struct cmdline_option *opts, size_t nopts,
						const char *name, size_t len)
{
	for (size_t i = 0; i < nopts; i++) {
		if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
			return &opts[i];
	}
	return NULL;
}

/* Applies one well-formed word; returns 1 if it was a problem, else 0. */
static int apply_word(const struct cmdline_word *w, const char *text, size_t text_len,
		      const struct cmdline_option *opts, size_t nopts, cmdline_report_fn report)
{
	const struct cmdline_option *opt = find_option(opts, nopts, w->name, w->name_len);
	const char *why = NULL;

	if (!opt) {
		report(CMDLINE_UNKNOWN, text, text_len, NULL);
		return 1;
	}
	/* An option without a handler is only recognised, e.g. one read
	 * elsewhere before the table is applied. */
	if (opt->handle && opt->handle(w->value, w->value_len, &why) < 0) {
		report(CMDLINE_REJECTED, text, text_len, why);
		return 1;
	}
	return 0;
}

int cmdline_apply(const char *line, const struct cmdline_option *opts, size_t nopts,
		  cmdline_report_fn report)
{
	const char *cursor = line ? line : "";
	struct cmdline_word w;
	const char *why;
	int problems = 0;

	for (;;) {
		const char *start = skip_blanks(cursor);
		int r = next_word(&cursor, &w, &why);

		if (r == 0)
			break;
		if (r < 0) {
			report(CMDLINE_MALFORMED, w.name, w.name_len, why);
			problems++;
			continue;
		}
		problems += apply_word(&w, start, (size_t)(cursor - start), opts, nopts, report);
	}
	return problems;
}

/* An empty item never matches: "a,,b" has no option called "". */
bool cmdline_list_has(const char *list, size_t list_len, const char *item)
{
	size_t item_len = strlen(item);
	const char *end, *comma;

	if (!list || !item_len)
		return false;
	for (end = list + list_len;; list = comma + 1) {
		for (comma = list; comma < end && *comma != ',';)
			comma++;
		if ((size_t)(comma - list) == item_len && memcmp(list, item, item_len) == 0)
			return true;
		if (comma == end)
			return false;
	}
}
