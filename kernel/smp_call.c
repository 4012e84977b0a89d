/*
 * Calls between CPUs: a function run on other CPUs while the caller
 * waits, and the reschedule nudge (include/amphi/smp.h).
 *
 * Each CPU has a queue of calls others asked of it (struct cpu's calls,
 * under its call_lock).  A caller puts a struct smp_call, kept on its own
 * stack, on the target's queue, interrupts the target with an
 * IPI_CALL_FUNCTION and spins until the target marks it done.  Marking
 * done is the target's last touch of the struct, with release ordering,
 * so the caller may return as soon as it sees it.
 *
 * A waiting caller runs its own CPU's queue as it spins: with interrupts
 * off it would otherwise never see the IPI of a CPU that is at the same
 * moment waiting for it.
 */
#include <amphi/errno.h>
#include <amphi/platform.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <asm/paravirt.h>

cpumask_t cpumask_online_others(void)
{
	cpumask_t mask = 0;
	unsigned int self = smp_processor_id();

	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (i != self && __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			mask |= cpumask_of(i);
	return mask;
}

/* Takes the whole queue at once; the calls run outside the lock. */
static void smp_call_run_queue(void)
{
	struct cpu *c = this_cpu();
	unsigned long flags = spin_lock_irqsave(&c->call_lock);
	struct smp_call *call = c->calls;

	c->calls = NULL;
	spin_unlock(&c->call_lock);
	while (call) {
		struct smp_call *next = call->next;

		call->fn(call->arg);
		__atomic_store_n(&call->done, true, __ATOMIC_RELEASE);
		call = next;
	}
	local_irq_restore(flags);
}

/* False when the CPU went offline in the meantime: the call is marked
 * done without running, so nobody waits for it. */
static bool smp_call_queue(unsigned int id, struct smp_call *call)
{
	struct cpu *c = &cpus[id];
	unsigned long flags = spin_lock_irqsave(&c->call_lock);
	bool open = !c->calls_closed;

	if (open) {
		call->next = c->calls;
		c->calls = call;
	} else {
		call->done = true;
	}
	spin_unlock_irqrestore(&c->call_lock, flags);
	if (open)
		platform_ops.send_ipi(id, IPI_CALL_FUNCTION);
	return open;
}

static void smp_call_wait(struct smp_call *call)
{
	while (!__atomic_load_n(&call->done, __ATOMIC_ACQUIRE)) {
		if (READ_ONCE(this_cpu()->calls))
			smp_call_run_queue();
		cpu_relax();
	}
}

int smp_call_function_single(unsigned int id, void (*fn)(void *arg), void *arg)
{
	struct smp_call call = {.fn = fn, .arg = arg};

	if (id == smp_processor_id()) {
		unsigned long flags = local_irq_save();

		fn(arg);
		local_irq_restore(flags);
		return 0;
	}
	if (id >= nr_cpus_present || !__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE))
		return -ENODEV;
	if (!smp_call_queue(id, &call))
		return -ENODEV;
	smp_call_wait(&call);
	return 0;
}

/* Queues fn on every CPU in mask (online, not this one). */
static void smp_call_start(cpumask_t mask, struct smp_call *calls, void (*fn)(void *arg), void *arg)
{
	for (unsigned int i = 0; i < NR_CPUS; i++)
		if (mask & cpumask_of(i)) {
			calls[i] = (struct smp_call){.fn = fn, .arg = arg};
			smp_call_queue(i, &calls[i]);
		}
}

static void smp_call_wait_all(cpumask_t mask, struct smp_call *calls)
{
	for (unsigned int i = 0; i < NR_CPUS; i++)
		if (mask & cpumask_of(i))
			smp_call_wait(&calls[i]);
}

void smp_call_function_many(cpumask_t mask, void (*fn)(void *arg), void *arg)
{
	struct smp_call calls[NR_CPUS];

	mask &= cpumask_online_others();
	smp_call_start(mask, calls, fn, arg);
	smp_call_wait_all(mask, calls);
}

/* The others start first, so that every CPU runs fn at about once. */
void on_each_cpu(void (*fn)(void *arg), void *arg)
{
	struct smp_call calls[NR_CPUS];
	cpumask_t mask = cpumask_online_others();
	unsigned long flags;

	smp_call_start(mask, calls, fn, arg);
	flags = local_irq_save();
	fn(arg);
	local_irq_restore(flags);
	smp_call_wait_all(mask, calls);
}

void smp_cpu_dying(void)
{
	struct cpu *c = this_cpu();

	spin_lock(&c->call_lock);
	c->calls_closed = true;
	spin_unlock(&c->call_lock);
	smp_call_run_queue();
}

void smp_cpu_alive(void)
{
	struct cpu *c = this_cpu();
	unsigned long flags = spin_lock_irqsave(&c->call_lock);

	c->calls_closed = false;
	spin_unlock_irqrestore(&c->call_lock, flags);
}

void smp_send_reschedule(unsigned int id)
{
	if (id != smp_processor_id() && __atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE))
		platform_ops.send_ipi(id, IPI_RESCHEDULE);
}

void smp_ipi_received(enum ipi_kind kind)
{
	struct cpu *c = this_cpu();

	if (kind >= IPI_KINDS)
		return;
	__atomic_fetch_add(&c->nr_ipis[kind], 1, __ATOMIC_RELAXED);
	if (kind == IPI_CALL_FUNCTION)
		smp_call_run_queue();
	else
		c->need_resched = true;
}

uint64_t smp_ipi_count(unsigned int id, enum ipi_kind kind)
{
	return id < NR_CPUS && kind < IPI_KINDS ? READ_ONCE(cpus[id].nr_ipis[kind]) : 0;
}
