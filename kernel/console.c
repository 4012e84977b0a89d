/*
 * The list of consoles and the history of what was printed before and
 * while they came up, so that no early message is lost: a console that
 * starts late is first given the history.
 */
#include <amphi/console.h>
#include <amphi/printk.h>
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
	*pp = c;
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

void console_write(const char *s, size_t n)
{
	history_add(s, n);
	for (struct console *c = consoles; c; c = c->next)
		if (c->enabled)
			c->write(s, n);
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
static volatile bool input_signalled;

void console_input_ready(void)
{
	input_signalled = true;
	wq_wake_all(&input_waiters);
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
	/* Checked with interrupts off, so a wake-up between the check and the
	 * wait cannot be lost. */
	unsigned long flags = local_irq_save();
	if (!input_signalled)
		wq_wait(&input_waiters);
	input_signalled = false;
	local_irq_restore(flags);
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
