/*
 * Selftest of the ticket lock (amphi/spinlock.h), in three parts.
 *
 * Uncontended, on any number of CPUs: the lock's own instructions (the
 * xadd fast path, the patched unlock, trylock) move a lock word across the
 * byte wrap exactly as the pure arithmetic of amphi/ticket.h says, and
 * never enter the slow path.
 *
 * Contended, with two CPUs or more: every online CPU at once increments
 * one counter under one lock, with a read-pause-write that a lock failing
 * to exclude would lose increments in; the total must come out exact.
 *
 * Blocked, where the slow path blocks (Xen): one CPU holds the lock until
 * every other has spun past SPIN_THRESHOLD and polled its kick port, then
 * lets go, so the lock passes down a queue of blocked waiters, each kicked
 * by the one before.  Each must get it; no kick may be lost (a poll that
 * timed out with the lock already handed over).  Where the slow path only
 * spins (natively, or `nopvspin`), no CPU may ever have polled or kicked.
 */
#include <amphi/cpu.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>

/* The race lasts a time, not a number of rounds: under emulation a CPU
 * can do thousands of rounds before the next one even runs, and on a
 * host with more emulated CPUs than it can run at once a fair lock
 * hands over only as fast as the host schedules the CPU next in line
 * (here down to some tens a second), so a count could take minutes. */
#define SPIN_RACE_NS (200 * NSEC_PER_MSEC)
/* Rounds between two looks at the clock. */
#define SPIN_CLOCK_ROUNDS 16
#define SPIN_START_WAIT_NS (5 * NSEC_PER_SEC)
#define SPIN_BLOCK_WAIT_NS (2 * NSEC_PER_SEC)

/* Takes and releases `l` (free, not flagged, at `w`) as ticket.h says. */
static const char *spin_uncontended_one(struct spinlock *l)
{
	uint16_t w = l->head_tail;

	spin_lock(l);
	if (l->head_tail != ticket_take(w))
		return "spin_lock left the word other than ticket_take says";
	if (spin_trylock(l))
		return "spin_trylock took a held lock";
	spin_unlock(l);
	if (l->head_tail != ticket_release(ticket_take(w)))
		return "spin_unlock left the word other than ticket_release says";
	if (!spin_trylock(l))
		return "spin_trylock failed on a free lock";
	spin_unlock(l);
	return NULL;
}

/* Interrupts off, so no handler on this CPU contends for another lock. */
static const char *spin_uncontended(void)
{
	struct spinlock l = {.head_tail = ticket_word(0xfa, 0xfa)};
	struct spinlock_stats *st = &spinlock_stats[smp_processor_id()];
	unsigned long flags = local_irq_save();
	uint64_t slow = st->slow;
	const char *why = NULL;

	for (int i = 0; i < 4 && !why; i++) /* two tickets each: 0xfa .. 0x0a */
		why = spin_uncontended_one(&l);
	if (!why && l.head_tail != ticket_word(0x0a, 0x0a))
		why = "the lock did not end free at ticket 0x0a after the wrap";
	if (!why && st->slow != slow)
		why = "an uncontended lock took the slow path";
	local_irq_restore(flags);
	return why;
}

struct spin_race {
	struct spinlock lock;
	volatile uint64_t counter;
	unsigned int cpus; /* online when it started */
	volatile unsigned int arrived;
	volatile bool late;  /* some CPU gave up waiting for the others */
	unsigned int holder; /* the blocked part: the CPU that holds first */
	volatile bool held;
	volatile bool stop;	  /* a kick was lost: every CPU stops early */
	uint64_t polls[NR_CPUS];  /* each CPU's polls before the part */
	uint64_t lost[NR_CPUS];	  /* and its lost kicks */
	uint64_t rounds[NR_CPUS]; /* increments each CPU made */
};

/* Every CPU waits until all have arrived, so they start together. */
static void spin_race_start(struct spin_race *r)
{
	uint64_t end = sched_clock() + SPIN_START_WAIT_NS;

	__atomic_fetch_add(&r->arrived, 1, __ATOMIC_SEQ_CST);
	while (READ_ONCE(r->arrived) < r->cpus)
		if (sched_clock() > end) {
			r->late = true;
			return;
		} else {
			cpu_relax();
		}
}

static void spin_increment(struct spin_race *r)
{
	spin_lock(&r->lock);
	uint64_t v = r->counter;
	cpu_relax();
	r->counter = v + 1;
	spin_unlock(&r->lock);
	r->rounds[smp_processor_id()]++;
}

/* A lost kick costs the waiter a poll's timeout, and the next holder,
 * spinning behind it, soon blocks and loses its own: each round would
 * then take a second.  Every CPU stops at the first. */
static bool spin_kick_lost(struct spin_race *r)
{
	unsigned int me = smp_processor_id();

	if (READ_ONCE(spinlock_stats[me].lost) != r->lost[me])
		r->stop = true;
	return r->stop;
}

static void spin_contend(void *arg)
{
	struct spin_race *r = arg;
	uint64_t end;

	spin_race_start(r);
	end = sched_clock() + SPIN_RACE_NS;
	for (unsigned int i = 1; !spin_kick_lost(r); i++) {
		spin_increment(r);
		if (i % SPIN_CLOCK_ROUNDS == 0 && sched_clock() > end)
			break;
	}
}

/* Whether every CPU but the holder has polled since the part began. */
static bool spin_all_polled(const struct spin_race *r)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (i != r->holder && cpus[i].online &&
		    READ_ONCE(spinlock_stats[i].polls) == r->polls[i])
			return false;
	return true;
}

static void spin_block_part(void *arg)
{
	struct spin_race *r = arg;

	if (smp_processor_id() == r->holder) {
		uint64_t end = sched_clock() + SPIN_BLOCK_WAIT_NS;

		spin_lock(&r->lock);
		__atomic_store_n(&r->held, true, __ATOMIC_SEQ_CST);
		while (!spin_all_polled(r) && sched_clock() < end)
			cpu_relax();
		r->counter++;
		r->rounds[smp_processor_id()]++;
		spin_unlock(&r->lock);
		return;
	}
	while (!__atomic_load_n(&r->held, __ATOMIC_SEQ_CST))
		cpu_relax();
	spin_increment(r);
}

static struct spin_race spin_race;

/* The increments every CPU made. */
static uint64_t spin_race_rounds(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < NR_CPUS; i++)
		sum += spin_race.rounds[i];
	return sum;
}

/* Runs fn on every CPU on a fresh race: NULL when the counter came out at
 * the increments made, or what went wrong. */
static const char *spin_race_run(void (*fn)(void *))
{
	struct spin_race *r = &spin_race;

	*r = (struct spin_race){
	    .lock = SPINLOCK_INIT, .cpus = nr_cpus_online(), .holder = smp_processor_id()};
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		r->polls[i] = READ_ONCE(spinlock_stats[i].polls);
		r->lost[i] = READ_ONCE(spinlock_stats[i].lost);
	}
	on_each_cpu(fn, r);
	for (unsigned int i = 0; i < NR_CPUS; i++)
		if (READ_ONCE(spinlock_stats[i].lost) != r->lost[i])
			return "a kick was lost: a waiter's poll timed out with the lock handed "
			       "over";
	if (r->late)
		return "the CPUs did not all start within 5 s";
	if (r->counter != spin_race_rounds())
		return "the counter lost increments";
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (cpus[i].online && r->rounds[i] == 0)
			return "a CPU made no increment";
	return NULL;
}

/* The blocked part's verdict, given the counts before and after. */
static enum selftest_result spin_block_verdict(struct selftest_ctx *ctx, const char *contended,
					       const struct spinlock_stats *a)
{
	unsigned int n = spin_race.cpus, blocked = 0;
	struct spinlock_stats b;

	spinlock_stats_total(&b);
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		blocked += i != spin_race.holder && spinlock_stats[i].polls != spin_race.polls[i];
	if (!blocked)
		return selftest_fail(ctx, "no waiter blocked in 2 s, though the slow path blocks");
	return selftest_pass(ctx, "%s; held: %u of %u waiters blocked, %lu polls, %lu kicks",
			     contended, blocked, n - 1, b.polls - a->polls, b.kicks - a->kicks);
}

SELFTEST(spinlock_contended)
{
	unsigned int n = nr_cpus_online();
	struct spinlock_stats a, b;
	char contended[112];
	const char *why;

	spinlock_stats_total(&a);
	if ((why = spin_uncontended()))
		return selftest_fail(ctx, "uncontended: %s", why);
	if (n < 2)
		return selftest_pass(ctx,
				     "uncontended: ticket take, release and trylock across the "
				     "wrap as ticket.h says; contention not tested: 1 CPU");
	if ((why = spin_race_run(spin_contend)))
		return selftest_fail(ctx, "%u CPUs: %s (%lu, %lu made)", n, why, spin_race.counter,
				     spin_race_rounds());
	spinlock_stats_total(&b);
	snprintf(contended, sizeof(contended),
		 "%u CPUs, %lu increments exact, %lu slow waits, %lu polls, %lu kicks", n,
		 spin_race_rounds(), b.slow - a.slow, b.polls - a.polls, b.kicks - a.kicks);
	if (!spinlock_can_block()) {
		if (b.polls || b.kicks)
			return selftest_fail(ctx, "%s: the slow path blocked, though it only spins",
					     contended);
		return selftest_pass(ctx, "%s; waiters only spin here", contended);
	}
	if ((why = spin_race_run(spin_block_part)))
		return selftest_fail(ctx, "held: %s", why);
	return spin_block_verdict(ctx, contended, &b);
}
