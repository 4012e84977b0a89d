/*
 * Xen's own console through the console_io hypercall: dom0's hvc0, and any
 * domain's earlyprintk=xen (which only dom0 or a debug Xen prints).  Input
 * is polled: Xen hands dom0 the serial input while it has the focus.
 *
 * Writes come one at a time (console_write's lock, kernel/console.c).
 * Reads may come from any CPU: what was read from Xen and not yet handed
 * out is under console_io_lock, so no character is handed out twice.
 */
#include <amphi/console.h>
#include <amphi/spinlock.h>
#include <asm/xen/hypercall.h>
#include <drivers/xen/console.h>

static void console_io_write(const char *s, size_t n)
{
	while (n) {
		int chunk = n > 1024 ? 1024 : (int)n;

		hypercall_console_io(CONSOLEIO_write, chunk, (char *)s);
		s += chunk;
		n -= (size_t)chunk;
	}
}

static struct spinlock console_io_lock = SPINLOCK_INIT;

/* console_io_lock held. */
static int console_io_next(void)
{
	static char buf[16];
	static int have, next;

	if (next >= have) {
		long rc = hypercall_console_io(CONSOLEIO_read, sizeof(buf), buf);

		if (rc <= 0)
			return -1;
		have = (int)rc;
		next = 0;
	}
	return (unsigned char)buf[next++];
}

static int console_io_getc(void)
{
	unsigned long flags = spin_lock_irqsave(&console_io_lock);
	int c = console_io_next();

	spin_unlock_irqrestore(&console_io_lock, flags);
	return c;
}

static struct console xenboot_console = {
    .name = "xenboot",
    .write = console_io_write,
};

static struct console hvc0_io_console = {
    .name = "hvc0",
    .write = console_io_write,
    .getc = console_io_getc,
};

void xen_console_io_register_early(void)
{
	console_register(&xenboot_console);
}

void xen_console_io_register_hvc0(void)
{
	console_register(&hvc0_io_console);
}
