/*
 * Threads for selftests that drive a subsystem from every CPU at once:
 * `per_cpu` threads pinned to each online CPU, all started before any is
 * waited for, so that they overlap.  The bookkeeping is on the heap and
 * left there if the wait times out: a thread still running must not
 * write into a stack frame that has gone.
 */
#include <amphi/mm.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/string.h>

struct st_group {
	void (*fn)(unsigned int idx, void *arg);
	void *arg;
	unsigned int done;
	struct wait_queue wq;
};

struct st_thread {
	struct st_group *g;
	unsigned int idx;
};

static void st_thread_main(void *p)
{
	struct st_thread *t = p;
	struct st_group *g = t->g;

	g->fn(t->idx, g->arg);
	__atomic_fetch_add(&g->done, 1, __ATOMIC_RELEASE);
	wq_wake_all(&g->wq);
}

/* Starts a thread per CPU and slot: how many were started. */
static unsigned int st_start(struct st_group *g, struct st_thread *t, unsigned int per_cpu,
			     const char *name)
{
	unsigned int n = 0;

	for (unsigned int slot = 0; slot < per_cpu; slot++)
		for (unsigned int cpu = 0; cpu < nr_cpus_present; cpu++) {
			if (!__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
				continue;
			t[n] = (struct st_thread){.g = g, .idx = n};
			if (!thread_create_on(name, st_thread_main, &t[n], cpumask_of(cpu)))
				return n;
			n++;
		}
	return n;
}

int selftest_on_every_cpu(const char *name, void (*fn)(unsigned int idx, void *arg), void *arg,
			  unsigned int per_cpu, uint64_t timeout_ns)
{
	struct st_group *g = kmalloc(sizeof(*g));
	struct st_thread *t = kmalloc(per_cpu * NR_CPUS * sizeof(*t));
	unsigned int n;
	bool all;

	if (!g || !t) {
		kfree(g);
		kfree(t);
		return -1;
	}
	*g = (struct st_group){.fn = fn, .arg = arg, .wq = WAIT_QUEUE_INIT};
	n = st_start(g, t, per_cpu, name);
	all = wait_event_deadline(&g->wq, __atomic_load_n(&g->done, __ATOMIC_ACQUIRE) == n,
				  sched_clock() + timeout_ns);
	if (!all)
		return -2; /* g and t stay: threads may still use them */
	kfree(g);
	kfree(t);
	return (int)n;
}
