/*
 * A clock that goes back or stands still (include/amphi/clock_guard.h).
 *
 * Going back: a reading behind the latest one handed out is replaced by
 * that one, so no user of sched_clock ever sees time run backwards (the
 * clock stands still until it catches up).  The latest value is one word
 * for all CPUs, updated by compare-and-swap, so that an interrupt
 * reading the clock in the middle, or another CPU, cannot undo it.  The
 * step back is remembered (the largest since the last report) for the
 * kernel to report outside the clock read, where printing is safe.
 *
 * Standing still: a clock that reads the same at consecutive expiries of
 * the event timer has not moved although the timer's own time has.  A
 * deadline in the past must then not be armed "at once" again and again;
 * after CLOCK_STILL_EXPIRIES such expiries the distance the hardware is
 * set ahead doubles, up to a tick, and goes back to the minimum as soon
 * as the clock moves.
 */
#include <amphi/clock_guard.h>

uint64_t clock_mono_read(struct clock_mono *m, uint64_t raw)
{
	uint64_t last = __atomic_load_n(&m->last, __ATOMIC_RELAXED);

	do {
		if (raw < last) {
			uint64_t back = last - raw,
				 max = __atomic_load_n(&m->back_max, __ATOMIC_RELAXED);

			__atomic_fetch_add(&m->backs, 1, __ATOMIC_RELAXED);
			while (back > max &&
			       !__atomic_compare_exchange_n(&m->back_max, &max, back, false,
							    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
			return last;
		}
	} while (!__atomic_compare_exchange_n(&m->last, &last, raw, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return raw;
}

uint64_t clock_mono_take_back(struct clock_mono *m)
{
	uint64_t back = __atomic_exchange_n(&m->back_max, 0, __ATOMIC_RELAXED);

	return back >= CLOCK_BACK_REPORT_NS ? back : 0;
}

uint64_t clock_stall_ahead(const struct clock_stall *s)
{
	return s->ahead_ns ? s->ahead_ns : CLOCK_MIN_AHEAD_NS;
}

static enum clock_stall_event clock_stall_moved(struct clock_stall *s, uint64_t now)
{
	bool was = s->stalled;

	s->last_now = now;
	s->still = 0;
	s->ahead_ns = 0;
	s->stalled = false;
	return was ? CLOCK_STALL_MOVED : CLOCK_STALL_NONE;
}

enum clock_stall_event clock_stall_expiry(struct clock_stall *s, uint64_t now)
{
	uint64_t ahead;

	if (now > s->last_now)
		return clock_stall_moved(s, now);
	if (++s->still < CLOCK_STILL_EXPIRIES)
		return CLOCK_STALL_NONE;
	ahead = clock_stall_ahead(s) * 2;
	s->ahead_ns = ahead < CLOCK_MAX_AHEAD_NS ? ahead : CLOCK_MAX_AHEAD_NS;
	if (s->stalled)
		return CLOCK_STALL_NONE;
	s->stalled = true;
	s->stood_at = s->last_now;
	return CLOCK_STALL_STOPPED;
}
