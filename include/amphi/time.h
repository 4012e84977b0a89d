/*
 * Time.  The clock is sched_clock() (a paravirt time op: TSC natively,
 * pvclock on Xen), nanoseconds since boot.  A platform provides one
 * one-shot event timer (LAPIC or TSC deadline natively, VIRQ_TIMER with
 * VCPUOP_set_singleshot_timer on Xen) and calls timer_interrupt() when it
 * fires; kernel/timer.c keeps the software timers and the scheduler tick on
 * top of it.
 */
#ifndef AMPHI_TIME_H
#define AMPHI_TIME_H
#include <amphi/types.h>
#include <amphi/cpu.h>
#include <asm/paravirt.h>

/* unsigned long, the type of uint64_t here, so that time arithmetic stays
 * uint64_t and prints with %lu. */
#define NSEC_PER_USEC 1000UL
#define NSEC_PER_MSEC 1000000UL
#define NSEC_PER_SEC 1000000000UL

/* The scheduler tick: how often a busy thread is preempted at most. */
#define TICK_NSEC (10 * NSEC_PER_MSEC)

static inline uint64_t time_now_ns(void)
{
	return sched_clock();
}

struct clock_event {
	const char *name;
	/* Interrupt at (or soon after) the absolute sched_clock() time
	 * `deadline_ns`.  A deadline the hardware finds past fires
	 * clock_event_min_ahead() after its own now, never "at once": a
	 * clock that stands still would make that again and again.  Called
	 * with interrupts off. */
	void (*set_next)(uint64_t deadline_ns);
};

/* The platform's event timer (kernel/timer.c). */
void clock_event_register(struct clock_event *ce);
/* Starts the calling CPU's tick on the registered event timer: for each
 * CPU after the first, once its own timer is set up. */
void clock_event_start_cpu(void);
extern struct clock_event *clock_event;
/* The platform's timer interrupt calls this, interrupts off. */
void timer_interrupt(void);
/* Timer interrupts this CPU has taken since boot. */
#define timer_interrupts (this_cpu()->nr_timer_irqs)

struct timer {
	uint64_t deadline;
	void (*fn)(struct timer *t); /* runs in interrupt context */
	struct timer *next;
	unsigned int cpu; /* whose list it is on */
	bool pending;
};

void timer_add(struct timer *t, uint64_t deadline_ns, void (*fn)(struct timer *t));
void timer_cancel(struct timer *t);
/* Moves every timer of CPU `from` (going offline, interrupts off) to
 * `to`, which is asked to re-arm its event timer for them. */
void timer_cpu_evacuate(struct cpu *from, struct cpu *to);

/* Every interrupt of the event timer, due or early, with the clock read
 * then: counts it and watches for a clock that stands still. */
void clock_event_expired(uint64_t now);
/* Expiries of this CPU's event timer since boot, early ones included. */
#define clock_expiries (this_cpu()->nr_clock_expiries)

/* What each platform's sched_clock passes its raw reading (nanoseconds
 * since boot) through, before handing it out (kernel/clocksource.c). */
uint64_t clocksource_filter(uint64_t raw);
/* The largest step back the clock took since the last call, when it is
 * worth a report; else 0. */
uint64_t clocksource_take_back(void);
/* How far ahead of the hardware's own now this CPU's event timer is to be
 * set at least when its deadline is already past: the minimum, more
 * while the clock stands still (kernel/timer.c). */
uint64_t clock_event_min_ahead(void);

/* What the kernel said about its clock, for the clock selftests: how
 * often it said it (once, until a selftest rearms it) and the figures. */
struct clock_reports {
	unsigned long still_events; /* a CPU saw its clock stand still */
	unsigned long still_said, moved_said, back_said;
	uint64_t still_at; /* the reading it stood at */
	uint64_t moved_by; /* how far it had moved when it moved again */
	uint64_t back_by;  /* how far it went back */
};
extern struct clock_reports clock_reports;

/* Test hooks of the clock source, for kernel/clock_selftest.c only: the
 * reading stands still for `ns` of the raw clock (then thaws by itself,
 * so that even a livelocked CPU gets its clock back), or runs `ns`
 * behind; clock_test_end() removes both. */
void clock_test_freeze(uint64_t ns);
bool clock_test_frozen(void);
void clock_test_rewind(uint64_t ns);
void clock_test_end(void);
/* The raw reading under the hooks (reads the clock). */
uint64_t clock_test_raw(void);
/* Forgets what was said, so that the next event is reported again. */
void clock_reports_rearm(void);

/* The boot clock (kernel/boot_clock.c): sched_clock plus the time the
 * domain spent suspended, which the platform reports on each resume with
 * time_note_away(); `*mono` (if not NULL) gets the sched_clock reading in
 * it. */
void time_note_away(uint64_t ns);
uint64_t time_boot_ns(uint64_t *mono);

/* The real-time clock, Linux's CLOCK_REALTIME (kernel/time_wall.c): the
 * boot clock plus an offset, taken once at boot from the platform's
 * wallclock and moved only by clock_settime or settimeofday.  Being on
 * the boot clock, it counts a save or migration's time away as it
 * passed.  ns since the epoch. */
void time_wall_init(void);
int64_t time_real_ns(void);
void time_real_set(int64_t ns);
/* What the boot reading was: the platform's wallclock in seconds (0 if it
 * had none). */
int64_t time_wall_boot_seconds(void);

/* Busy-wait (calibration, short device delays): needs only sched_clock. */
void udelay(uint64_t usec);

#endif
