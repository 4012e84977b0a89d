/*
 * Taking CPUs offline and back online, for the shell's `cpu` command and
 * Xen's vCPU hotplug (xl vcpu-set).  One change at a time, under a mutex.
 *
 * Offline: the CPU stops taking new work at once (online cleared), and a
 * reschedule IPI sends it to its idle thread, which hands its queued
 * threads, its timers and its pending calls to online CPUs and stops it
 * through the platform (kernel/sched.c: sched_cpu_die).  Online: the
 * platform starts it again (INIT-SIPI-SIPI natively; VCPUOP_up on Xen,
 * where the vCPU resumes in place), and it says it is online.
 *
 * The boot CPU stays online: the boot thread and the devices' interrupts
 * live there.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/mutex.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/time.h>

#define HOTPLUG_WAIT_NS (5 * NSEC_PER_SEC)

static struct mutex hotplug_lock = MUTEX_INIT;

static int hotplug_check(unsigned int id, bool want_online)
{
	if (id >= nr_cpus_present) {
		pr_err("cpu: there is no CPU %u (%u present)\n", id, nr_cpus_present);
		return -ENODEV;
	}
	if (!platform_ops.cpu_die || !platform_ops.cpu_revive) {
		pr_err("cpu: this platform cannot take CPUs offline\n");
		return -ENOSYS;
	}
	if (READ_ONCE(cpus[id].online) == want_online) {
		pr_info("cpu: CPU %u is already %s\n", id, want_online ? "online" : "offline");
		return -EALREADY;
	}
	if (!want_online && id == 0) {
		pr_err("cpu: CPU 0 is the boot CPU and stays online\n");
		return -EBUSY;
	}
	if (!want_online && nr_cpus_online() == 1) {
		pr_err("cpu: CPU %u is the last one online\n", id);
		return -EBUSY;
	}
	return 0;
}

static bool wait_flag(volatile bool *flag, bool want)
{
	uint64_t end = sched_clock() + HOTPLUG_WAIT_NS;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != want)
		if (sched_clock() > end)
			return false;
		else
			sleep_ns(NSEC_PER_MSEC);
	return true;
}

static int cpu_take_down(struct cpu *c)
{
	c->going_down = true;
	smp_send_reschedule(c->id);
	if (!wait_flag(&c->down, true)) {
		pr_err("cpu: CPU %u did not stop within 5 s\n", c->id);
		return -ETIMEDOUT;
	}
	pr_info("cpu: CPU %u offline\n", c->id);
	return 0;
}

/* A CPU that resumes in place clears these itself; one that starts
 * afresh must not find them set. */
static int cpu_bring_up(struct cpu *c)
{
	int rc;

	c->going_down = false;
	__atomic_store_n(&c->down, false, __ATOMIC_RELEASE);
	rc = platform_ops.cpu_revive(c);

	if (rc) {
		pr_err("cpu: CPU %u could not be started again (%d)\n", c->id, rc);
		return rc;
	}
	if (!wait_flag(&c->online, true)) {
		pr_err("cpu: CPU %u did not come back within 5 s\n", c->id);
		return -ETIMEDOUT;
	}
	pr_info("cpu: CPU %u online\n", c->id);
	return 0;
}

int cpu_offline(unsigned int id)
{
	int rc;

	mutex_lock(&hotplug_lock);
	if (!(rc = hotplug_check(id, false)))
		rc = cpu_take_down(&cpus[id]);
	mutex_unlock(&hotplug_lock);
	return rc;
}

int cpu_online(unsigned int id)
{
	int rc;

	mutex_lock(&hotplug_lock);
	rc = hotplug_check(id, true);
	if (!rc && !cpus[id].down) {
		pr_err("cpu: CPU %u never came up, so cannot be brought back\n", id);
		rc = -EIO;
	}
	if (!rc)
		rc = cpu_bring_up(&cpus[id]);
	mutex_unlock(&hotplug_lock);
	return rc;
}
