/*
 * The line discipline: Linux's N_TTY as a program sees it, in pure code
 * (no locks, no devices, no processes) so that the host tests drive it
 * character by character and check every echo (tests/host/test_n_tty.c).
 * drivers/tty/tty.c calls it with its lock held.
 *
 * Input goes through c_iflag (ISTRIP, IGNCR, ICRNL, INLCR), then ISIG's
 * characters (VINTR, VQUIT, VSUSP: a signal for the caller to send, and
 * the input flushed unless NOFLSH), then, in canonical mode, the line
 * editor: VERASE, VKILL, and with IEXTEN VWERASE (a word: letters, digits
 * and '_', as Linux's ALTWERASE), VLNEXT and VREPRINT; VEOF ends a line
 * without a newline, or is an end of file on an empty one; '\n', VEOL and
 * VEOL2 end a line.  Only ended lines are readable.  In raw mode bytes are
 * readable as they come (VMIN and VTIME are the reader's, in tty.c).
 *
 * Echo follows ECHO, ECHOE (erase as backspace-space-backspace), ECHOK,
 * ECHOKE (erase a killed line visibly), ECHONL and ECHOCTL (a control
 * character as ^X, two columns, erased as two).  A tab is erased as the
 * columns it took from the start of the line; the prompt before the line
 * is not counted, which Linux counts: a tab after an odd prompt erases
 * wrongly, a small known difference.  Output processing (OPOST, ONLCR) is
 * not here: every console driver already turns '\n' into "\r\n".
 */
#include <amphi/n_tty.h>
#include <amphi/string.h>

#define SIG_INT 2
#define SIG_QUIT 3
#define SIG_TSTP 20

void n_tty_default_termios(struct kernel_termios *tio)
{
	static const uint8_t cc[NCCS] = {
	    [VINTR] = 3,     [VQUIT] = 28,    [VERASE] = 127, [VKILL] = 21,  [VEOF] = 4,
	    [VTIME] = 0,     [VMIN] = 1,      [VSTART] = 17,  [VSTOP] = 19,  [VSUSP] = 26,
	    [VREPRINT] = 18, [VDISCARD] = 15, [VWERASE] = 23, [VLNEXT] = 22,
	};

	memset(tio, 0, sizeof(*tio));
	tio->c_iflag = ICRNL | IXON;
	tio->c_oflag = OPOST | ONLCR;
	tio->c_cflag = B38400 | CS8 | CREAD;
	tio->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(tio->c_cc, cc, sizeof(cc));
}

void n_tty_init(struct n_tty *t, void (*echo)(void *, const char *, size_t), void *ctx)
{
	memset(t, 0, sizeof(*t));
	n_tty_default_termios(&t->tio);
	t->echo = echo;
	t->ctx = ctx;
}

static bool lflag(const struct n_tty *t, uint32_t f)
{
	return (t->tio.c_lflag & f) == f;
}

/* c is the control character at index i, which is enabled. */
static bool is_cc(const struct n_tty *t, uint8_t c, int i)
{
	return t->tio.c_cc[i] != 0 && t->tio.c_cc[i] == c;
}

static void out(struct n_tty *t, const char *s, size_t n)
{
	if (t->echo && n)
		t->echo(t->ctx, s, n);
}

static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* One character as echo shows it. */
static void echo_char(struct n_tty *t, uint8_t c)
{
	if (is_ctl(c) && c != '\t' && c != '\n' && lflag(t, ECHOCTL)) {
		char s[2] = {'^', (char)(c ^ 0x40)};

		out(t, s, 2);
	} else {
		out(t, (const char *)&c, 1);
	}
}

static void echo_if(struct n_tty *t, uint8_t c)
{
	if (lflag(t, ECHO))
		echo_char(t, c);
}

/* --- what a reader takes --- */

static void rbuf_put(struct n_tty *t, uint16_t v)
{
	if (t->rcount == N_TTY_BUF)
		return; /* full: dropped, as Linux drops */
	t->rbuf[(t->rhead + t->rcount++) % N_TTY_BUF] = v;
}

static uint16_t rbuf_take(struct n_tty *t)
{
	uint16_t v = t->rbuf[t->rhead];

	t->rhead = (t->rhead + 1) % N_TTY_BUF;
	t->rcount--;
	if (v & (N_TTY_EOL | N_TTY_EOF))
		t->lines--;
	return v;
}

/* The line being edited goes to the reader, its last byte (if any)
 * marking its end; an empty one is an end of file. */
static void line_push(struct n_tty *t)
{
	if (N_TTY_BUF - t->rcount < t->line_len + 1)
		t->line_len = 0; /* no room for the line: lost, not split */
	for (unsigned int i = 0; i < t->line_len; i++)
		rbuf_put(t, t->line[i] | (i + 1 == t->line_len ? N_TTY_EOL : 0));
	if (!t->line_len)
		rbuf_put(t, N_TTY_EOF);
	t->lines++;
	t->line_len = 0;
}

/* --- editing --- */

/* The columns line[i] took when echoed. */
static unsigned int width_at(const struct n_tty *t, unsigned int i)
{
	uint8_t c = t->line[i];
	unsigned int col = 0;

	if (c == '\t') {
		for (unsigned int k = 0; k < i; k++)
			col += t->line[k] == '\t' ? 8 - col % 8 : width_at(t, k);
		return 8 - col % 8;
	}
	return is_ctl(c) && lflag(t, ECHOCTL) ? 2 : 1;
}

static void rubout(struct n_tty *t)
{
	unsigned int w = width_at(t, t->line_len - 1);

	if (lflag(t, ECHO | ECHOE)) {
		for (unsigned int k = 0; k < w; k++)
			out(t, "\b \b", 3);
	} else {
		echo_if(t, t->tio.c_cc[VERASE]);
	}
	t->line_len--;
}

static bool word_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static void word_erase(struct n_tty *t)
{
	bool seen = false;

	while (t->line_len) {
		uint8_t c = t->line[t->line_len - 1];

		if (word_char(c))
			seen = true;
		else if (seen)
			break;
		rubout(t);
	}
}

static void kill_line(struct n_tty *t)
{
	if (lflag(t, ECHO | ECHOK | ECHOKE | ECHOE)) {
		while (t->line_len)
			rubout(t);
		return;
	}
	t->line_len = 0;
	echo_if(t, t->tio.c_cc[VKILL]);
	if (lflag(t, ECHO | ECHOK))
		out(t, "\n", 1);
}

static void reprint(struct n_tty *t)
{
	echo_if(t, t->tio.c_cc[VREPRINT]);
	if (!lflag(t, ECHO))
		return;
	out(t, "\n", 1);
	for (unsigned int i = 0; i < t->line_len; i++)
		echo_char(t, t->line[i]);
}

static bool ends_line(const struct n_tty *t, uint8_t c)
{
	return c == '\n' || is_cc(t, c, VEOL) || (lflag(t, IEXTEN) && is_cc(t, c, VEOL2));
}

/* A character for the line; literal (after ^V) never ends it. */
static void canon_add(struct n_tty *t, uint8_t c, bool literal)
{
	if (!literal && ends_line(t, c)) {
		if (t->line_len < N_TTY_LINE)
			t->line[t->line_len++] = c;
		if (lflag(t, ECHO) || (c == '\n' && lflag(t, ECHONL)))
			echo_char(t, c);
		line_push(t);
		return;
	}
	if (t->line_len >= N_TTY_LINE - 1)
		return; /* room is kept for the line's end */
	t->line[t->line_len++] = c;
	echo_if(t, c);
}

/* Canonical mode's editing characters: true when c was one. */
static bool canon_special(struct n_tty *t, uint8_t c)
{
	bool ext = lflag(t, IEXTEN);

	if (is_cc(t, c, VERASE)) {
		if (t->line_len)
			rubout(t);
	} else if (is_cc(t, c, VKILL)) {
		kill_line(t);
	} else if (ext && is_cc(t, c, VWERASE)) {
		word_erase(t);
	} else if (ext && is_cc(t, c, VLNEXT)) {
		t->lnext = true;
		if (lflag(t, ECHO | ECHOCTL))
			out(t, "^\b", 2);
	} else if (ext && is_cc(t, c, VREPRINT)) {
		reprint(t);
	} else if (is_cc(t, c, VEOF)) {
		line_push(t);
	} else {
		return false;
	}
	return true;
}

/* c_iflag's changes: the character to go on with, or -1 to drop it. */
static int input_map(const struct n_tty *t, uint8_t c)
{
	uint32_t f = t->tio.c_iflag;

	if (f & ISTRIP)
		c &= 0x7f;
	if (c == '\r')
		return (f & IGNCR) ? -1 : (f & ICRNL) ? '\n' : '\r';
	if (c == '\n' && (f & INLCR))
		return '\r';
	return c;
}

static int signal_of(const struct n_tty *t, uint8_t c)
{
	if (!lflag(t, ISIG))
		return 0;
	if (is_cc(t, c, VINTR))
		return SIG_INT;
	if (is_cc(t, c, VQUIT))
		return SIG_QUIT;
	if (is_cc(t, c, VSUSP))
		return SIG_TSTP;
	return 0;
}

int n_tty_receive(struct n_tty *t, uint8_t raw)
{
	int c = input_map(t, raw), sig;
	bool literal = t->lnext;

	if (literal) { /* taken as it is, after ^V */
		t->lnext = false;
		c = raw;
	} else if (c < 0) {
		return 0;
	} else if ((sig = signal_of(t, (uint8_t)c))) {
		if (!lflag(t, NOFLSH))
			n_tty_flush(t);
		echo_if(t, (uint8_t)c);
		return sig;
	} else if (lflag(t, ICANON) && canon_special(t, (uint8_t)c)) {
		return 0;
	}
	if (lflag(t, ICANON)) {
		canon_add(t, (uint8_t)c, literal);
	} else {
		rbuf_put(t, (uint8_t)c);
		echo_if(t, (uint8_t)c);
	}
	return 0;
}

bool n_tty_readable(const struct n_tty *t)
{
	return lflag(t, ICANON) ? t->lines > 0 : t->rcount > 0;
}

unsigned int n_tty_pending(const struct n_tty *t)
{
	return t->rcount;
}

size_t n_tty_read(struct n_tty *t, uint8_t *buf, size_t n, bool *eof)
{
	bool canon = lflag(t, ICANON);
	size_t got = 0;

	*eof = false;
	while (got < n && t->rcount) {
		uint16_t v = rbuf_take(t);

		if (v & N_TTY_EOF) {
			if (canon) {
				*eof = got == 0;
				break;
			}
			continue; /* an end of file means nothing raw */
		}
		buf[got++] = (uint8_t)v;
		if (canon && (v & N_TTY_EOL))
			break;
	}
	return got;
}

void n_tty_flush(struct n_tty *t)
{
	t->rhead = t->rcount = t->lines = 0;
	t->line_len = 0;
	t->lnext = false;
}

/* Raw bytes after the last ended line, in order, become the line. */
static void raw_to_line(struct n_tty *t)
{
	unsigned int k = 0;

	while (k < t->rcount && k < N_TTY_LINE - 1) {
		uint16_t v = t->rbuf[(t->rhead + t->rcount - 1 - k) % N_TTY_BUF];

		if (v & (N_TTY_EOL | N_TTY_EOF))
			break;
		k++;
	}
	for (unsigned int i = 0; i < k; i++)
		t->line[i] = (uint8_t)t->rbuf[(t->rhead + t->rcount - k + i) % N_TTY_BUF];
	t->line_len = k;
	t->rcount -= k;
}

void n_tty_set_termios(struct n_tty *t, const struct kernel_termios *tio)
{
	bool was = lflag(t, ICANON);

	t->tio = *tio;
	if (was && !lflag(t, ICANON)) {
		for (unsigned int i = 0; i < t->line_len; i++)
			rbuf_put(t, t->line[i]);
		t->line_len = 0;
	} else if (!was && lflag(t, ICANON) && !t->line_len) {
		raw_to_line(t);
	}
}
