/* Unit tests of the line discipline (drivers/tty/n_tty.c): each types
 * characters into a fresh terminal and checks what a reader gets and
 * exactly what was echoed.
 *
 * Canonical mode: a line is readable only once ended, erase echoes
 * backspace-space-backspace (twice for a ^X character), ^U erases the
 * whole line, ^W a word (letters, digits, '_', and the blanks after it),
 * ^D ends a line without a newline and is an end of file alone, ^V takes
 * the next character as it is, \r becomes \n (ICRNL), a read takes one
 * line at most.  ISIG: ^C ^\ ^Z raise SIGINT, SIGQUIT, SIGTSTP, echo ^C
 * and flush what was typed; a disabled character (0) raises nothing.
 * Raw mode: bytes readable at once; switching modes carries the line
 * being edited over; ECHO off echoes nothing; a full buffer drops. */
#include "amphi_test.h"
#include "host_rename.h"
#include <amphi/n_tty.h>
#include "host_unrename.h"

static char echoed[65536];
static size_t echoed_len;

static void record(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(echoed_len + n < sizeof(echoed));
	memcpy(echoed + echoed_len, s, n);
	echoed_len += n;
	echoed[echoed_len] = 0;
}

static struct n_tty *fresh(void)
{
	static struct n_tty t;

	n_tty_init(&t, record, NULL);
	echoed_len = 0;
	echoed[0] = 0;
	return &t;
}

static int type(struct n_tty *t, const char *s)
{
	int sig = 0;

	for (; *s; s++) {
		int got = n_tty_receive(t, (uint8_t)*s);
		sig = got ? got : sig;
	}
	return sig;
}

/* One read of at most n bytes, as a string. */
static const char *take(struct n_tty *t, size_t n, bool *eof)
{
	static char buf[N_TTY_BUF + 1];
	size_t got = n_tty_read(t, (uint8_t *)buf, n, eof);

	buf[got] = 0;
	return buf;
}

static void test_line_ready_only_when_ended(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "echo hi");
	assert_false(n_tty_readable(t));
	assert_string_equal(take(t, 100, &eof), "");
	type(t, "\r");
	assert_true(n_tty_readable(t));
	assert_string_equal(take(t, 100, &eof), "echo hi\n");
	assert_false(eof);
	assert_string_equal(echoed, "echo hi\n");
}

static void test_erase(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "hllo\x7f\x7f\x7f"
		"ello\n");
	assert_string_equal(take(t, 100, &eof), "hello\n");
	assert_string_equal(echoed, "hllo\b \b\b \b\b \bello\n");
	/* A control character took two columns (^A): erased as two. */
	t = fresh();
	type(t, "a\x01\x7f\n");
	assert_string_equal(echoed, "a^A\b \b\b \b\n");
	/* Erase on an empty line does nothing. */
	t = fresh();
	type(t, "\x7f\x7fx\n");
	assert_string_equal(echoed, "x\n");
	assert_string_equal(take(t, 100, &eof), "x\n");
}

static void test_kill_and_word_erase(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "abc\x15xy\n");
	assert_string_equal(take(t, 100, &eof), "xy\n");
	assert_string_equal(echoed, "abc\b \b\b \b\b \bxy\n");
	t = fresh();
	type(t, "echo foo.bar  \x17"
		"baz\n");
	assert_string_equal(take(t, 100, &eof), "echo foo.baz\n");
	t = fresh();
	type(t, "abd\x7f"
		"c def\x17"
		"ghi\n");
	assert_string_equal(take(t, 100, &eof), "abc ghi\n");
	/* Without ECHOKE the kill character and a newline are echoed. */
	t = fresh();
	t->tio.c_lflag &= ~ECHOKE;
	type(t, "abc\x15");
	assert_string_equal(echoed, "abc^U\n");
}

static void test_eof(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "abc\x04");
	assert_true(n_tty_readable(t));
	assert_string_equal(take(t, 100, &eof), "abc");
	assert_false(eof);
	type(t, "\x04");
	assert_string_equal(take(t, 100, &eof), "");
	assert_true(eof);
	assert_false(n_tty_readable(t));
	assert_string_equal(echoed, "abc");
}

static void test_read_one_line_at_most(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "one\ntwo\n");
	assert_string_equal(take(t, 2, &eof), "on");
	assert_string_equal(take(t, 100, &eof), "e\n");
	assert_string_equal(take(t, 100, &eof), "two\n");
	assert_false(n_tty_readable(t));
}

static void test_signals(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "typed");
	assert_int_equal(type(t, "\x03"), 2);
	assert_string_equal(echoed, "typed^C");
	type(t, "x\n");
	assert_string_equal(take(t, 100, &eof), "x\n"); /* "typed" was flushed */
	assert_int_equal(type(t, "\x1c"), 3);
	assert_int_equal(type(t, "\x1a"), 20);
	/* ISIG off, or the character disabled: just a character. */
	t = fresh();
	t->tio.c_cc[VINTR] = 0;
	assert_int_equal(type(t, "\x03\n"), 0);
	t->tio.c_lflag &= ~ISIG;
	assert_int_equal(type(t, "\x1c\n"), 0);
	assert_string_equal(take(t, 100, &eof), "\x03\n");
	/* NOFLSH keeps what was typed. */
	t = fresh();
	t->tio.c_lflag |= NOFLSH;
	type(t, "keep\x03\n");
	assert_string_equal(take(t, 100, &eof), "keep\n");
}

static void test_lnext_and_crnl(void **state)
{
	struct n_tty *t = fresh();
	bool eof;

	type(t, "a\x16\x7f"
		"b\n");
	assert_string_equal(take(t, 100, &eof), "a\x7f"
						"b\n");
	/* A literal newline does not end the line; ^V's echo is "^\b". */
	t = fresh();
	type(t, "x\x16\ny\n");
	assert_string_equal(take(t, 100, &eof), "x\ny\n");
	assert_string_equal(echoed, "x^\b\ny\n");
	t = fresh();
	t->tio.c_iflag &= ~ICRNL;
	type(t, "a\rb\n");
	assert_string_equal(take(t, 100, &eof), "a\rb\n");
	t->tio.c_iflag |= IGNCR;
	type(t, "c\rd\n");
	assert_string_equal(take(t, 100, &eof), "cd\n");
}

static void test_raw_mode(void **state)
{
	struct n_tty *t = fresh();
	struct kernel_termios raw = t->tio;
	bool eof;

	raw.c_lflag &= ~(ICANON | ECHO);
	type(t, "half");
	n_tty_set_termios(t, &raw);
	assert_true(n_tty_readable(t)); /* the line being edited came along */
	type(t, "\x7f\x1b[D");		/* no editing, no echo in raw mode */
	assert_string_equal(take(t, 100, &eof), "half\x7f\x1b[D");
	assert_string_equal(echoed, "half");
	assert_int_equal(type(t, "\x03"), 2); /* ISIG still on */
	/* Back to canonical: unended raw bytes become the line. */
	type(t, "par");
	raw.c_lflag |= ICANON | ECHO;
	n_tty_set_termios(t, &raw);
	assert_false(n_tty_readable(t));
	type(t, "t\n");
	assert_string_equal(take(t, 100, &eof), "part\n");
}

static void test_full_buffer_drops(void **state)
{
	struct n_tty *t = fresh();
	struct kernel_termios raw = t->tio;
	bool eof;

	raw.c_lflag &= ~(ICANON | ECHO);
	n_tty_set_termios(t, &raw);
	for (int i = 0; i < N_TTY_BUF + 10; i++)
		n_tty_receive(t, 'x');
	assert_int_equal(n_tty_pending(t), N_TTY_BUF);
	assert_int_equal(strlen(take(t, N_TTY_BUF, &eof)), N_TTY_BUF);
	/* A canonical line longer than the limit keeps room for its end. */
	t = fresh();
	for (int i = 0; i < N_TTY_LINE + 10; i++)
		n_tty_receive(t, 'y');
	n_tty_receive(t, '\n');
	assert_int_equal(strlen(take(t, N_TTY_BUF, &eof)), N_TTY_LINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_ready_only_when_ended),
	    cmocka_unit_test(test_erase),
	    cmocka_unit_test(test_kill_and_word_erase),
	    cmocka_unit_test(test_eof),
	    cmocka_unit_test(test_read_one_line_at_most),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_lnext_and_crnl),
	    cmocka_unit_test(test_raw_mode),
	    cmocka_unit_test(test_full_buffer_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
