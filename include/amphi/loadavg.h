/*
 * The load average as Linux computes it (lib/loadavg.c, pure so that the
 * host tests can run it): three exponentially decayed averages of the
 * number of runnable tasks, sampled every LOADAVG_PERIOD_NS, in fixed
 * point with 11 fractional bits, and their "%lu.%02lu" form in
 * /proc/loadavg, rounded as Linux rounds it.
 */
#ifndef AMPHI_LOADAVG_H
#define AMPHI_LOADAVG_H
#include <amphi/types.h>

#define LOADAVG_FSHIFT 11
#define LOADAVG_FIXED_1 (1UL << LOADAVG_FSHIFT)
/* Linux's LOAD_FREQ: 5 s and a tick, so as not to beat with work that
 * runs every 5 s. */
#define LOADAVG_PERIOD_NS (5000000000UL + 10000000UL)

/* One sample: each average moves toward `active` tasks by its factor
 * (1/exp(5 s/1 min), /5 min, /15 min). */
void loadavg_update(uint64_t avg[3], unsigned int active);

/* An average's integer part and hundredths, rounded to the nearest. */
void loadavg_split(uint64_t avg, unsigned long *whole, unsigned long *hundredths);

/* The kernel's (kernel/time_load.c): sampling starts, on the boot CPU,
 * once the event timer is there; the averages as of the last sample. */
void time_load_init(void);
void loadavg_read(uint64_t avg[3]);

#endif
