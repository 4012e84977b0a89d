/*
 * Selftests of the calls between CPUs (kernel/smp_call.c): a function run
 * on every CPU reaches each exactly once, one run on a named CPU runs
 * there, a CPU that is not online is refused, and the reschedule IPI
 * arrives.  With one CPU only the local path exists, and they say so.
 */
#include <amphi/errno.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#define IPI_WAIT_NS (200 * NSEC_PER_MSEC)

static unsigned int seen[NR_CPUS];

static void count_here(void *unused)
{
	(void)unused;
	__atomic_fetch_add(&seen[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

static void where_am_i(void *out)
{
	*(unsigned int *)out = smp_processor_id();
}

/* Every online CPU once, no other. */
static bool each_cpu_once(struct selftest_ctx *ctx, enum selftest_result *r)
{
	for (unsigned int i = 0; i < NR_CPUS; i++)
		seen[i] = 0;
	on_each_cpu(count_here, NULL);
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		unsigned int want = i < nr_cpus_present && cpus[i].online ? 1 : 0;

		if (seen[i] != want) {
			*r = selftest_fail(ctx, "on_each_cpu ran %u times on CPU %u, not %u",
					   seen[i], i, want);
			return false;
		}
	}
	return true;
}

static bool single_each(struct selftest_ctx *ctx, enum selftest_result *r)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		unsigned int where = ~0u;
		uint64_t ipis = smp_ipi_count(i, IPI_CALL_FUNCTION);
		int rc;

		if (!cpus[i].online)
			continue;
		rc = smp_call_function_single(i, where_am_i, &where);
		if (rc || where != i) {
			*r = selftest_fail(ctx, "a call for CPU %u ran on %u (%d)", i, where, rc);
			return false;
		}
		if (i != smp_processor_id() && smp_ipi_count(i, IPI_CALL_FUNCTION) == ipis) {
			*r = selftest_fail(ctx, "CPU %u ran a call without counting an IPI", i);
			return false;
		}
	}
	return true;
}

static bool resched_reaches(unsigned int id)
{
	uint64_t before = smp_ipi_count(id, IPI_RESCHEDULE);

	smp_send_reschedule(id);
	return cpu_wait_progress(id, &cpus[id].nr_ipis[IPI_RESCHEDULE], before, IPI_WAIT_NS);
}

SELFTEST(smp_call_function)
{
	enum selftest_result r = SELFTEST_SUCCESS;
	unsigned int online = nr_cpus_online();

	if (!each_cpu_once(ctx, &r) || !single_each(ctx, &r))
		return r;
	if (smp_call_function_single(nr_cpus_present, count_here, NULL) != -ENODEV)
		return selftest_fail(ctx, "a call for CPU %u, not present, was not refused",
				     nr_cpus_present);
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (i != smp_processor_id() && cpus[i].online && !resched_reaches(i))
			return selftest_fail(ctx,
					     "CPU %u took no reschedule IPI in 200 ms beyond "
					     "its steal time",
					     i);
	if (online == 1)
		return selftest_pass(ctx, "one CPU: calls run locally; no IPI to send");
	return selftest_pass(ctx,
			     "%u CPUs: each ran on_each_cpu once, a call for each ran there, "
			     "each took a reschedule IPI",
			     online);
}
