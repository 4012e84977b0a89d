/*
 * What every platform's CPU bring-up shares: the table of CPUs it found
 * (cpus[], include/amphi/cpu.h), the maxcpus= cap (Linux's name), and the
 * boot-log line that ends the bring-up.  How CPUs are found and started
 * differs per platform (the MADT and INIT-SIPI-SIPI natively, Xen's vCPU
 * ops) and lives in its smp_init op.
 */
#include <amphi/cpu.h>
#include <amphi/params.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <asm/paravirt.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>

unsigned int nr_cpus_present = 1; /* the boot CPU, cpus[0] */
static unsigned int nr_cpus_left_out;

struct cpu *cpu_add_present(void)
{
	unsigned int cap = param_maxcpus ? param_maxcpus : NR_CPUS;
	struct cpu *c;

	if (nr_cpus_present >= NR_CPUS || nr_cpus_present >= cap) {
		nr_cpus_left_out++;
		return NULL;
	}
	c = &cpus[nr_cpus_present];
	c->self = c;
	c->id = nr_cpus_present++;
	return c;
}

bool cpu_wait_online(struct cpu *c, uint64_t timeout_ns)
{
	uint64_t end = sched_clock() + timeout_ns;

	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
		if (sched_clock() > end)
			return false;
		else
			cpu_relax();
	return true;
}

void cpu_set_online(void)
{
	smp_cpu_alive();
	this_cpu()->online_since = sched_clock();
	__atomic_store_n(&this_cpu()->online, true, __ATOMIC_RELEASE);
}

unsigned int nr_cpus_online(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_cpus_present; i++)
		n += cpus[i].online;
	return n;
}

/* The target's stolen time is what a hypervisor kept it from running:
 * on an overcommitted host a vCPU may wait far longer than base_ns. */
bool cpu_wait_progress(unsigned int id, const volatile uint64_t *count, uint64_t before,
		       uint64_t base_ns)
{
	uint64_t start = sched_clock(), steal0 = steal_clock((int)id);

	while (*count == before) {
		uint64_t waited = sched_clock() - start;
		uint64_t stolen = steal_clock((int)id) - steal0;

		if (waited > base_ns + stolen || waited > CPU_WAIT_PROGRESS_MAX_NS)
			return false;
		sleep_ns(NSEC_PER_MSEC);
	}
	return true;
}

void smp_report(const char *found_how)
{
	unsigned int online = nr_cpus_online();

	if (nr_cpus_left_out)
		pr_info("smp: %u more CPUs left out (%s)\n", nr_cpus_left_out,
			param_maxcpus ? "maxcpus=" : "beyond NR_CPUS");
	if (online == nr_cpus_present)
		pr_info("smp: %u CPUs online (%s)\n", online, found_how);
	else
		pr_info("smp: %u of %u CPUs online (%s); starting the others is not done yet\n",
			online, nr_cpus_present, found_how);
	spinlock_report();
}
