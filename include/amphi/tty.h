/*
 * The console's terminal (drivers/tty/tty.c): the file operations of
 * /dev/console and /dev/tty, and its start for PID 1.
 */
#ifndef AMPHI_TTY_H
#define AMPHI_TTY_H
#include <amphi/types.h>

struct tty;
struct file_ops;
extern const struct file_ops tty_file_ops;

/* The console's input starts going to the line discipline (a thread
 * reads it), with session sid's group pgrp in the foreground. */
void tty_start(int sid, int pgrp);
/* Characters as if typed: the signal the last of them raised, or 0. */
int tty_receive(struct tty *t, const uint8_t *s, size_t n);
struct tty *tty_console(void);

/* For the selftests (drivers/tty/tty_selftest.c): a terminal of their
 * own, started, echoing nowhere, with group pgrp in the foreground; its
 * read (as a file's, nonblock as O_NONBLOCK) and its settings. */
struct kernel_termios;
struct tty *tty_alloc(int pgrp);
void tty_free(struct tty *t);
long tty_read_kernel(struct tty *t, void *buf, size_t n, bool nonblock);
void tty_set_termios_kernel(struct tty *t, const struct kernel_termios *tio, bool flush);
void tty_get_termios(struct tty *t, struct kernel_termios *tio);

#endif
