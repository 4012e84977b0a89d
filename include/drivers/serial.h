/* The 16550 UART console, ttyS0 (drivers/serial.c). */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

/* Probes COM1 and registers ttyS0 if a UART answers. */
void serial_init(const char *want);

#endif
