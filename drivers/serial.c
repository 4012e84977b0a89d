/*
 * The 16550 UART at COM1, the PC's serial console and QEMU's -serial.  The
 * UART is probed through its scratch register first, so a machine without
 * one gets no console here rather than a loop waiting on a status bit that
 * will never change; the transmit wait is bounded for the same reason.
 */
#include <amphi/console.h>
#include <amphi/string.h>
#include <asm/x86.h>
#include <drivers/serial.h>

#define COM1 0x3f8
enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static void serial_putc(char c)
{
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(COM1 + LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(COM1 + THR, (uint8_t)c);
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

static int serial_getc(void)
{
	if (!(inb(COM1 + LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + RBR);
}

static struct console serial_console = {
    .name = "ttyS0",
    .write = serial_write,
    .getc = serial_getc,
};

static bool serial_present(void)
{
	outb(COM1 + SCR, 0x5a);
	if (inb(COM1 + SCR) != 0x5a)
		return false;
	outb(COM1 + SCR, 0xa5);
	return inb(COM1 + SCR) == 0xa5;
}

void serial_init(const char *want)
{
	if (!serial_present())
		return;
	outb(COM1 + IER, 0x00);
	outb(COM1 + LCR, 0x80); /* divisor latch: 115200 baud */
	outb(COM1 + DLL, 0x01);
	outb(COM1 + DLM, 0x00);
	outb(COM1 + LCR, 0x03); /* 8n1 */
	outb(COM1 + FCR, 0xc7);
	outb(COM1 + MCR, 0x03);
	console_register(&serial_console);
}
