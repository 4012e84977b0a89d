/* A Linux-style kernel command line (lib/cmdline.c, pure code).
 *
 * The line is words separated by blanks; a word is `name` or `name=value`;
 * a value may be double-quoted to hold blanks ("a b").  Options are looked up
 * in a table; every word the table does not know, every malformed word and
 * every handler that rejects its value is reported through a callback, never
 * silently dropped. */
#ifndef AMPHI_CMDLINE_H
#define AMPHI_CMDLINE_H
#include <amphi/types.h>

struct cmdline_word {
	const char *name;
	size_t name_len;
	const char *value; /* NULL when the word has no '=' */
	size_t value_len;  /* without the quotes */
};

/* Steps *cursor over the next word.  Returns 1 and fills *w, 0 at the end of
 * the line, -1 for a malformed word (unterminated quote, empty name) in which
 * case *cursor moves past it and w->name/name_len point at the bad text. */
int cmdline_next(const char **cursor, struct cmdline_word *w);

struct cmdline_option {
	const char *name;
	/* Returns 0 when the value is accepted, or a negative number and may set
	 * *why to a static string saying what is wrong. */
	int (*handle)(const char *value, size_t value_len, const char **why);
};

enum cmdline_problem { CMDLINE_UNKNOWN, CMDLINE_MALFORMED, CMDLINE_REJECTED };

typedef void (*cmdline_report_fn)(enum cmdline_problem what, const char *word, size_t word_len,
				  const char *why);

/* Applies every word of line to the table; returns the number of problems
 * reported. */
int cmdline_apply(const char *line, const struct cmdline_option *opts, size_t nopts,
		  cmdline_report_fn report);

/* Helpers for handlers: does the comma-separated list `list` contain `item`? */
bool cmdline_list_has(const char *list, size_t list_len, const char *item);

#endif
