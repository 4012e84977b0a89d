/*
 * The line discipline's decisions (drivers/tty/n_tty.c), pure code that
 * the host tests compile too: what a typed character does to the line
 * being edited and to what a reader may take (canonical lines, or bytes
 * as they come in raw mode), what is echoed, and which signal it raises.
 * It knows no locks, devices or processes: drivers/tty/tty.c holds the
 * lock, feeds it characters, sends its signals, and waits for its data.
 */
#ifndef AMPHI_N_TTY_H
#define AMPHI_N_TTY_H
#include <amphi/termios.h>
#include <amphi/types.h>

/* What a reader may take (Linux's N_TTY_BUF_SIZE), and the longest line
 * in canonical mode, its end included. */
#define N_TTY_BUF 4096
#define N_TTY_LINE 4095

struct n_tty {
	struct kernel_termios tio;
	/* Ready for a reader: each a byte, the last of a canonical line
	 * flagged N_TTY_EOL, or an end of file (^D on an empty line). */
	uint16_t rbuf[N_TTY_BUF];
	unsigned int rhead, rcount;
	unsigned int lines; /* canonical lines (or ends of file) in rbuf */
	/* The canonical line being edited. */
	uint8_t line[N_TTY_LINE];
	unsigned int line_len;
	bool lnext; /* ^V: the next character is taken literally */
	/* Where echo goes; called with the caller's lock held. */
	void (*echo)(void *ctx, const char *s, size_t n);
	void *ctx;
};

#define N_TTY_EOL 0x100
#define N_TTY_EOF 0x200

/* A fresh terminal: cooked, echoing, ^C ^\ ^Z ^D ^? ^U ^W as Linux's. */
void n_tty_init(struct n_tty *t, void (*echo)(void *, const char *, size_t), void *ctx);
void n_tty_default_termios(struct kernel_termios *tio);
/* One character from the keyboard: the signal it raises (Linux's
 * number: SIGINT 2, SIGQUIT 3, SIGTSTP 20), or 0. */
int n_tty_receive(struct n_tty *t, uint8_t c);
/* Can a reader take something now: a whole line (canonical), a byte (raw)? */
bool n_tty_readable(const struct n_tty *t);
/* Takes up to n bytes: in canonical mode one line at most (its newline
 * included), an end of file ending it; *eof says a bare end of file was
 * taken (the read returns 0). */
size_t n_tty_read(struct n_tty *t, uint8_t *buf, size_t n, bool *eof);
/* Bytes waiting for a reader (FIONREAD). */
unsigned int n_tty_pending(const struct n_tty *t);
/* TCSETS: the new settings; a line being edited becomes readable when
 * canonical mode ends, and unended raw bytes become the line being
 * edited when it starts, as on Linux. */
void n_tty_set_termios(struct n_tty *t, const struct kernel_termios *tio);
/* Drops what was typed and not read (^C, TCFLSH, TCSETSF). */
void n_tty_flush(struct n_tty *t);

#endif
