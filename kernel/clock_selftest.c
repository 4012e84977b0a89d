/*
 * A clock that stands still or goes back, made so through the clock
 * source's test hooks (kernel/clocksource.c) while the hardware and the
 * event timer run on: what a stale pvclock record, a TSC that stops, or a
 * clock that another CPU reads ahead looks like to the kernel.
 *
 * clock_still freezes the reading for FREEZE_NS of raw time.  The event
 * timer must not fire again and again at a deadline the frozen clock never
 * reaches: the expiries on all CPUs are counted against a bound a few
 * times the tick rate (a livelock takes thousands).  A thread beside the
 * test must still run, and the kernel must say once that the clock stood
 * still and once that it moved again.  The freeze thaws by itself, so
 * even a kernel that livelocks gets its clock back and fails here rather
 * than hanging.
 *
 * clock_back sets the reading back by REWIND_NS: sched_clock must never
 * be seen to go back, and the kernel must say once by how much it did:
 * at least the step its first reading after took (less than REWIND_NS if
 * the vCPU lost time in between), at most twice REWIND_NS (another CPU's
 * clock may run ahead of this one's; Xen's vCPU clocks disagree by ms
 * under nested emulation).
 * Neither test can wait on the clock while it is wrong: they yield, or
 * spin on the raw reading the hook sees.
 */
#include <amphi/cpu.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#define FREEZE_NS (300 * NSEC_PER_MSEC)
#define REWIND_NS (5 * NSEC_PER_MSEC)
/* Expiries a CPU may take while frozen: four times its tick rate, and a
 * few for the first ones, taken at the minimum distance. */
#define FROZEN_EXPIRIES_MAX (4 * (FREEZE_NS / TICK_NSEC) + 32)
#define REPORT_WAIT_NS (300 * NSEC_PER_MSEC)

struct clock_helper {
	unsigned long runs;
	bool stop, done;
};

static void clock_helper_fn(void *arg)
{
	struct clock_helper *h = arg;

	while (!READ_ONCE(h->stop)) {
		WRITE_ONCE(h->runs, h->runs + 1);
		yield();
	}
	WRITE_ONCE(h->done, true);
}

static uint64_t all_expiries(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < NR_CPUS; i++)
		n += READ_ONCE(cpus[i].nr_clock_expiries);
	return n;
}

/* Sleeps (the clock runs again) until *said is set, within a bound. */
static bool wait_said(const unsigned long *said)
{
	for (uint64_t t0 = sched_clock(); !READ_ONCE(*said);) {
		if (sched_clock() - t0 > REPORT_WAIT_NS)
			return false;
		sleep_ns(TICK_NSEC);
	}
	return true;
}

struct freeze_seen {
	uint64_t expiries, runs, raw_ns, frozen_at;
};

/* Freezes the clock and yields (to the helper, among others) until it
 * thaws or the expiries pass the bound. */
static struct freeze_seen freeze_and_watch(struct clock_helper *h, uint64_t bound)
{
	struct freeze_seen s;
	uint64_t e0 = all_expiries(), runs0 = READ_ONCE(h->runs), raw0 = clock_test_raw();

	clock_test_freeze(FREEZE_NS);
	s.frozen_at = sched_clock();
	while (clock_test_frozen() && all_expiries() - e0 <= bound)
		yield();
	s.expiries = all_expiries() - e0;
	s.runs = READ_ONCE(h->runs) - runs0;
	s.raw_ns = clock_test_raw() - raw0;
	clock_test_end();
	return s;
}

static enum selftest_result clock_still_judge(struct selftest_ctx *ctx, const struct freeze_seen *s,
					      uint64_t bound, bool moved)
{
	const struct clock_reports *r = &clock_reports;

	if (s->expiries > bound)
		return selftest_fail(ctx,
				     "%lu timer expiries in %lu ms of a stopped clock (bound %lu "
				     "on %u CPUs): the timer livelocks",
				     s->expiries, s->raw_ns / NSEC_PER_MSEC, bound,
				     nr_cpus_online());
	if (!s->runs)
		return selftest_fail(ctx, "no other thread ran while the clock stood still");
	if (r->still_said != 1 || !moved || r->moved_said != 1)
		return selftest_fail(ctx,
				     "the kernel said %lu times that the clock stood still and %lu "
				     "times that it moved again (once each expected)",
				     r->still_said, r->moved_said);
	if (r->still_at != s->frozen_at || r->moved_by < FREEZE_NS / 2)
		return selftest_fail(ctx,
				     "reported: stood still at %lu ns, moved again by %lu ns; "
				     "frozen at %lu ns for %lu ms",
				     r->still_at, r->moved_by, s->frozen_at,
				     FREEZE_NS / NSEC_PER_MSEC);
	return selftest_pass(ctx,
			     "%lu expiries on %u CPUs in %lu ms of a stopped clock (bound %lu), "
			     "a thread ran %lu times; said once: stood still at %lu ns (seen by "
			     "%lu expiries), moved again by %lu ms",
			     s->expiries, nr_cpus_online(), s->raw_ns / NSEC_PER_MSEC, bound,
			     s->runs, r->still_at, r->still_events, r->moved_by / NSEC_PER_MSEC);
}

SELFTEST(clock_still)
{
	struct clock_helper h = {0};
	uint64_t bound = FROZEN_EXPIRIES_MAX * nr_cpus_online();
	struct freeze_seen s;
	bool moved;

	if (!clock_event)
		return selftest_fail(ctx, "no event timer registered");
	if (!thread_create("clock-helper", clock_helper_fn, &h))
		return selftest_error(ctx, "no memory for a thread");
	clock_reports_rearm();
	s = freeze_and_watch(&h, bound);
	moved = wait_said(&clock_reports.moved_said);
	WRITE_ONCE(h.stop, true);
	while (!READ_ONCE(h.done))
		yield();
	return clock_still_judge(ctx, &s, bound, moved);
}

/* Reads the clock for twice the rewind, raw time: the largest step back
 * seen.  *least: the step back the first reading after the rewind took
 * at least (less than REWIND_NS when the vCPU lost time between). */
static uint64_t rewind_and_watch(uint64_t *least)
{
	uint64_t raw0 = clock_test_raw(), prev = sched_clock(), worst = 0, raw1;

	clock_test_rewind(REWIND_NS);
	raw1 = clock_test_raw() - REWIND_NS;
	*least = prev > raw1 ? prev - raw1 : 0;
	while (clock_test_raw() - raw0 < 2 * REWIND_NS) {
		uint64_t now = sched_clock();

		if (now < prev && prev - now > worst)
			worst = prev - now;
		prev = now;
	}
	clock_test_end();
	return worst;
}

SELFTEST(clock_back)
{
	const struct clock_reports *r = &clock_reports;
	uint64_t worst, least;
	bool said;

	clock_reports_rearm();
	worst = rewind_and_watch(&least);
	said = wait_said(&clock_reports.back_said);
	if (worst)
		return selftest_fail(ctx,
				     "sched_clock went back by %lu ns when the clock was set back "
				     "by %lu ns",
				     worst, REWIND_NS);
	if (!said || r->back_said != 1)
		return selftest_fail(ctx,
				     "the kernel said %lu times that the clock went back (once "
				     "expected)",
				     r->back_said);
	if (r->back_by < least || r->back_by > 2 * REWIND_NS)
		return selftest_fail(ctx,
				     "the kernel said the clock went back by %lu ns; it was set "
				     "back by %lu ns and went back by at least %lu ns",
				     r->back_by, REWIND_NS, least);
	return selftest_pass(ctx,
			     "set back by %lu ns (its first reading at least %lu ns): "
			     "sched_clock never went back, the kernel said once it went back by "
			     "%lu ns",
			     REWIND_NS, least, r->back_by);
}
