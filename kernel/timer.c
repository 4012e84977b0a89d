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
 */
#include <amphi/time.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>
#include <amphi/smp.h>
#include <asm/paravirt.h>

struct clock_event *clock_event;
struct clock_reports clock_reports;

void clock_event_expired(uint64_t now)
{
	(void)now;
	clock_expiries++;
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
