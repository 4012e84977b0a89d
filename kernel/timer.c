/*
 * Software timers and the scheduler tick, on top of the one one-shot event
 * timer the platform registers (the LAPIC natively, VIRQ_TIMER on Xen).
 *
 * Every timer interrupt runs the expired timers, gives the scheduler its
 * tick and re-arms the event timer for whichever comes first: the earliest
 * pending timer or the next tick.  A one-shot timer re-armed from its own
 * interrupt serves both needs without a second device, and lets a sleep end
 * on time instead of at the next tick.  The list is sorted by deadline, so
 * an interrupt looks only at its head; it is short (one timer per sleeping
 * thread), so inserting by walking it is cheap enough.
 *
 * Each CPU has its own list and its own event timer, kept in its struct
 * cpu: a timer is added to the list of the CPU that adds it, and fires
 * there.  Only that CPU touches its list, with interrupts off, which is
 * its locking while threads stay on their CPU (kernel/sched.c).
 */
#include <amphi/time.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>

struct clock_event *clock_event;

/* This CPU's list, and the deadline its event timer is set for, so that
 * a new timer that is due sooner knows to move it. */
#define timers (this_cpu()->timers)
#define armed_deadline (this_cpu()->armed_deadline)

static void program_next(uint64_t now)
{
	uint64_t next = now + TICK_NSEC;

	if (timers && timers->deadline < next)
		next = timers->deadline;
	armed_deadline = next;
	clock_event->set_next(next);
}

void clock_event_register(struct clock_event *ce)
{
	unsigned long flags = local_irq_save();

	clock_event = ce;
	pr_info("timer: event timer %s, %lu ms tick\n", ce->name, TICK_NSEC / NSEC_PER_MSEC);
	program_next(sched_clock());
	local_irq_restore(flags);
}

void clock_event_start_cpu(void)
{
	unsigned long flags = local_irq_save();

	program_next(sched_clock());
	local_irq_restore(flags);
}

static void unlink_timer(struct timer *t)
{
	struct timer **p = &timers;

	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->pending = false;
}

/* Equal deadlines keep the order they were added in. */
void timer_add(struct timer *t, uint64_t deadline_ns, void (*fn)(struct timer *t))
{
	unsigned long flags = local_irq_save();
	struct timer **p = &timers;

	if (t->pending)
		unlink_timer(t);
	t->deadline = deadline_ns;
	t->fn = fn;
	while (*p && (*p)->deadline <= deadline_ns)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->pending = true;
	if (clock_event && deadline_ns < armed_deadline) {
		armed_deadline = deadline_ns;
		clock_event->set_next(deadline_ns);
	}
	local_irq_restore(flags);
}

/* The event timer stays armed: an early interrupt finds nothing due and
 * only re-arms it, which is cheaper than recomputing here. */
void timer_cancel(struct timer *t)
{
	unsigned long flags = local_irq_save();

	if (t->pending)
		unlink_timer(t);
	local_irq_restore(flags);
}

/* `now` is read once, so a timer that re-adds itself for "now" runs at
 * the next interrupt rather than looping here forever. */
void timer_interrupt(void)
{
	uint64_t now = sched_clock();

	timer_interrupts++;
	while (timers && timers->deadline <= now) {
		struct timer *t = timers;

		timers = t->next;
		t->pending = false;
		t->fn(t);
	}
	sched_tick();
	if (clock_event)
		program_next(sched_clock());
}

/* A clock that returns the same value this many times in a row is not
 * running (a real one moves between any two reads); give up and say so
 * rather than spin forever. */
#define STUCK_READS (1UL << 24)

void udelay(uint64_t usec)
{
	uint64_t last = sched_clock(), end = last + usec * NSEC_PER_USEC;
	unsigned long same = 0;

	for (;;) {
		uint64_t now = sched_clock();

		if (now >= end)
			return;
		if (now != last) {
			last = now;
			same = 0;
		} else if (++same == STUCK_READS) {
			pr_err("udelay: sched_clock is stuck at %lu ns; not waiting\n", now);
			return;
		}
		cpu_relax();
	}
}

SHELL_CMD(uptime, "time since boot, timer interrupts and context switches")
{
	uint64_t ns = sched_clock();

	kprintf("up %lu.%03lu s (sched_clock), %lu timer interrupts from %s, "
		"%lu context switches (%lu preemptions)\n",
		ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / NSEC_PER_MSEC, READ_ONCE(timer_interrupts),
		clock_event ? clock_event->name : "no event timer", READ_ONCE(context_switches),
		READ_ONCE(preemptions));
	return 0;
}
