/*
 * printk and panic.  Messages go to the consoles when their level is below
 * console_loglevel; everything is kept in a log buffer that `dmesg` shows.
 * panic prints once, then powers off with a failure status: a panic inside
 * a panic goes straight to the power-off.
 */
#include <amphi/printk.h>
#include <amphi/printf.h>
#include <amphi/console.h>
#include <amphi/platform.h>
#include <amphi/shell.h>
#include <amphi/string.h>

int console_loglevel = 7;

static char log_buf[32768];
static size_t log_len; /* total bytes ever logged; the buffer holds the tail */

static void log_add(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_buf[(log_len + i) % sizeof(log_buf)] = s[i];
	log_len += n;
}

int vprintk(int level, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);

	log_add(buf, len);
	if (level < console_loglevel)
		console_write(buf, len);
	return n;
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
	n = vprintk(LOG_EMERG, fmt, ap);
	va_end(ap);
	return n;
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
