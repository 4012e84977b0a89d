/*
 * Selftest of the sleeping lock: threads on every CPU take one mutex, and
 * each sleeps while it holds it; never is more than one inside, every
 * entry is counted, and trylock fails while the lock is held.
 */
#include <amphi/mutex.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>

#define MUTEX_THREADS 4
#define MUTEX_ROUNDS 20
#define MUTEX_WAIT_NS (10 * NSEC_PER_SEC)

static struct {
	struct mutex m;
	unsigned int inside, most_inside, entries, done;
} mt;

static void mutex_worker(void *unused)
{
	(void)unused;
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&mt.m);
		unsigned int in = __atomic_add_fetch(&mt.inside, 1, __ATOMIC_RELAXED);

		if (in > mt.most_inside)
			mt.most_inside = in;
		mt.entries++;
		sleep_ns(100 * NSEC_PER_USEC);
		__atomic_sub_fetch(&mt.inside, 1, __ATOMIC_RELAXED);
		mutex_unlock(&mt.m);
	}
	__atomic_fetch_add(&mt.done, 1, __ATOMIC_RELEASE);
}

static volatile int other_try = -1;

static void try_other(void *m)
{
	other_try = mutex_trylock(m);
}

/* Another thread's trylock of the mutex this one holds. */
static bool mutex_trylock_other_fails(struct mutex *m)
{
	uint64_t deadline = sched_clock() + NSEC_PER_SEC;

	other_try = -1;
	if (!thread_create("mutex-try", try_other, m))
		return false;
	while (other_try < 0 && sched_clock() < deadline)
		sleep_ns(NSEC_PER_MSEC);
	return other_try == 0;
}

SELFTEST(mutex)
{
	cpumask_t all = cpumask_online_others() | cpumask_of(smp_processor_id());
	uint64_t deadline;
	unsigned int made = 0;

	mt = (typeof(mt)){.m = MUTEX_INIT};
	mutex_lock(&mt.m);
	bool second = mutex_trylock_other_fails(&mt.m);
	mutex_unlock(&mt.m);
	for (; made < MUTEX_THREADS; made++)
		if (!thread_create_on("mutex", mutex_worker, NULL, all))
			break;
	deadline = sched_clock() + MUTEX_WAIT_NS;
	while (__atomic_load_n(&mt.done, __ATOMIC_ACQUIRE) < made && sched_clock() < deadline)
		sleep_ns(5 * NSEC_PER_MSEC);
	if (mt.done < made)
		return selftest_fail(ctx, "%u of %u threads finished within 10 s", mt.done, made);
	if (made < MUTEX_THREADS)
		return selftest_error(ctx, "thread_create_on failed (out of memory?)");
	if (!second)
		return selftest_fail(ctx, "another thread's trylock took a held mutex");
	if (mt.most_inside != 1 || mt.entries != MUTEX_THREADS * MUTEX_ROUNDS)
		return selftest_fail(ctx,
				     "%u threads were inside at once; %u of %u entries counted",
				     mt.most_inside, mt.entries, MUTEX_THREADS * MUTEX_ROUNDS);
	return selftest_pass(ctx, "%u threads took it %u times, sleeping inside, one at a time",
			     made, mt.entries);
}
