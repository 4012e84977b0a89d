/*
 * Consoles: every registered and enabled console receives all kernel output;
 * input is polled from the first enabled console that can read.  Drivers
 * (serial, Xen console_io, the Xen console ring) register a struct console.
 */
#ifndef AMPHI_CONSOLE_H
#define AMPHI_CONSOLE_H
#include <amphi/types.h>

struct console {
	const char *name; /* "ttyS0", "hvc0", "xenboot" */
	void (*write)(const char *s, size_t n);
	/* A character, or -1 when none is waiting.  NULL: output only. */
	int (*getc)(void);
	struct console *next;
	bool enabled;
	bool early; /* earlyprintk: replaced when the real console starts */
	/* Input raises an interrupt and the driver calls console_input_ready();
	 * otherwise a reader has to poll it. */
	bool irq_input;
};

/* Adds a console, disabled until console_select() (early ones: enabled at
 * once, having been asked for on the command line). */
void console_register(struct console *c);
/* Enables the consoles named by `want` (console=), or all registered ones
 * when want is NULL or names none of them, and ends the early consoles.
 * A newly enabled console is first given the messages printed so far,
 * unless an early console already showed them. */
void console_select(const char *want);
/* Writes to every enabled console, one writer at a time (from any CPU). */
void console_write(const char *s, size_t n);
int console_getc(void);
/* Sleeps until a console may have input: until console_input_ready() when
 * every enabled input is interrupt-driven, else for a millisecond. */
void console_wait_input(void);
/* From a console's input interrupt: wakes the readers. */
void console_input_ready(void);
/* Names of the enabled consoles, for the boot report. */
void console_describe(char *buf, size_t size);

#endif
