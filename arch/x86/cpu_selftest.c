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

static unsigned int gs_read_id(void)
{
	unsigned int id;

	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(id) : "i"(__builtin_offsetof(struct cpu, id)));
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
		return selftest_fail(ctx, "the struct's thread or interrupt depth is not this one's");
	return selftest_pass(ctx, "CPU %u: %%gs names cpus[%u], running %s", c->id, c->id,
			     thread_name(c->current));
}
