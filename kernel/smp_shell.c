/*
 * The `cpus` shell command: every CPU the platform found, whether it is
 * online, what it runs now, and what it has done: timer interrupts, IPIs
 * taken, context switches, and the share of its time spent idle since it
 * came online.  `cpu offline N` and `cpu online N` take one offline and
 * back (kernel/smp_hotplug.c).
 */
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/time.h>

/* Idle share in tenths of a percent. */
static unsigned int idle_permille(unsigned int id)
{
	uint64_t up = sched_clock() - READ_ONCE(cpus[id].online_since);
	uint64_t idle = sched_cpu_idle_ns(id);

	if (!up)
		return 0;
	return idle >= up ? 1000 : (unsigned int)(idle * 1000 / up);
}

static void cpus_line(unsigned int id)
{
	const struct cpu *c = &cpus[id];
	char name[16];

	if (!READ_ONCE(c->online)) {
		kprintf("%3u offline\n", id);
		return;
	}
	sched_cpu_current_name(id, name, sizeof(name));
	unsigned int idle = idle_permille(id);

	kprintf("%3u online  %-16s %10lu %8lu %8lu %10lu  %3u.%u%%\n", id, name,
		READ_ONCE(c->nr_timer_irqs), smp_ipi_count(id, IPI_RESCHEDULE),
		smp_ipi_count(id, IPI_CALL_FUNCTION), READ_ONCE(c->nr_switches), idle / 10,
		idle % 10);
}

SHELL_CMD(cpus, "list the CPUs: online or not, current thread, interrupts, idle share")
{
	kprintf("CPU STATE   CURRENT          TIMER-IRQS IPI-RESCH IPI-CALL   SWITCHES   IDLE\n");
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		cpus_line(i);
	kprintf("%u of %u CPUs online\n", nr_cpus_online(), nr_cpus_present);
	return 0;
}

static bool parse_cpu_id(const char *s, unsigned int *id)
{
	uint64_t v;
	size_t len = strlen(s);

	if (!len || parse_u64(s, len, &v) != len || v >= NR_CPUS)
		return false;
	*id = (unsigned int)v;
	return true;
}

SHELL_CMD(cpu, "take a CPU offline or bring it back: cpu offline N | cpu online N")
{
	unsigned int id;
	int rc;

	if (argc != 3 || !parse_cpu_id(argv[2], &id) ||
	    (strcmp(argv[1], "offline") && strcmp(argv[1], "online"))) {
		kprintf("usage: cpu offline N | cpu online N (N a CPU number, as `cpus` lists)\n");
		return 1;
	}
	rc = strcmp(argv[1], "offline") ? cpu_online(id) : cpu_offline(id);
	if (rc)
		kprintf("cpu %s %u: refused (%d)\n", argv[1], id, rc);
	return rc ? 1 : 0;
}
