/*
 * Selftest of the per-CPU state: the GS base names this CPU's struct cpu,
 * whose first word points at itself, and what is reached through %gs is
 * what the struct holds (the running thread, the interrupt depth), on
 * every platform: natively and on PVH the GS base came from wrmsr, on Xen
 * PV from set_segment_base.
 */
#include <amphi/cpu.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/time.h>

static unsigned int gs_read_id(void)
{
	unsigned int id;

	__asm__ __volatile__("movl %%gs:%c1, %0"
			     : "=r"(id)
			     : "i"(__builtin_offsetof(struct cpu, id)));
	return id;
}

SELFTEST(percpu)
{
	struct cpu *c = this_cpu();

	if (!c || c->self != c)
		return selftest_fail(ctx, "%%gs:0 holds %p, which does not point at itself",
				     (void *)c);
	if (c->id >= NR_CPUS || c != &cpus[c->id])
		return selftest_fail(ctx, "this_cpu() %p is not cpus[%u]", (void *)c, c->id);
	if (gs_read_id() != c->id || smp_processor_id() != c->id)
		return selftest_fail(ctx, "the id through %%gs is %u, the struct says %u",
				     gs_read_id(), c->id);
	if (!c->online)
		return selftest_fail(ctx, "CPU %u runs but is not marked online", c->id);
	if (c->current != thread_current() || c->irq_depth != 0)
		return selftest_fail(ctx,
				     "the struct's thread or interrupt depth is not this one's");
	return selftest_pass(ctx, "CPU %u: %%gs names cpus[%u], running %s", c->id, c->id,
			     thread_name(c->current));
}

/* Every CPU found is online, names itself, runs its own idle thread, and
 * takes its own timer interrupts: each count must move while this thread
 * sleeps, since every CPU's tick re-arms its own timer. */
SELFTEST(smp_cpus)
{
	uint64_t before[NR_CPUS];
	unsigned int n = nr_cpus_present;

	for (unsigned int i = 0; i < n; i++) {
		const struct cpu *c = &cpus[i];

		if (c->self != c || c->id != i || !READ_ONCE(c->online))
			return selftest_fail(ctx, "CPU %u is not online, or its struct is wrong",
					     i);
		if (i && (!c->idle || !c->current))
			return selftest_fail(ctx, "CPU %u has no idle thread running", i);
		before[i] = READ_ONCE(c->nr_timer_irqs);
	}
	sleep_ns(100 * NSEC_PER_MSEC);
	for (unsigned int i = 0; i < n; i++)
		if (!cpu_wait_progress(i, &cpus[i].nr_timer_irqs, before[i], 100 * NSEC_PER_MSEC))
			return selftest_fail(ctx,
					     "CPU %u took no timer interrupt in 100 ms beyond its "
					     "steal time",
					     i);
	return selftest_pass(ctx,
			     "%u CPU%s online, each taking its own timer interrupts (CPU %u: "
			     "%lu in 100 ms)",
			     n, n == 1 ? "" : "s", n - 1,
			     READ_ONCE(cpus[n - 1].nr_timer_irqs) - before[n - 1]);
}
