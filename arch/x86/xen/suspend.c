/*
 * Suspending the domain for the toolstack (xl save, xl save -c, xl
 * migrate) and coming back: the one ordered sequence.  What differs
 * between PV and PVH is in the mode (suspend_pvh.c; a mode that cannot
 * suspend yet has none, and "suspend" is then refused), what the drivers
 * do is behind the hooks drivers/xen registers (xen_suspend_set_drivers),
 * so this file names no driver.
 *
 * Down, in order: every other CPU goes offline, the drivers quiesce
 * (frontends stop, the balloon holds, the store is drained and held; one
 * that cannot refuses, and the domain goes on as it was), interrupts go
 * off on the one CPU left, the clock is noted, and the mode makes the
 * suspend hypercall.
 *
 * Xen answers 1 when the suspend was cancelled (xl save -c, a failed
 * migration): everything survived, and the drivers and CPUs just go on.
 * It answers 0 in a new domain, on this host or another, where nothing
 * Xen kept for us survived: in order, the mode's frames and callback
 * (shared info, vcpu_info, the event callback, the store and console
 * ports re-read), the clock (going on from its reading; the time away
 * is reported and added to the boot clock, not counted in sched_clock),
 * the event channels (all forgotten, then this CPU's IPI, kick and timer
 * ports bound again), the timer armed, and only then, interrupts on, the
 * drivers (grant frames, store, console, devices) and the other CPUs,
 * started afresh.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>

const struct xen_suspend_mode *xen_suspend_mode;
static const struct xen_suspend_drivers *xen_suspend_drivers;
static struct xen_suspend_stats xen_suspend_stats;

void xen_suspend_set_drivers(const struct xen_suspend_drivers *d)
{
	xen_suspend_drivers = d;
}

bool xen_suspend_supported(void)
{
	return xen_suspend_mode && xen_suspend_drivers;
}

const struct xen_suspend_stats *xen_suspend_counts(void)
{
	return &xen_suspend_stats;
}

/* Every other CPU offline; which were online, to bring back. */
static int xen_suspend_cpus_down(bool *was_online)
{
	int rc;

	for (unsigned int i = 0; i < NR_CPUS; i++)
		was_online[i] = false;
	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		if (&cpus[i] == this_cpu() || !cpus[i].online)
			continue;
		if ((rc = cpu_offline(i))) {
			pr_err("xen: suspend: CPU %u would not go offline (%d)\n", i, rc);
			return rc;
		}
		was_online[i] = true;
	}
	return 0;
}

static void xen_suspend_cpus_up(const bool *was_online)
{
	int rc;

	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (was_online[i] && (rc = cpu_online(i)))
			pr_err("xen: resume: CPU %u did not come back (%d)\n", i, rc);
}

/* A new domain, interrupts off: what Xen kept for the CPU, again. */
static int xen_resume_cpu_state(void)
{
	int rc;

	if ((rc = xen_suspend_mode->new_domain()))
		return rc;
	xen_suspend_stats.away_ns = xen_time_resume_clock();
	time_note_away(xen_suspend_stats.away_ns);
	evtchn_resume_forget();
	if ((rc = xen_smp_resume_new()))
		return rc;
	return xen_time_prepare_cpu(this_cpu());
}

/* The hypercall and what Xen no longer keeps, interrupts off: 1 when
 * cancelled, 0 in a new domain, or a negative error. */
static long xen_suspend_here(void)
{
	unsigned long flags = local_irq_save();
	long rc;
	int err;

	xen_time_suspend();
	rc = xen_suspend_mode->hypercall();
	if (rc == 0 && (err = xen_resume_cpu_state()))
		panic("xen: resume: the new domain's CPU state could not be set up (%d)", err);
	xen_time_init_cpu();
	local_irq_restore(flags);
	return rc;
}

static const char *xen_suspend_outcome(long rc)
{
	return rc == 1	 ? "cancelled: going on where we were"
	       : rc == 0 ? "resumed in a new domain"
			 : "refused by Xen";
}

static int xen_suspend_on_boot_cpu(void)
{
	bool was_online[NR_CPUS];
	long rc;
	int err;

	/* CPUs first: the drivers hold their locks (a bus's, the store's)
	 * from quiesce to resume, and hotplug's lock comes before them. */
	if ((err = xen_suspend_cpus_down(was_online)) || (err = xen_suspend_drivers->quiesce())) {
		xen_suspend_cpus_up(was_online);
		return err;
	}
	rc = xen_suspend_here();
	xen_suspend_stats.suspends++;
	if (rc == 0)
		xen_suspend_stats.new_domains++;
	xen_suspend_drivers->resume(rc == 0);
	pr_notice("xen: suspend: %s (%ld)\n", xen_suspend_outcome(rc), rc);
	if (rc == 0)
		pr_info("xen: resume: the clock goes on from where it stood; %lu ms away by Xen's "
			"wallclock\n",
			xen_suspend_stats.away_ns / NSEC_PER_MSEC);
	xen_suspend_cpus_up(was_online);
	return rc < 0 ? (int)rc : 0;
}

/* The boot CPU is the one that stays online, so the sequence runs in a
 * thread of its own there; the caller (the store's watch thread, on any
 * CPU) waits for it.  One suspend at a time: requests come one by one
 * from that thread. */
static struct {
	int rc;
	bool done;
	struct wait_queue wq;
	struct spinlock lock;
} xen_suspend_run = {.wq = WAIT_QUEUE_INIT, .lock = SPINLOCK_INIT};

static void xen_suspend_thread(void *arg)
{
	int rc = xen_suspend_on_boot_cpu();
	unsigned long flags = spin_lock_irqsave(&xen_suspend_run.lock);

	xen_suspend_run.rc = rc;
	xen_suspend_run.done = true;
	wq_wake_all(&xen_suspend_run.wq);
	spin_unlock_irqrestore(&xen_suspend_run.lock, flags);
}

static bool xen_suspend_done(void)
{
	unsigned long flags = spin_lock_irqsave(&xen_suspend_run.lock);
	bool done = xen_suspend_run.done;

	spin_unlock_irqrestore(&xen_suspend_run.lock, flags);
	return done;
}

int xen_suspend(void)
{
	if (!xen_suspend_supported())
		return -EOPNOTSUPP;
	xen_suspend_run.done = false;
	if (!thread_create_on("suspend", xen_suspend_thread, NULL, cpumask_of(0)))
		return -ENOMEM;
	wait_event(&xen_suspend_run.wq, xen_suspend_done());
	return xen_suspend_run.rc;
}
