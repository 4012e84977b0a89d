/*
 * Kernel messages.  Levels follow Linux (0 emergency .. 7 debug); a message
 * reaches the consoles when its level is below the console loglevel
 * (loglevel= on the command line, 7 by default).
 */
#ifndef AMPHI_PRINTK_H
#define AMPHI_PRINTK_H
#include <amphi/types.h>

enum {
	LOG_EMERG,
	LOG_ALERT,
	LOG_CRIT,
	LOG_ERR,
	LOG_WARNING,
	LOG_NOTICE,
	LOG_INFO,
	LOG_DEBUG,
};
/* What the shell and the selftests print: shown whatever the loglevel, and
 * never marked as an error report (below). */
#define LOG_ALWAYS LOG_EMERG

extern int console_loglevel;

int printk(int level, const char *fmt, ...) __printf(2, 3);
int vprintk(int level, const char *fmt, va_list ap);
/* Unconditional output: for the shell and for test results. */
int kprintf(const char *fmt, ...) __printf(1, 2);

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARNING, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* Error reports (LOG_ALERT to LOG_ERR) start their line with "error: ".
 * Between printk_expect_errors(true) and (false), nested, they read
 * "expected error: " instead: for a selftest that provokes them.  The
 * counts are of reports since boot, of either kind. */
void printk_expect_errors(bool on);
unsigned long printk_error_reports(bool expected);

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#endif
