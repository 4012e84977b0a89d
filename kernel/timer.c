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
 * cpu under its timer_lock: a timer is added to the list of the CPU that
 * adds it, and fires there.  A timer remembers its CPU, so that it can be
 * cancelled from any CPU; cancelling waits for its function if that CPU
 * is running it right now, so that a caller may free the timer (often on
 * its stack) as soon as timer_cancel returns.
 *
 * A clock that stands still while the event timer's own time runs on
 * (a stale pvclock, a stopped TSC) would make the timer expire at once
 * for ever at a deadline the clock never reaches.  Every expiry, early
 * ones included, is therefore shown to the CPU's clock_stall
 * (lib/clock_guard.c), which tells the platform how far ahead of its own
 * now a past deadline goes, and backs off while the clock stays still;
 * what happened is said once, here, where printing is safe.
 */
#include <amphi/clock_guard.h>
#include <amphi/time.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>
#include <amphi/smp.h>
#include <asm/paravirt.h>

struct clock_event *clock_event;
struct clock_reports clock_reports;

/* Each CPU's watch on its clock, at the expiries of its event timer. */
static struct clock_stall clock_stalls[NR_CPUS];

uint64_t clock_event_min_ahead(void)
{
	return clock_stall_ahead(&clock_stalls[smp_processor_id()]);
}

/* The first CPU to set *said from 0 says it; the others keep quiet. */
static bool say_once(unsigned long *said)
{
	unsigned long none = 0;

	return __atomic_compare_exchange_n(said, &none, 1, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

static void clock_say_stopped(const struct clock_stall *s)
{
	__atomic_fetch_add(&clock_reports.still_events, 1, __ATOMIC_RELAXED);
	if (!say_once(&clock_reports.still_said))
		return;
	clock_reports.still_at = s->stood_at;
	pr_warn("time: the clock stood still at %lu ns for %u expiries of the event timer in a "
		"row on CPU %u; arming it at least %lu us ahead until the clock moves\n",
		s->stood_at, s->still, smp_processor_id(), clock_stall_ahead(s) / NSEC_PER_USEC);
}

static void clock_say_moved(uint64_t stood_at, uint64_t now)
{
	if (!say_once(&clock_reports.moved_said))
		return;
	clock_reports.moved_by = now - stood_at;
	pr_warn("time: the clock moves again on CPU %u: %lu ns, %lu ns past where it stood still\n",
		smp_processor_id(), now, now - stood_at);
}

static void clock_say_back(uint64_t back)
{
	if (!back || !say_once(&clock_reports.back_said))
		return;
	clock_reports.back_by = back;
	pr_warn("time: the clock went back by %lu ns; sched_clock held at its latest value until "
		"the clock caught up\n",
		back);
}

/* Interrupts off. */
void clock_event_expired(uint64_t now)
{
	struct clock_stall *s = &clock_stalls[smp_processor_id()];
	uint64_t stood_at = s->stood_at;

	clock_expiries++;
	clock_say_back(clocksource_take_back());
	switch (clock_stall_expiry(s, now)) {
	case CLOCK_STALL_STOPPED:
		clock_say_stopped(s);
		break;
	case CLOCK_STALL_MOVED:
		clock_say_moved(stood_at, now);
		break;
	case CLOCK_STALL_NONE:
		break;
	}
}

void clock_reports_rearm(void)
{
	clock_reports = (struct clock_reports){0};
}

/* Interrupts off, c's timer_lock held. */
static void program_next(struct cpu *c, uint64_t now)
{
	uint64_t next = now + TICK_NSEC;

	if (c->timers && c->timers->deadline < next)
		next = c->timers->deadline;
	c->armed_deadline = next;
	clock_event->set_next(next);
}

void clock_event_register(struct clock_event *ce)
{
	struct cpu *c = this_cpu();
	unsigned long flags = spin_lock_irqsave(&c->timer_lock);

	clock_event = ce;
	program_next(c, sched_clock());
	spin_unlock_irqrestore(&c->timer_lock, flags);
	pr_info("timer: event timer %s, %lu ms tick\n", ce->name, TICK_NSEC / NSEC_PER_MSEC);
}

void clock_event_start_cpu(void)
{
	struct cpu *c = this_cpu();
	unsigned long flags = spin_lock_irqsave(&c->timer_lock);

	program_next(c, sched_clock());
	spin_unlock_irqrestore(&c->timer_lock, flags);
}

/* The CPU's timer_lock held. */
static void unlink_timer(struct cpu *c, struct timer *t)
{
	struct timer **p = &c->timers;

	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->pending = false;
}

/* Locks the list t is on; interrupts off.  t->cpu changes only under
 * the lock of the list it leaves. */
static struct cpu *timer_lock_list(struct timer *t)
{
	for (;;) {
		struct cpu *c = &cpus[READ_ONCE(t->cpu)];

		spin_lock(&c->timer_lock);
		if (c->id == t->cpu)
			return c;
		spin_unlock(&c->timer_lock);
	}
}

static void timer_remove(struct timer *t)
{
	struct cpu *c = timer_lock_list(t);

	if (t->pending)
		unlink_timer(c, t);
	spin_unlock(&c->timer_lock);
}

/* Equal deadlines keep the order they were added in. */
void timer_add(struct timer *t, uint64_t deadline_ns, void (*fn)(struct timer *t))
{
	unsigned long flags = local_irq_save();
	struct cpu *c = this_cpu();
	struct timer **p;

	timer_remove(t);
	spin_lock(&c->timer_lock);
	t->deadline = deadline_ns;
	t->fn = fn;
	t->cpu = c->id;
	for (p = &c->timers; *p && (*p)->deadline <= deadline_ns;)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->pending = true;
	if (clock_event && deadline_ns < c->armed_deadline) {
		c->armed_deadline = deadline_ns;
		clock_event->set_next(deadline_ns);
	}
	spin_unlock_irqrestore(&c->timer_lock, flags);
}

static void timer_rearm_here(void *unused)
{
	struct cpu *c = this_cpu();

	(void)unused;
	spin_lock(&c->timer_lock);
	if (clock_event)
		program_next(c, sched_clock());
	spin_unlock(&c->timer_lock);
}

/* Both lists locked, in CPU order: the only place that holds two. */
void timer_cpu_evacuate(struct cpu *from, struct cpu *to)
{
	struct cpu *first = from->id < to->id ? from : to, *second = first == from ? to : from;
	struct timer *t;

	spin_lock(&first->timer_lock);
	spin_lock(&second->timer_lock);
	while ((t = from->timers)) {
		struct timer **p = &to->timers;

		from->timers = t->next;
		while (*p && (*p)->deadline <= t->deadline)
			p = &(*p)->next;
		t->next = *p;
		*p = t;
		t->cpu = to->id;
	}
	spin_unlock(&second->timer_lock);
	spin_unlock(&first->timer_lock);
	smp_call_function_single(to->id, timer_rearm_here, NULL);
}

/* The event timer stays armed: an early interrupt finds nothing due and
 * only re-arms it, which is cheaper than recomputing here. */
void timer_cancel(struct timer *t)
{
	unsigned long flags = local_irq_save();
	struct cpu *c = &cpus[READ_ONCE(t->cpu)];

	timer_remove(t);
	local_irq_restore(flags);
	if (c != this_cpu())
		while (READ_ONCE(c->running_timer) == t)
			cpu_relax();
}

/* `now` is read once, so a timer that re-adds itself for "now" runs at
 * the next interrupt rather than looping here forever.  Each function
 * runs outside the lock, marked as running for timer_cancel. */
void timer_interrupt(void)
{
	struct cpu *c = this_cpu();
	uint64_t now = sched_clock();

	timer_interrupts++;
	clock_event_expired(now);
	spin_lock(&c->timer_lock);
	while (c->timers && c->timers->deadline <= now) {
		struct timer *t = c->timers;

		c->timers = t->next;
		t->pending = false;
		WRITE_ONCE(c->running_timer, t);
		spin_unlock(&c->timer_lock);
		t->fn(t);
		spin_lock(&c->timer_lock);
		WRITE_ONCE(c->running_timer, NULL);
	}
	if (clock_event)
		program_next(c, sched_clock());
	spin_unlock(&c->timer_lock);
	sched_tick();
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
