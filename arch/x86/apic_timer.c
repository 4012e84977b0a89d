/*
 * The LAPIC timer as the kernel's one-shot clock event.  TSC-deadline mode
 * is preferred where CPUID offers it: the deadline is an absolute TSC
 * value, so no conversion drifts and no count runs out.  Otherwise the
 * timer counts down from a value computed from its rate, which is measured
 * against the TSC at boot; a deadline beyond the 32-bit count is reached in
 * several steps.
 *
 * Either way the interrupt can come early: rounding, a step of a long
 * count, or an interrupt that was already pending when the deadline moved.
 * The handler therefore compares sched_clock() with the deadline and only
 * calls timer_interrupt() once it is due, so the clock event keeps its
 * promise of "at or after".  A deadline already past is set the minimum
 * distance ahead of the timer's own now (a TSC value, or a count), never
 * at once: with a clock that stands still, "past" would never end (and a
 * count measured from that clock would stay short for ever).  Before the timer is trusted, it
 * must be seen to fire: an emulator that advertises TSC-deadline mode but never fires it gets the
 * count-down mode instead, with a warning.
 */
#include <amphi/clock_guard.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/time.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/paravirt.h>
#include <asm/tsc.h>
#include <asm/x86.h>

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define TIMER_MAX_COUNT 0xffffffffULL
#define TIMER_MAX_STEP_NS (3600 * NSEC_PER_SEC)
#define CALIBRATE_NS (10 * NSEC_PER_MSEC)
#define PROBE_DELAY_NS (1 * NSEC_PER_MSEC)
#define PROBE_TIMEOUT_NS (100 * NSEC_PER_MSEC)

enum apic_timer_mode { TIMER_TSC_DEADLINE, TIMER_ONESHOT };

static enum apic_timer_mode timer_mode;
static uint64_t timer_count_hz;
static struct clock_scale ns_to_count;
/* Each CPU's deadline asked for; zero when none is (the boot-time probe). */
static uint64_t timer_deadlines[NR_CPUS];
#define timer_deadline (timer_deadlines[smp_processor_id()])
uint64_t apic_timer_early;

/* Programs the hardware for `deadline_ns` without touching the state.  A
 * deadline further than TIMER_MAX_STEP_NS away is approached in steps, so
 * that no conversion can overflow; the handler re-arms after each. */
static void apic_timer_program(uint64_t deadline_ns)
{
	uint64_t now = sched_clock();

	if (deadline_ns > now + TIMER_MAX_STEP_NS)
		deadline_ns = now + TIMER_MAX_STEP_NS;
	if (timer_mode == TIMER_TSC_DEADLINE) {
		/* Never zero, which would disarm the timer. */
		wrmsr(MSR_TSC_DEADLINE, tsc_deadline_for(deadline_ns, clock_event_min_ahead()) | 1);
		return;
	}
	uint64_t ahead = clock_distance_ahead(deadline_ns, now, clock_event_min_ahead());
	uint64_t count = clock_scale_apply(&ns_to_count, ahead);

	/* Writing the initial count (re)starts the count-down; zero would
	 * stop it. */
	apic_write(APIC_TIMER_INITIAL, (uint32_t)MIN(count + 1, TIMER_MAX_COUNT));
}

static void apic_timer_stop(void)
{
	if (timer_mode == TIMER_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		apic_write(APIC_TIMER_INITIAL, 0);
}

/* clock_event.set_next: interrupts off. */
static void apic_timer_set_next(uint64_t deadline_ns)
{
	timer_deadline = deadline_ns ? deadline_ns : 1;
	apic_timer_program(timer_deadline);
}

static void apic_timer_irq(struct trap_frame *f, void *arg)
{
	apic_eoi();
	if (!timer_deadline) {
		apic_timer_early++;
		return;
	}
	uint64_t now = sched_clock();

	if (now < timer_deadline) {
		apic_timer_early++;
		clock_event_expired(now);
		apic_timer_program(timer_deadline);
		return;
	}
	timer_deadline = 0;
	timer_interrupt();
}

static struct clock_event apic_clock_event = {
    .name = "lapic",
    .set_next = apic_timer_set_next,
};

static void apic_timer_set_mode(enum apic_timer_mode mode)
{
	timer_mode = mode;
	if (mode == TIMER_TSC_DEADLINE) {
		apic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | VECTOR_LAPIC_TIMER);
		/* The LVT write must land before the first deadline write. */
		__asm__ __volatile__("mfence" ::: "memory");
		apic_clock_event.name = "lapic-tsc-deadline";
	} else {
		apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
		apic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_ONESHOT | VECTOR_LAPIC_TIMER);
		apic_clock_event.name = "lapic-oneshot";
	}
}

/* One window of the count-down rate, in counts per second: a masked
 * count-down timed by sched_clock, the count read just outside the clock
 * at both ends so that a delay can only make the rate come out higher. */
static bool apic_timer_window(void *arg, uint64_t *hz)
{
	apic_write(APIC_TIMER_INITIAL, (uint32_t)TIMER_MAX_COUNT);
	uint32_t c0 = apic_read(APIC_TIMER_CURRENT);
	uint64_t t0 = sched_clock(), t1;

	while ((t1 = sched_clock()) - t0 < CALIBRATE_NS)
		cpu_relax();
	uint32_t c1 = apic_read(APIC_TIMER_CURRENT);

	apic_write(APIC_TIMER_INITIAL, 0);
	if (c1 >= c0)
		return false;
	*hz = (uint64_t)(c0 - c1) * NSEC_PER_SEC / (t1 - t0);
	return true;
}

static bool apic_timer_calibrate(void)
{
	struct calibration cal;

	apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_LAPIC_TIMER);
	if (!calibrate_windows(apic_timer_window, NULL, &cal))
		return false;
	if (!cal.agreed)
		pr_warn("apic: no two timer calibration windows agreed within %u ppm\n",
			CAL_AGREE_PPM);
	timer_count_hz = cal.result;
	return clock_scale_init(&ns_to_count, NSEC_PER_SEC, timer_count_hz);
}

/* Arms the timer PROBE_DELAY_NS ahead with interrupts off and watches the
 * IRR.  The interrupt stays pending; when interrupts come on, the handler
 * sees no deadline and only counts it. */
static bool apic_timer_probe(void)
{
	uint64_t start = sched_clock();

	timer_deadline = 0;
	apic_timer_program(start + PROBE_DELAY_NS);
	while (sched_clock() - start < PROBE_TIMEOUT_NS)
		if (apic_irr_pending(VECTOR_LAPIC_TIMER))
			return true;
	apic_timer_stop();
	return false;
}

static void apic_timer_choose_mode(void)
{
	if (pv_cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE) {
		apic_timer_set_mode(TIMER_TSC_DEADLINE);
		if (apic_timer_probe())
			return;
		pr_warn("apic: CPUID offers TSC-deadline mode but the timer did not fire "
			"within %lu ms; using one-shot count mode\n",
			PROBE_TIMEOUT_NS / NSEC_PER_MSEC);
	}
	if (!apic_timer_calibrate())
		panic("apic: the LAPIC timer does not count down; there is no event timer");
	apic_timer_set_mode(TIMER_ONESHOT);
	if (!apic_timer_probe())
		pr_err("apic: the LAPIC timer did not fire within %lu ms; timers will not work\n",
		       PROBE_TIMEOUT_NS / NSEC_PER_MSEC);
}

/* Another CPU's timer, in the mode and at the rate the boot CPU found
 * (the count-down rate is the bus clock's, the same on every CPU), then
 * its tick started. */
void apic_timer_init_cpu(void)
{
	timer_deadline = 0;
	apic_timer_set_mode(timer_mode);
	clock_event_start_cpu();
}

const char *apic_timer_mode_name(void)
{
	return timer_mode == TIMER_TSC_DEADLINE ? "TSC-deadline" : "one-shot";
}

void apic_timer_init(void)
{
	if (irq_vector_register(VECTOR_LAPIC_TIMER, apic_timer_irq, NULL))
		panic("apic: the timer vector %#x is taken", VECTOR_LAPIC_TIMER);
	apic_timer_choose_mode();
	if (timer_mode == TIMER_TSC_DEADLINE)
		pr_info("apic: timer in TSC-deadline mode (deadlines in TSC cycles)\n");
	else
		pr_info("apic: timer in one-shot mode, %lu.%03lu MHz (bus / 16), "
			"calibrated against the TSC\n",
			timer_count_hz / 1000000, timer_count_hz / 1000 % 1000);
	clock_event_register(&apic_clock_event);
}
