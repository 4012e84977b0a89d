/*
 * Selftests of the scheduler on several CPUs: threads allowed on every
 * CPU spread over all of them and move between them, and while they do,
 * a counter they all increment under one spinlock ends exact.  With one
 * CPU the same threads run there, and the test says nothing could move.
 */
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#define SPREAD_MIN_NS (100 * NSEC_PER_MSEC) /* at least this long */
#define SPREAD_MAX_NS (2 * NSEC_PER_SEC)    /* until spread and moved, or this */
#define SPREAD_BUSY_NS (2 * NSEC_PER_MSEC)
#define SPREAD_WAIT_NS (5 * NSEC_PER_SEC)
#define MAX_WORKERS (2 * NR_CPUS)

struct spread {
	struct spinlock lock;
	uint64_t counter;
	unsigned int done;
	volatile bool stop;
	struct worker {
		struct spread *s;
		cpumask_t ran_on;
		uint64_t increments;
	} w[MAX_WORKERS];
};

/* Busy for a while, recording where it runs and counting under the
 * lock, then a short sleep of its own length (so the threads fall out of
 * step); until told to stop. */
static void spread_worker(void *arg)
{
	struct worker *w = arg;
	struct spread *s = w->s;

	while (!s->stop) {
		uint64_t busy_end = sched_clock() + SPREAD_BUSY_NS;

		while (sched_clock() < busy_end) {
			unsigned long flags = spin_lock_irqsave(&s->lock);

			s->counter++;
			w->ran_on |= cpumask_of(smp_processor_id());
			spin_unlock_irqrestore(&s->lock, flags);
			w->increments++;
		}
		sleep_ns((uint64_t)(w - s->w + 1) * NSEC_PER_MSEC / 2);
	}
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELEASE);
}

static unsigned int popcount(cpumask_t m)
{
	return (unsigned int)__builtin_popcountll(m);
}

static enum selftest_result spread_check(struct selftest_ctx *ctx, struct spread *s, unsigned int n,
					 cpumask_t online)
{
	cpumask_t used = 0;
	uint64_t sum = 0;
	unsigned int moved = 0;

	for (unsigned int i = 0; i < n; i++) {
		used |= s->w[i].ran_on;
		sum += s->w[i].increments;
		moved += popcount(s->w[i].ran_on) > 1;
	}
	if (s->counter != sum)
		return selftest_fail(ctx,
				     "the shared counter reads %lu after %lu increments under "
				     "its lock",
				     s->counter, sum);
	if (used != online)
		return selftest_fail(ctx,
				     "the threads ran on CPUs %#lx, not on every online CPU "
				     "(%#lx)",
				     used, online);
	if (popcount(online) == 1)
		return selftest_pass(ctx,
				     "one CPU: %u threads ran there, %lu increments exact; "
				     "nothing could move",
				     n, sum);
	if (!moved)
		return selftest_fail(ctx, "no thread ran on more than one CPU in 2 s");
	return selftest_pass(ctx,
			     "%u threads ran on all %u CPUs, %u of them on several; "
			     "%lu increments under one lock, exact",
			     n, popcount(online), moved, sum);
}

static bool spread_and_moved(const struct spread *s, unsigned int n, cpumask_t online)
{
	cpumask_t used = 0;
	bool moved = popcount(online) == 1;

	for (unsigned int i = 0; i < n; i++) {
		used |= s->w[i].ran_on;
		moved |= popcount(s->w[i].ran_on) > 1;
	}
	return used == online && moved;
}

/* Lets the workers run until they have spread and moved (at least
 * SPREAD_MIN_NS, at most SPREAD_MAX_NS), then stops them and waits. */
static bool spread_run(struct spread *s, unsigned int n, cpumask_t online)
{
	uint64_t start = sched_clock(), deadline;

	for (;;) {
		uint64_t ran = sched_clock() - start;

		if (ran >= SPREAD_MAX_NS ||
		    (ran >= SPREAD_MIN_NS && spread_and_moved(s, n, online)))
			break;
		sleep_ns(10 * NSEC_PER_MSEC);
	}
	s->stop = true;
	deadline = sched_clock() + SPREAD_WAIT_NS;
	while (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) < n && sched_clock() < deadline)
		sleep_ns(5 * NSEC_PER_MSEC);
	return s->done == n;
}

SELFTEST(sched_spread)
{
	static struct spread s;
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());
	unsigned int n = 2 * popcount(online), made = 0;

	s = (struct spread){.lock = SPINLOCK_INIT};
	for (; made < n; made++) {
		s.w[made].s = &s;
		if (!thread_create_on("spread", spread_worker, &s.w[made], online))
			break;
	}
	if (!spread_run(&s, made, online))
		return selftest_fail(ctx, "only %u of %u threads finished within 5 s", s.done,
				     made);
	if (made < n)
		return selftest_error(ctx, "thread_create_on failed (out of memory?)");
	return spread_check(ctx, &s, n, online);
}
