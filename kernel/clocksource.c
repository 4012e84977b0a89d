/*
 * The clock source's common layer: every platform's sched_clock (the TSC
 * natively, pvclock on Xen) reads its hardware and passes the raw reading
 * here before handing it out, so that what is done about a clock gone
 * wrong is done once, for all of them.
 *
 * The test hooks live here too, since this is the one place every reading
 * passes: kernel/clock_selftest.c freezes the reading or sets it back
 * while the hardware, and with it the event timer, runs on.  A freeze
 * thaws by itself after the time it was given, measured on the raw clock,
 * so that a kernel that livelocks in timer interrupts while its clock
 * stands still gets its clock back and the selftest can say so.
 */
#include <amphi/time.h>

struct clock_test {
	bool on, frozen;
	uint64_t raw;	       /* the latest raw reading, while on */
	uint64_t freeze_start; /* raw, when the freeze began */
	uint64_t freeze_ns;
	uint64_t frozen_at; /* what the frozen clock reads */
	uint64_t back_ns;   /* how far behind the raw clock it runs */
};

static struct clock_test clock_test;

static uint64_t clock_test_apply(uint64_t raw)
{
	WRITE_ONCE(clock_test.raw, raw);
	if (READ_ONCE(clock_test.frozen)) {
		if (raw - READ_ONCE(clock_test.freeze_start) < READ_ONCE(clock_test.freeze_ns))
			return READ_ONCE(clock_test.frozen_at);
		WRITE_ONCE(clock_test.frozen, false);
	}
	return raw - READ_ONCE(clock_test.back_ns);
}

uint64_t clocksource_filter(uint64_t raw)
{
	if (__builtin_expect(READ_ONCE(clock_test.on), 0))
		raw = clock_test_apply(raw);
	return raw;
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
	WRITE_ONCE(clock_test.frozen_at, raw - clock_test.back_ns);
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
