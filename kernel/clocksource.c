/*
 * The clock source's common layer: every platform's sched_clock (the TSC
 * natively, pvclock on Xen) reads its hardware and passes the raw reading
 * here before handing it out, so that what is done about a clock gone
 * wrong is done once, for all of them: a reading behind one already
 * handed out (on any CPU) is held at that one (lib/clock_guard.c), and
 * the step back is reported later, at an expiry of the event timer,
 * since printing here could read the clock inside the clock.
 *
 * The test hooks live here too, since this is the one place every reading
 * passes: kernel/clock_selftest.c freezes the reading or sets it back
 * while the hardware, and with it the event timer, runs on.  A freeze
 * thaws by itself after the time it was given, measured on the raw clock,
 * so that a kernel that livelocks in timer interrupts while its clock
 * stands still gets its clock back and the selftest can say so.
 */
#include <amphi/clock_guard.h>
#include <amphi/time.h>

struct clock_test {
	bool on, frozen;
	uint64_t raw;	       /* the latest raw reading, while on */
	uint64_t freeze_start; /* raw, when the freeze began */
	uint64_t freeze_ns;
	uint64_t frozen_at; /* what the frozen clock reads; 0: not read yet */
	uint64_t back_ns;   /* how far behind the raw clock it runs */
};

static struct clock_test clock_test;
static struct clock_mono clock_mono;

static uint64_t clock_test_apply(uint64_t raw)
{
	WRITE_ONCE(clock_test.raw, raw);
	if (READ_ONCE(clock_test.frozen)) {
		uint64_t at = 0;

		if (raw - READ_ONCE(clock_test.freeze_start) >= READ_ONCE(clock_test.freeze_ns)) {
			WRITE_ONCE(clock_test.frozen, false);
			return raw - READ_ONCE(clock_test.back_ns);
		}
		/* The first frozen reading sets where it stands, so that it
		 * is not behind one handed out since the freeze began. */
		__atomic_compare_exchange_n(&clock_test.frozen_at, &at, raw - clock_test.back_ns,
					    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		return READ_ONCE(clock_test.frozen_at);
	}
	return raw - READ_ONCE(clock_test.back_ns);
}

uint64_t clocksource_filter(uint64_t raw)
{
	if (__builtin_expect(READ_ONCE(clock_test.on), 0))
		raw = clock_test_apply(raw);
	return clock_mono_read(&clock_mono, raw);
}

uint64_t clocksource_take_back(void)
{
	return clock_mono_take_back(&clock_mono);
}

uint64_t clock_test_raw(void)
{
	WRITE_ONCE(clock_test.on, true);
	(void)sched_clock();
	return READ_ONCE(clock_test.raw);
}

void clock_test_freeze(uint64_t ns)
{
	uint64_t raw = clock_test_raw();

	WRITE_ONCE(clock_test.freeze_start, raw);
	WRITE_ONCE(clock_test.freeze_ns, ns);
	WRITE_ONCE(clock_test.frozen_at, 0);
	__atomic_store_n(&clock_test.frozen, true, __ATOMIC_RELEASE);
}

bool clock_test_frozen(void)
{
	(void)sched_clock(); /* a freeze ends at a reading */
	return READ_ONCE(clock_test.frozen);
}

void clock_test_rewind(uint64_t ns)
{
	WRITE_ONCE(clock_test.back_ns, ns);
	__atomic_store_n(&clock_test.on, true, __ATOMIC_RELEASE);
}

void clock_test_end(void)
{
	WRITE_ONCE(clock_test.frozen, false);
	WRITE_ONCE(clock_test.back_ns, 0);
	__atomic_store_n(&clock_test.on, false, __ATOMIC_RELEASE);
}
