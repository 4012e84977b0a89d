/*
 * printk and panic.  Messages go to the consoles when their level is below
 * console_loglevel; everything is kept in a log buffer that `dmesg` shows.
 * panic prints once, then powers off with a failure status: a panic inside
 * a panic goes straight to the power-off.
 *
 * An error report (pr_err and above, but not the shell's LOG_ALWAYS
 * output) starts its line with "error: ", so
 * that whoever reads a console, a person or the test runner, can tell the
 * kernel's own complaints from ordinary text.  A selftest that provokes
 * reports on purpose (a hostile backend, a refused write) says so around
 * them with printk_expect_errors(); its reports read "expected error: ",
 * and it can check that the kernel complained as many times as it should.
 */
#include <amphi/printk.h>
#include <amphi/printf.h>
#include <amphi/console.h>
#include <amphi/cpu.h>
#include <amphi/spinlock.h>
#include <amphi/platform.h>
#include <amphi/shell.h>
#include <amphi/string.h>

int console_loglevel = 7;

static char log_buf[32768];
static bool line_start = true;
static unsigned expecting;
static unsigned long reports[2]; /* [0] unexpected, [1] expected */
static size_t log_len;		 /* total bytes ever logged; the buffer holds the tail */

static void log_add(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_buf[(log_len + i) % sizeof(log_buf)] = s[i];
	log_len += n;
}

static void log_emit(int level, const char *s, size_t n)
{
	log_add(s, n);
	if (level < console_loglevel)
		console_write(s, n);
	if (n)
		line_start = s[n - 1] == '\n';
}

/* An error report begins a line of its own, with its mark: after a
 * shell prompt, say, it starts on the next line. */
static void mark_error(int level)
{
	static const char *const marks[2] = {"error: ", "expected error: "};
	bool expected = expecting > 0;

	if (level == LOG_ALWAYS || level > LOG_ERR)
		return;
	if (!line_start)
		log_emit(level, "\n", 1);
	reports[expected]++;
	log_emit(level, marks[expected], strlen(marks[expected]));
}

/* One CPU's message at a time, whole, once a second CPU runs (before
 * that, early on Xen PV, even the interrupt flag op is not set up yet).
 * A message printed from inside another on the same CPU (a fault in a
 * console driver, a panic) goes straight through rather than wait for
 * itself. */
static struct spinlock log_lock = SPINLOCK_INIT;
static volatile int log_owner = -1;

enum log_hold { LOG_UNLOCKED, LOG_IRQS_SAVED, LOG_LOCKED };

static enum log_hold log_lock_take(unsigned long *flags)
{
	if (nr_cpus_present < 2)
		return LOG_UNLOCKED;
	*flags = local_irq_save();
	if (log_owner == (int)smp_processor_id())
		return LOG_IRQS_SAVED;
	spin_lock(&log_lock);
	log_owner = (int)smp_processor_id();
	return LOG_LOCKED;
}

static void log_lock_give(enum log_hold hold, unsigned long flags)
{
	if (hold == LOG_LOCKED) {
		log_owner = -1;
		spin_unlock(&log_lock);
	}
	if (hold != LOG_UNLOCKED)
		local_irq_restore(flags);
}

static int vprintk_marked(int level, bool mark, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	unsigned long flags = 0;
	enum log_hold hold = log_lock_take(&flags);

	if (mark)
		mark_error(level);
	log_emit(level, buf, MIN((size_t)n, sizeof(buf) - 1));
	log_lock_give(hold, flags);
	return n;
}

int vprintk(int level, const char *fmt, va_list ap)
{
	return vprintk_marked(level, true, fmt, ap);
}

int printk(int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(level, fmt, ap);
	va_end(ap);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk_marked(LOG_ALWAYS, false, fmt, ap);
	va_end(ap);
	return n;
}

void printk_expect_errors(bool on)
{
	if (on)
		expecting++;
	else if (expecting)
		expecting--;
}

unsigned long printk_error_reports(bool expected)
{
	return reports[expected];
}

void panic(const char *fmt, ...)
{
	static bool in_panic;
	char buf[256];
	va_list ap;

	if (in_panic)
		power_off(POWER_FAILURE);
	in_panic = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("Kernel panic: %s\n", buf);
	kprintf("Powering off with a failure status.\n");
	power_off(POWER_FAILURE);
}

SHELL_CMD(dmesg, "show the kernel log")
{
	size_t start = log_len > sizeof(log_buf) ? log_len - sizeof(log_buf) : 0;

	for (size_t pos = start; pos < log_len;) {
		size_t off = pos % sizeof(log_buf);
		size_t chunk = MIN(sizeof(log_buf) - off, log_len - pos);

		console_write(log_buf + off, chunk);
		pos += chunk;
	}
	return 0;
}
