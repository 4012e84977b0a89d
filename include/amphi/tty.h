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

#endif
