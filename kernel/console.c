/*
 * The list of consoles and the history of what was printed before and
 * while they came up, so that no early message is lost: a console that
 * starts late is first given the history.
 *
 * Output comes from every CPU: printk (which holds its log_lock, so that
 * a message is logged and shown whole) and the shell's echo.  A console
 * driver's write keeps state of its own (the Xen ring's producer index),
 * and so does the history, so writes go one at a time under
 * console_lock, below log_lock in the lock order.  A CPU that writes
 * from inside its own write (a fault in a console driver, a panic) goes
 * straight through rather than wait for itself, as printk does.
 *
 * The list is built at boot, before any other CPU runs; after that only
 * the console selftest adds to it (its own console, left in the list).
 * An entry is only ever appended, whole, and never removed, so a writer
 * walking the list meanwhile sees it or does not.
 *
 * A reader waiting for input sleeps with wait_event; the input interrupt
 * may come on another CPU, and the flag it sets is taken atomically, so
 * no wake-up is lost between the reader's look and its sleep.
 */
#include <amphi/console.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/sched.h>
#include <amphi/time.h>
#include <amphi/printf.h>

static struct console *consoles;
static char history[16384];
static size_t history_len; /* total bytes ever written, history holds the tail */
static bool early_shown;

void console_register(struct console *c)
{
	struct console **pp = &consoles;

	while (*pp)
		pp = &(*pp)->next;
	c->next = NULL;
	__atomic_store_n(pp, c, __ATOMIC_RELEASE);
	if (c->early) {
		c->enabled = true;
		early_shown = true;
	}
}

static void history_add(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history[(history_len + i) % sizeof(history)] = s[i];
	history_len += n;
}

static void history_replay(struct console *c)
{
	size_t start = history_len > sizeof(history) ? history_len - sizeof(history) : 0;

	for (size_t pos = start; pos < history_len;) {
		size_t off = pos % sizeof(history);
		size_t chunk = MIN(sizeof(history) - off, history_len - pos);

		c->write(history + off, chunk);
		pos += chunk;
	}
}

static bool console_matches(const struct console *c, const char *want)
{
	size_t n = strlen(c->name);

	return !strncmp(want, c->name, n) && (want[n] == '\0' || want[n] == ',');
}

void console_select(const char *want)
{
	bool any = false;

	for (struct console *c = consoles; c; c = c->next)
		any |= !c->early && want && console_matches(c, want);
	if (want && !any)
		pr_warn("console=%s: no such console here; using the default\n", want);
	for (struct console *c = consoles; c; c = c->next) {
		if (c->early) {
			c->enabled = false;
			continue;
		}
		if (any && !console_matches(c, want))
			continue;
		if (!early_shown)
			history_replay(c);
		c->enabled = true;
	}
}

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile int console_owner = -1;

enum console_hold { CONSOLE_UNLOCKED, CONSOLE_IRQS_SAVED, CONSOLE_LOCKED };

/* Before a second CPU is found there is nothing to lock against, and
 * early on Xen PV the interrupt flag op is not even set up yet. */
static enum console_hold console_lock_take(unsigned long *flags)
{
	if (nr_cpus_present < 2)
		return CONSOLE_UNLOCKED;
	*flags = local_irq_save();
	if (console_owner == (int)smp_processor_id())
		return CONSOLE_IRQS_SAVED;
	spin_lock(&console_lock);
	console_owner = (int)smp_processor_id();
	return CONSOLE_LOCKED;
}

static void console_lock_give(enum console_hold hold, unsigned long flags)
{
	if (hold == CONSOLE_LOCKED) {
		console_owner = -1;
		spin_unlock(&console_lock);
	}
	if (hold != CONSOLE_UNLOCKED)
		local_irq_restore(flags);
}

void console_write(const char *s, size_t n)
{
	unsigned long flags = 0;
	enum console_hold hold = console_lock_take(&flags);

	history_add(s, n);
	for (struct console *c = consoles; c; c = c->next)
		if (c->enabled)
			c->write(s, n);
	console_lock_give(hold, flags);
}

int console_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		if (c->enabled && c->getc) {
			int ch = c->getc();
			if (ch >= 0)
				return ch;
		}
	}
	return -1;
}

static struct wait_queue input_waiters = WAIT_QUEUE_INIT;
static bool input_signalled;

void console_input_ready(void)
{
	__atomic_store_n(&input_signalled, true, __ATOMIC_RELEASE);
	wq_wake_all(&input_waiters);
}

/* True once per console_input_ready(), however many readers look. */
static bool console_input_take(void)
{
	return __atomic_exchange_n(&input_signalled, false, __ATOMIC_ACQUIRE);
}

void console_wait_input(void)
{
	bool polled = false;

	for (struct console *c = consoles; c; c = c->next)
		polled |= c->enabled && c->getc && !c->irq_input;
	if (polled) {
		sleep_ns(NSEC_PER_MSEC);
		return;
	}
	wait_event(&input_waiters, console_input_take());
}

void console_describe(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (struct console *c = consoles; c; c = c->next)
		if (c->enabled && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " " : "",
						 c->name);
}
