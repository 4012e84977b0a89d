/*
 * Selftest of taking a CPU offline and back: the last CPU goes offline
 * with a thread pinned to it and another that may run anywhere, both
 * sleeping on timers of that CPU; while it is offline neither thread runs
 * there, both go on elsewhere, calls skip it and it takes no timer
 * interrupts; the refusals (the boot CPU, a CPU that does not exist, one
 * already offline) say why; then it comes back, takes calls and timer
 * interrupts, and threads run on it again.  With one CPU only the
 * refusals can be seen.
 */
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>

#define OFFLINE_NS (100 * NSEC_PER_MSEC)
#define WAIT_NS (5 * NSEC_PER_SEC)

static struct {
	unsigned int target;
	volatile bool offline, stop;
	cpumask_t ran_while_offline;
	unsigned int rounds[2], done, called[NR_CPUS];
} hp;

static void hp_worker(void *arg)
{
	unsigned int *rounds = arg;

	while (!hp.stop) {
		if (hp.offline)
			__atomic_fetch_or(&hp.ran_while_offline, cpumask_of(smp_processor_id()),
					  __ATOMIC_RELAXED);
		(*rounds)++;
		sleep_ns(2 * NSEC_PER_MSEC);
	}
	__atomic_fetch_add(&hp.done, 1, __ATOMIC_RELEASE);
}

static void hp_count(void *unused)
{
	(void)unused;
	__atomic_fetch_add(&hp.called[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

/* The refusals, each expected to print an error. */
static bool hp_refusals(void)
{
	bool ok;

	printk_expect_errors(true);
	ok = cpu_offline(0) == -EBUSY && cpu_offline(nr_cpus_present) == -ENODEV &&
	     cpu_online(nr_cpus_present) == -ENODEV;
	printk_expect_errors(false);
	return ok && cpu_offline(hp.target) == -EALREADY;
}

/* While the target is offline: what must and must not happen. */
static enum selftest_result hp_while_offline(struct selftest_ctx *ctx)
{
	struct cpu *c = &cpus[hp.target];
	uint64_t irqs = READ_ONCE(c->nr_timer_irqs);
	unsigned int r0 = hp.rounds[0], r1 = hp.rounds[1];

	hp.offline = true;
	sleep_ns(OFFLINE_NS);
	on_each_cpu(hp_count, NULL);
	hp.offline = false;
	if (!c->down || c->online)
		return selftest_fail(ctx, "CPU %u is not marked offline", hp.target);
	if (hp.ran_while_offline & cpumask_of(hp.target))
		return selftest_fail(ctx, "a thread ran on CPU %u while it was offline", hp.target);
	if (hp.called[hp.target] || smp_call_function_single(hp.target, hp_count, NULL) != -ENODEV)
		return selftest_fail(ctx, "a call reached offline CPU %u", hp.target);
	if (READ_ONCE(c->nr_timer_irqs) != irqs)
		return selftest_fail(ctx, "offline CPU %u took %lu timer interrupts", hp.target,
				     READ_ONCE(c->nr_timer_irqs) - irqs);
	if (hp.rounds[0] == r0 || hp.rounds[1] == r1)
		return selftest_fail(ctx, "its threads stopped (pinned %u, free %u more rounds)",
				     hp.rounds[0] - r0, hp.rounds[1] - r1);
	if (!hp_refusals())
		return selftest_fail(ctx, "a bad request was not refused as it should be");
	return SELFTEST_SUCCESS;
}

static enum selftest_result hp_back(struct selftest_ctx *ctx)
{
	struct cpu *c = &cpus[hp.target];
	uint64_t irqs = READ_ONCE(c->nr_timer_irqs);
	uint64_t end = sched_clock() + WAIT_NS;

	hp.called[hp.target] = 0;
	if (smp_call_function_single(hp.target, hp_count, NULL) || hp.called[hp.target] != 1)
		return selftest_fail(ctx, "CPU %u took no call once back online", hp.target);
	while (READ_ONCE(c->nr_timer_irqs) == irqs && sched_clock() < end)
		sleep_ns(NSEC_PER_MSEC);
	if (READ_ONCE(c->nr_timer_irqs) == irqs)
		return selftest_fail(ctx, "CPU %u took no timer interrupt once back", hp.target);
	return SELFTEST_SUCCESS;
}

static void hp_stop_workers(unsigned int made)
{
	uint64_t end = sched_clock() + WAIT_NS;

	hp.stop = true;
	while (__atomic_load_n(&hp.done, __ATOMIC_ACQUIRE) < made && sched_clock() < end)
		sleep_ns(NSEC_PER_MSEC);
}

/* With one CPU there is nothing to take offline: only refusals to see. */
static enum selftest_result hp_one_cpu(struct selftest_ctx *ctx)
{
	bool ok;

	printk_expect_errors(true);
	ok = cpu_offline(0) == -EBUSY && cpu_offline(nr_cpus_present) == -ENODEV;
	printk_expect_errors(false);
	if (!ok || cpu_online(0) != -EALREADY)
		return selftest_fail(ctx, "one CPU: a request was not refused as it should be");
	return selftest_pass(ctx, "one CPU: taking it offline, or a CPU that does not exist, "
				  "refused; nothing to take offline");
}

SELFTEST(cpu_hotplug)
{
	cpumask_t all = cpumask_online_others() | cpumask_of(smp_processor_id());
	enum selftest_result r;
	unsigned int made = 0;
	int rc;

	if (nr_cpus_online() < 2)
		return hp_one_cpu(ctx);
	hp = (typeof(hp)){.target = 63 - (unsigned int)__builtin_clzll(all)};
	made += !!thread_create_on("hp-pinned", hp_worker, &hp.rounds[0], cpumask_of(hp.target));
	made += !!thread_create_on("hp-free", hp_worker, &hp.rounds[1], all);
	sleep_ns(20 * NSEC_PER_MSEC);
	if (made < 2) {
		hp_stop_workers(made);
		return selftest_error(ctx, "thread_create_on failed (out of memory?)");
	}
	if ((rc = cpu_offline(hp.target))) {
		hp_stop_workers(made);
		return selftest_fail(ctx, "cpu_offline(%u) failed (%d)", hp.target, rc);
	}
	r = hp_while_offline(ctx);
	rc = cpu_online(hp.target);
	if (r == SELFTEST_SUCCESS && rc)
		r = selftest_fail(ctx, "cpu_online(%u) failed (%d)", hp.target, rc);
	if (r == SELFTEST_SUCCESS)
		r = hp_back(ctx);
	hp_stop_workers(made);
	if (r != SELFTEST_SUCCESS)
		return r;
	if (hp.done < made)
		return selftest_fail(ctx, "%u of %u threads finished", hp.done, made);
	return selftest_pass(ctx,
			     "CPU %u offline: its pinned and free threads went on elsewhere, "
			     "no call or timer reached it, bad requests refused; back online "
			     "it took calls and timer interrupts",
			     hp.target);
}
