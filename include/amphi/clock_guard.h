/*
 * What the kernel decides about a clock that goes back or stands still
 * (lib/clock_guard.c): pure code, so that the host tests drive it with
 * made-up readings.  kernel/clocksource.c keeps one clock_mono for the
 * whole machine; kernel/timer.c keeps a clock_stall per CPU and asks it,
 * at each expiry of the event timer, whether the clock moved.
 */
#ifndef AMPHI_CLOCK_GUARD_H
#define AMPHI_CLOCK_GUARD_H
#include <amphi/types.h>

/* How far ahead of the hardware's own "now" an event goes at least when
 * its deadline is already past, and how far after a clock that stood
 * still CLOCK_STILL_EXPIRIES times in a row (doubling up to the tick). */
#define CLOCK_MIN_AHEAD_NS 100000ULL
#define CLOCK_MAX_AHEAD_NS 10000000ULL
#define CLOCK_STILL_EXPIRIES 8
/* A step back smaller than this is two CPUs' clocks disagreeing by a
 * hair: clamped, but not worth a report. */
#define CLOCK_BACK_REPORT_NS 10000ULL

/* A clock handed out never below what it handed out before, to any CPU. */
struct clock_mono {
	uint64_t last;	   /* the latest value handed out */
	uint64_t back_max; /* the largest step back not yet taken */
	uint64_t backs;	   /* readings found behind `last` */
};

/* The reading to hand out for `raw`: raw, or `last` while raw is behind. */
uint64_t clock_mono_read(struct clock_mono *m, uint64_t raw);
/* The largest step back since the last call, if it is worth a report;
 * otherwise 0. */
uint64_t clock_mono_take_back(struct clock_mono *m);

struct clock_stall {
	uint64_t last_now;  /* the clock at the previous expiry */
	uint64_t stood_at;  /* where it stands, once it is said to */
	uint64_t ahead_ns;  /* 0: CLOCK_MIN_AHEAD_NS */
	unsigned int still; /* expiries in a row that saw no progress */
	bool stalled;
};

enum clock_stall_event { CLOCK_STALL_NONE, CLOCK_STALL_STOPPED, CLOCK_STALL_MOVED };

/* One expiry of the event timer with the clock at `now`. */
enum clock_stall_event clock_stall_expiry(struct clock_stall *s, uint64_t now);
/* How far ahead of its now the hardware is to be set at least. */
uint64_t clock_stall_ahead(const struct clock_stall *s);

/* A deadline not after `now` (any unit) moved to now + ahead. */
static inline uint64_t clock_deadline_forward(uint64_t deadline, uint64_t now, uint64_t ahead)
{
	return deadline > now ? deadline : now + ahead;
}

/* For a timer that counts a distance from the clock's now (the LAPIC's
 * count-down): how far.  While the clock stands still (the watch asks
 * for more than the minimum), a deadline a little ahead of it stays a
 * little ahead for ever, so the distance is then at least min_ahead. */
static inline uint64_t clock_distance_ahead(uint64_t deadline, uint64_t now, uint64_t min_ahead)
{
	uint64_t ahead = deadline > now ? deadline - now : min_ahead;

	return min_ahead > CLOCK_MIN_AHEAD_NS && ahead < min_ahead ? min_ahead : ahead;
}

#endif
