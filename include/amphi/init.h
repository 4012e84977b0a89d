/* Start-up (kernel/init.c): PID 1 from the initramfs, as Linux starts it. */
#ifndef AMPHI_INIT_H
#define AMPHI_INIT_H

/* Runs PID 1 and powers off when it ends; returns at once when there is
 * none to run (the built-in shell's boot). */
void init_run(void);

#endif
