/*
 * Linux's load-average arithmetic (amphi/loadavg.h): the factors are
 * 2048/exp(5/60), 2048/exp(5/300) and 2048/exp(5/900), and a sample that
 * pulls an average up rounds up, so that a steady load reaches its value
 * instead of stopping one step short of it.
 */
#include <amphi/loadavg.h>

static const uint64_t loadavg_exp[3] = {1884, 2014, 2037};

static uint64_t loadavg_step(uint64_t load, uint64_t exp, uint64_t active)
{
	uint64_t next = load * exp + active * (LOADAVG_FIXED_1 - exp);

	if (active >= load)
		next += LOADAVG_FIXED_1 - 1;
	return next / LOADAVG_FIXED_1;
}

void loadavg_update(uint64_t avg[3], unsigned int active)
{
	for (int i = 0; i < 3; i++)
		avg[i] = loadavg_step(avg[i], loadavg_exp[i], (uint64_t)active << LOADAVG_FSHIFT);
}

void loadavg_split(uint64_t avg, unsigned long *whole, unsigned long *hundredths)
{
	avg += LOADAVG_FIXED_1 / 200; /* to the nearest hundredth */
	*whole = avg >> LOADAVG_FSHIFT;
	*hundredths = ((avg & (LOADAVG_FIXED_1 - 1)) * 100) >> LOADAVG_FSHIFT;
}
