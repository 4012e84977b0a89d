/*
 * The time-stamp counter as the native clock (arch/x86/tsc.c), and the
 * fixed-point scaling between clock rates that both it and the LAPIC timer
 * use.  The kernel has no floating point, and a 64-bit product of a count
 * and a frequency overflows within seconds, so a rate is a 32-bit
 * multiplier and a shift, applied to the high and low halves of the value
 * separately: then nothing overflows before the result itself would.
 */
#ifndef ASM_TSC_H
#define ASM_TSC_H
#include <amphi/types.h>

#define PIT_HZ 1193182ULL

/* value * to_hz / from_hz  ==  value * mult >> shift, with mult < 2^32. */
struct clock_scale {
	uint32_t mult;
	uint32_t shift;
};

/* Chooses the most precise mult and shift (shift <= 32) for the ratio
 * to_hz / from_hz; false when the ratio does not fit (to_hz / from_hz must
 * be below 2^32 and both nonzero). */
static inline bool clock_scale_init(struct clock_scale *s, uint64_t from_hz, uint64_t to_hz)
{
	if (!from_hz || !to_hz)
		return false;
	for (int shift = 32; shift >= 0; shift--) {
		/* to_hz << shift stays below 2^63, so adding the rounding
		 * half of from_hz cannot overflow either. */
		if (to_hz > (UINT64_MAX >> (shift + 1)))
			continue;
		uint64_t mult = ((to_hz << shift) + from_hz / 2) / from_hz;

		if (mult && mult <= UINT32_MAX) {
			*s = (struct clock_scale){(uint32_t)mult, (uint32_t)shift};
			return true;
		}
	}
	return false;
}

/* Each half's product fits in 64 bits because mult < 2^32; the high half
 * is shifted back up by the 32 bits its split took off. */
static inline uint64_t clock_scale_apply(const struct clock_scale *s, uint64_t value)
{
	uint64_t hi = value >> 32, lo = value & 0xffffffffULL;

	return ((hi * s->mult) << (32 - s->shift)) + ((lo * s->mult) >> s->shift);
}

/* A TSC clock: nanoseconds since the TSC read `base`, and back. */
struct tsc_clock {
	uint64_t base;
	struct clock_scale to_ns, to_tsc;
};

static inline bool tsc_clock_init(struct tsc_clock *c, uint64_t base, uint64_t hz)
{
	c->base = base;
	return clock_scale_init(&c->to_ns, hz, 1000000000ULL) &&
	       clock_scale_init(&c->to_tsc, 1000000000ULL, hz);
}

static inline uint64_t tsc_clock_ns(const struct tsc_clock *c, uint64_t tsc)
{
	return tsc > c->base ? clock_scale_apply(&c->to_ns, tsc - c->base) : 0;
}

/* The TSC value at which tsc_clock_ns() reaches `deadline_ns`, given the
 * TSC now.  The two scales round differently (by up to parts in 10^7 for
 * a slow TSC), so one conversion can land before the deadline, and a timer
 * re-armed for it would fire again at once.  Each step therefore converts
 * only the distance still left, plus a cycle for rounding down, and checks
 * the result in the direction sched_clock() computes it; the second step
 * is already within a cycle. */
static inline uint64_t tsc_clock_deadline(const struct tsc_clock *c, uint64_t tsc_now,
					  uint64_t deadline_ns)
{
	uint64_t tsc = tsc_now, ns = tsc_clock_ns(c, tsc_now);

	for (int step = 0; step < 4 && ns < deadline_ns; step++) {
		tsc += clock_scale_apply(&c->to_tsc, deadline_ns - ns) + 1;
		ns = tsc_clock_ns(c, tsc);
	}
	return tsc;
}

/* Measures the TSC frequency (CPUID leaf 0x15, else the PIT, else CPUID
 * leaf 0x16) and starts native_sched_clock() at zero.  Panics with the
 * reason when there is no way to know the frequency. */
void tsc_init(void);
/* The frequency tsc_init() found, in Hz; 0 before. */
extern uint64_t tsc_hz;
/* The TSC value at which sched_clock() will have reached `deadline_ns`
 * (for the TSC-deadline timer); a deadline already past gives the TSC
 * ahead_ns from now. */
uint64_t tsc_deadline_for(uint64_t deadline_ns, uint64_t ahead_ns);

/* Runs PIT channel 2 for `ticks` (at PIT_HZ) and returns in *elapsed how
 * far `clock` moved meanwhile; false when the PIT does not count (absent,
 * or too slow by a factor of ten). */
bool pit_measure(uint32_t ticks, uint64_t (*clock)(void), uint64_t *elapsed);

/*
 * Calibration by repeated windows.  A window can only come out too long
 * (the CPU was taken away, by SMM or by a busy host under an emulator,
 * between the event that ends it and the read that records it), so the
 * answer is the smallest value that a second window confirms within
 * CAL_AGREE_PPM: not the median, which a busy host drags upwards, and not
 * the bare minimum, which one odd short window would own.
 */
#define CAL_MIN_WINDOWS 3
#define CAL_MAX_WINDOWS 16
#define CAL_AGREE_PPM 500

struct calibration {
	uint64_t result;
	int windows;
	bool agreed;	     /* false: no two agreed, result is the smallest */
	uint64_t spread_ppm; /* between the shortest and the longest window */
};

/* Runs window() until its values settle as above; returns the result, or 0
 * when a window failed. */
uint64_t calibrate_windows(bool (*window)(void *arg, uint64_t *value), void *arg,
			   struct calibration *cal);

#endif
