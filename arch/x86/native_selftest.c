/*
 * Selftests of the native interrupt and time code: the IDT vectors and
 * their dispatcher, the fixed-point clock scaling, the TSC clock against
 * the RTC, and the LAPIC timer as the clock event.  The clock and timer
 * tests need the PC's own devices, so they skip on the Xen platforms,
 * where Xen's code provides time; the dispatcher tests run wherever the
 * IDT vectors are installed.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/paravirt.h>
#include <asm/rtc.h>
#include <asm/trap.h>
#include <asm/tsc.h>

/* Vectors no kernel code claims, for software interrupts. */
#define VECTOR_TEST 0x41
#define VECTOR_TEST_UNHANDLED 0x42

#define TIMER_ARMS 5
#define TIMER_AHEAD_NS (2 * NSEC_PER_MSEC)
/* No interrupt at all within this is a lost one. */
#define TIMER_TIMEOUT_NS (500 * NSEC_PER_MSEC)
/* How late a LAPIC timer interrupt may come.  Measured over 14 native
 * boots under QEMU here: deadlines 2 ms ahead at most 1.56 ms late, a
 * moved one 1.39 ms, a past one run after 0.67 ms.  200 ms, as for the
 * scheduler's sleeps (kernel/sched_selftest.c), leaves room for the
 * host's own stalls (133 ms seen under load); only the timeout bounded
 * it before. */
#define TIMER_LATE_MAX_NS (200 * NSEC_PER_MSEC)

static bool native_platform(void)
{
	return !strcmp(platform->name, "native") || !strcmp(platform->name, "kvm");
}

struct irq_probe {
	unsigned int calls, depth;
	uint64_t vector;
	bool irqs_were_off;
};

static void selftest_irq_handler(struct trap_frame *f, void *arg)
{
	struct irq_probe *p = arg;

	p->calls++;
	p->vector = f->vector;
	p->depth = irq_depth;
	p->irqs_were_off = irqs_disabled();
}

/* A software interrupt on a registered vector reaches its handler with the
 * frame, the argument, the depth and the interrupt flag right. */
SELFTEST(irq_vector)
{
	struct irq_probe p = {0};

	if (!irq_idt_ready())
		return selftest_skip(ctx, "no IDT interrupt vectors on %s", platform->name);
	unsigned long reports = printk_error_reports(true);
	printk_expect_errors(true);
	bool bad_taken = !irq_vector_register(31, selftest_irq_handler, &p) ||
			 !irq_vector_register(256, selftest_irq_handler, &p);
	bool taken = irq_vector_register(VECTOR_TEST, selftest_irq_handler, &p);
	bool twice = !taken && !irq_vector_register(VECTOR_TEST, selftest_irq_handler, &p);
	printk_expect_errors(false);
	reports = printk_error_reports(true) - reports;
	if (bad_taken)
		return selftest_fail(ctx, "vector 31 or 256 accepted");
	if (taken)
		return selftest_error(ctx, "vector %#x is taken", VECTOR_TEST);
	uint64_t before = irq_count(VECTOR_TEST);

	__asm__ __volatile__("int %0" : : "i"(VECTOR_TEST) : "memory");
	irq_vector_unregister(VECTOR_TEST);
	if (twice)
		return selftest_fail(ctx, "a taken vector was registered again");
	if (reports != 3)
		return selftest_fail(ctx, "3 refused registrations, %lu error reports", reports);
	if (p.calls != 1 || p.vector != VECTOR_TEST)
		return selftest_fail(ctx, "handler ran %u times, frame vector %lu", p.calls,
				     p.vector);
	if (p.depth != 1 || irq_depth != 0)
		return selftest_fail(ctx, "irq_depth %u inside, %u after", p.depth, irq_depth);
	if (!p.irqs_were_off)
		return selftest_fail(ctx, "the handler ran with interrupts on");
	if (irq_count(VECTOR_TEST) != before + 1)
		return selftest_fail(ctx, "count went from %lu to %lu", before,
				     irq_count(VECTOR_TEST));
	return selftest_pass(ctx, "int $%#x dispatched with depth 1, interrupts off", VECTOR_TEST);
}

/* A vector nobody registered is counted and survived, twice (the second
 * time silently), instead of hanging or faulting. */
SELFTEST(irq_unhandled)
{
	if (!irq_idt_ready())
		return selftest_skip(ctx, "no IDT interrupt vectors on %s", platform->name);
	uint64_t before = irq_count(VECTOR_TEST_UNHANDLED);
	unsigned long reports = printk_error_reports(true);

	printk_expect_errors(true);
	__asm__ __volatile__("int %0" : : "i"(VECTOR_TEST_UNHANDLED) : "memory");
	__asm__ __volatile__("int %0" : : "i"(VECTOR_TEST_UNHANDLED) : "memory");
	printk_expect_errors(false);
	reports = printk_error_reports(true) - reports;
	if (reports != 1)
		return selftest_fail(ctx, "two unhandled interrupts, %lu error reports (1 wanted)",
				     reports);
	if (irq_count(VECTOR_TEST_UNHANDLED) != before + 2)
		return selftest_fail(ctx, "count went from %lu to %lu", before,
				     irq_count(VECTOR_TEST_UNHANDLED));
	if (irq_depth != 0)
		return selftest_fail(ctx, "irq_depth %u after return", irq_depth);
	return selftest_pass(ctx, "two interrupts on vector %#x without a handler survived",
			     VECTOR_TEST_UNHANDLED);
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* The scaling must match exact arithmetic where 64-bit products would
 * overflow: a day of cycles at several rates, both ways, and one second
 * to within rounding. */
SELFTEST(clock_scale)
{
	static const uint64_t rates[] = {1000000,	1193182,       62500000,     999999999,
					 2893456789ULL, 3000000000ULL, 9999999999ULL};
	struct clock_scale to_ns, from_ns;

	for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
		uint64_t hz = rates[i], day = 86400 * hz;

		if (!clock_scale_init(&to_ns, hz, NSEC_PER_SEC) ||
		    !clock_scale_init(&from_ns, NSEC_PER_SEC, hz))
			return selftest_fail(ctx, "no scale for %lu Hz", hz);
		/* 1 ppm: far finer than any clock is known to. */
		uint64_t ns = clock_scale_apply(&to_ns, day);
		if (absdiff(ns, 86400 * NSEC_PER_SEC) > 86400 * 1000)
			return selftest_fail(ctx, "a day at %lu Hz is %lu ns", hz, ns);
		uint64_t back = clock_scale_apply(&from_ns, 86400 * NSEC_PER_SEC);
		if (absdiff(back, day) > day / 1000000)
			return selftest_fail(ctx, "a day in ns at %lu Hz is %lu cycles", hz, back);
		/* A second is a small value: only the rounding of mult shows. */
		if (absdiff(clock_scale_apply(&to_ns, hz), NSEC_PER_SEC) > 2)
			return selftest_fail(ctx, "one second at %lu Hz is %lu ns", hz,
					     clock_scale_apply(&to_ns, hz));
	}
	return selftest_pass(ctx, "%zu rates, a day each way within 1 ppm", ARRAY_SIZE(rates));
}

/* How far from `ahead_ns` past "now", `day` days into uptime, the TSC
 * deadline for it lands, in nanoseconds (negative: early). */
static int64_t deadline_offset(const struct tsc_clock *c, uint64_t hz, uint64_t day,
			       uint64_t ahead_ns)
{
	uint64_t now = c->base + day * 86400 * hz;
	uint64_t want = tsc_clock_ns(c, now) + ahead_ns;

	return (int64_t)(tsc_clock_ns(c, tsc_clock_deadline(c, now, want)) - want);
}

/* A TSC deadline must never come before the sched_clock() time it stands
 * for, even after years of uptime, nor more than a cycle and a ppm after. */
SELFTEST(tsc_deadline_math)
{
	static const uint64_t rates[] = {1000000, 2299998000ULL, 2893456789ULL, 9999999999ULL};
	static const uint64_t days[] = {0, 1, 100, 3650};
	static const uint64_t ahead[] = {0, 1, 1000, 10 * NSEC_PER_MSEC, 3600 * NSEC_PER_SEC};
	struct tsc_clock c;

	for (size_t r = 0; r < ARRAY_SIZE(rates); r++) {
		if (!tsc_clock_init(&c, 12345, rates[r]))
			return selftest_fail(ctx, "no scale for %lu Hz", rates[r]);
		int64_t slack = 2 * (int64_t)clock_scale_apply(&c.to_ns, 1) + 2;

		for (size_t i = 0; i < ARRAY_SIZE(days) * ARRAY_SIZE(ahead); i++) {
			uint64_t day = days[i / ARRAY_SIZE(ahead)];
			uint64_t ns = ahead[i % ARRAY_SIZE(ahead)];
			int64_t off = deadline_offset(&c, rates[r], day, ns);

			if (off < 0 || off > slack + (int64_t)(ns / 1000000))
				return selftest_fail(ctx, "%lu Hz, day %lu, %lu ns: %ld ns off",
						     rates[r], day, ns, off);
		}
	}
	return selftest_pass(ctx, "%zu cases, never early, at most a cycle and 1 ppm late",
			     ARRAY_SIZE(rates) * ARRAY_SIZE(days) * ARRAY_SIZE(ahead));
}

static uint64_t selftest_sched_clock(void)
{
	return sched_clock();
}

/* sched_clock against the CMOS RTC, which keeps its own time.  The TSC
 * was calibrated from the PIT, and against the PIT again (as this test
 * once compared it) a PIT rate wrong by 5% came out "within 2 ppm".
 * 2000 ppm: over 20 boots under QEMU here (native, nopvpatch, GRUB) the
 * TSC's sched_clock and the RTC, which follows the host's wall clock,
 * agreed within -243..+22 ppm; the calibration accepts windows that
 * agree within 500 ppm; four times that still tells any error of the
 * rate or its scaling above 0.2%, and 10% fails by fifty times. */
#define TSC_RTC_TOLERANCE_PPM 2000

SELFTEST(tsc_clock)
{
	struct rtc_span span;

	if (!native_platform())
		return selftest_skip(ctx, "%s: Xen provides the clock", platform->name);
	if (!tsc_hz)
		return selftest_fail(ctx, "the TSC was never calibrated");
	uint64_t prev = sched_clock(), first = prev;

	for (int i = 0; i < 100000; i++) {
		uint64_t now = sched_clock();
		if (now < prev)
			return selftest_fail(ctx, "sched_clock went back from %lu to %lu", prev,
					     now);
		prev = now;
	}
	if (prev == first)
		return selftest_fail(ctx, "sched_clock stands still at %lu ns", prev);
	enum rtc_status st = rtc_compare(selftest_sched_clock, TSC_RTC_TOLERANCE_PPM, &span);
	return rtc_selftest_verdict(ctx, "the TSC's sched_clock", st, &span, TSC_RTC_TOLERANCE_PPM);
}

/* Arms the clock event TIMER_AHEAD_NS from now, or a millisecond ago
 * (interrupts off, as its contract says), and waits for timer_interrupt()
 * to run; returns how late it ran, or -1 on timeout and -2 when it ran
 * before the deadline. */
static int64_t timer_wait_one(bool past)
{
	unsigned long flags = local_irq_save();
	uint64_t seen = READ_ONCE(timer_interrupts), now = sched_clock();
	uint64_t deadline = now + TIMER_AHEAD_NS;

	if (past)
		deadline = now > NSEC_PER_MSEC ? now - NSEC_PER_MSEC : 1;

	clock_event->set_next(deadline);
	local_irq_restore(flags);
	while (READ_ONCE(timer_interrupts) == seen) {
		if (sched_clock() - now > TIMER_TIMEOUT_NS)
			return -1;
		cpu_relax();
	}
	now = sched_clock();
	return now < deadline ? -2 : (int64_t)(now - deadline);
}

SELFTEST(lapic_timer)
{
	const char *mode = apic_timer_mode_name();
	int64_t min = INT64_MAX, max = 0, past = 0;

	if (!native_platform())
		return selftest_skip(ctx, "%s: Xen provides the event timer", platform->name);
	if (apic_mode == APIC_MODE_NONE || !clock_event)
		return selftest_fail(ctx, "no LAPIC (%d) or no clock event", apic_mode);
	if (irqs_disabled())
		return selftest_error(ctx, "selftests run with interrupts off");
	uint64_t irqs = irq_count(VECTOR_LAPIC_TIMER);

	/* The first deadline is in the past: it must fire at once. */
	for (int i = 0; i < TIMER_ARMS; i++) {
		int64_t late = timer_wait_one(i == 0);

		if (late == -1)
			return selftest_fail(ctx, "deadline %d: no interrupt within %lu ms (%s)", i,
					     TIMER_TIMEOUT_NS / NSEC_PER_MSEC, mode);
		if (late == -2)
			return selftest_fail(ctx, "deadline %d: timer_interrupt() ran early", i);
		if (i == 0) {
			past = late - (int64_t)NSEC_PER_MSEC;
			late = past;
		}
		if (late > (int64_t)TIMER_LATE_MAX_NS)
			return selftest_fail(ctx,
					     "deadline %d: timer_interrupt() ran %ld us late (%s)",
					     i, late / 1000, mode);
		if (i == 0)
			continue;
		min = MIN(min, late);
		max = MAX(max, late);
	}
	if (irq_count(VECTOR_LAPIC_TIMER) < irqs + TIMER_ARMS)
		return selftest_fail(ctx, "only %lu LAPIC timer interrupts for %d deadlines",
				     irq_count(VECTOR_LAPIC_TIMER) - irqs, TIMER_ARMS);
	return selftest_pass(ctx,
			     "%s mode: a past deadline ran after %ld us, %d deadlines %lu ms ahead "
			     "%ld..%ld us late",
			     mode, past / 1000, TIMER_ARMS - 1, TIMER_AHEAD_NS / NSEC_PER_MSEC,
			     min / 1000, max / 1000);
}

/* Waits, interrupts off, until the armed timer has fired into the IRR. */
static bool timer_wait_pending(void)
{
	uint64_t start = sched_clock();

	while (!apic_irr_pending(VECTOR_LAPIC_TIMER)) {
		if (sched_clock() - start > TIMER_TIMEOUT_NS)
			return false;
		cpu_relax();
	}
	return true;
}

/* An interrupt already pending when the deadline moves later must not run
 * timer_interrupt(): the clock event promises "at or after". */
SELFTEST(lapic_timer_early)
{
	if (!native_platform())
		return selftest_skip(ctx, "%s: Xen provides the event timer", platform->name);
	if (apic_mode == APIC_MODE_NONE || !clock_event)
		return selftest_fail(ctx, "no LAPIC (%d) or no clock event", apic_mode);
	unsigned long flags = local_irq_save();

	clock_event->set_next(sched_clock() + NSEC_PER_MSEC);
	if (!timer_wait_pending()) {
		local_irq_restore(flags);
		return selftest_fail(ctx, "the timer did not fire with interrupts off");
	}
	uint64_t seen = timer_interrupts, early = apic_timer_early;
	uint64_t deadline = sched_clock() + 5 * NSEC_PER_MSEC;

	clock_event->set_next(deadline);
	local_irq_restore(flags); /* the pending interrupt arrives here */
	uint64_t now = sched_clock();

	if (READ_ONCE(timer_interrupts) != seen && now < deadline)
		return selftest_fail(ctx, "timer_interrupt() ran %lu us before the deadline",
				     (deadline - now) / 1000);
	if (READ_ONCE(apic_timer_early) == early)
		return selftest_fail(ctx, "the pending interrupt did not arrive");
	while (READ_ONCE(timer_interrupts) == seen) {
		if (sched_clock() - now > TIMER_TIMEOUT_NS)
			return selftest_fail(ctx, "no interrupt for the moved deadline");
		cpu_relax();
	}
	uint64_t late = sched_clock() - deadline;
	if (late > TIMER_LATE_MAX_NS)
		return selftest_fail(ctx, "the moved deadline ran %lu us late", late / 1000);
	return selftest_pass(ctx, "early interrupt re-armed; the moved deadline ran %lu us late",
			     late / 1000);
}
