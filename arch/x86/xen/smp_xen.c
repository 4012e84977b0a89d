/*
 * The vCPUs of a Xen guest, PV or PVH: Xen numbers them from 0 up to the
 * domain's maximum, and VCPUOP_is_up answers for each that exists (up or
 * down) and refuses with -ENOENT past the last.  vCPU 0 is the one the
 * domain boots on.  Starting one differs per mode (smp_pvh.c, smp_pv.c):
 * each gets the vCPU going and the new vCPU says it is online here.
 *
 * A vCPU goes offline by VCPUOP_down on itself, once the event channels
 * of devices bound to it have moved to an online CPU, and comes back
 * where it stopped with VCPUOP_up.
 *
 * IPIs are event channels: for each vCPU, one port per kind bound to it
 * with EVTCHNOP_bind_ipi before it starts; sending one is EVTCHNOP_send.
 *
 * In a domain restored from a save (arch/x86/xen/suspend.c) the vCPUs
 * that were down have no state in Xen: they start afresh, as at boot.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/time.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <drivers/xen/events.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/vcpu.h>

/* Far above any domain's vCPU count: the loop ends at Xen's -ENOENT. */
#define XEN_VCPUS_LIMIT 8192
#define XEN_ONLINE_WAIT_NS (5 * NSEC_PER_SEC) /* a nested, emulated Xen under load is slow */

/* The vCPUs into cpus[]; how they were found, for the report. */
static void xen_smp_enumerate(char *how, size_t len)
{
	unsigned int vcpus = 1;

	for (unsigned int v = 1; v < XEN_VCPUS_LIMIT; v++) {
		struct cpu *c;

		if (hypercall_vcpu_op(VCPUOP_is_up, v, NULL) < 0)
			break;
		vcpus++;
		if ((c = cpu_add_present()))
			c->xen_vcpu_id = v;
	}
	snprintf(how, len, "Xen: %u vCPU%s", vcpus, vcpus == 1 ? "" : "s");
}

static void xen_ipi_event(evtchn_port_t port, void *kind)
{
	(void)port;
	smp_ipi_received((enum ipi_kind)(uintptr_t)kind);
}

/* The vCPU's IPI ports, bound to it before it runs. */
static int xen_smp_bind_ipis(struct cpu *c)
{
	static const char *const names[IPI_KINDS] = {"ipi-resched", "ipi-call"};

	for (unsigned int k = 0; k < IPI_KINDS; k++) {
		int port = evtchn_bind_ipi_vcpu(c->xen_vcpu_id, xen_ipi_event, (void *)(uintptr_t)k,
						names[k]);

		c->xen_ipi_port[k] = port;
		if (port < 0)
			return port;
	}
	return 0;
}

void xen_send_ipi(unsigned int id, enum ipi_kind kind)
{
	int rc = evtchn_send((evtchn_port_t)cpus[id].xen_ipi_port[kind]);

	if (rc)
		pr_err("smp: IPI %u to vCPU %u failed (%d)\n", kind, cpus[id].xen_vcpu_id, rc);
}

static int xen_cpu_start(int (*cpu_up)(struct cpu *c), struct cpu *c)
{
	int rc = xen_smp_bind_ipis(c);

	if (!rc && (rc = cpu_up(c)) == 0 && !cpu_wait_online(c, XEN_ONLINE_WAIT_NS))
		rc = -ETIMEDOUT;
	return rc;
}

/* A vCPU going offline hands its devices' event channels to an online
 * CPU and stops itself; it resumes right here when VCPUOP_up starts it
 * again. */
void xen_cpu_die(void)
{
	long rc;

	struct cpu *c = this_cpu();

	evtchn_cpu_offline(smp_processor_id());
	rc = hypercall_vcpu_op(VCPUOP_down, c->xen_vcpu_id, NULL);

	if (rc)
		panic("smp: vCPU %u could not stop itself (%ld)", c->xen_vcpu_id, rc);
	if (c->xen_restart_in_die) {
		/* Up again in a restored domain that kept this vCPU's state:
		 * everything else was set up afresh for it (xen_cpu_restart),
		 * its idle thread's first frame too, far above this one. */
		c->xen_restart_in_die = false;
		xen_ap_main();
	}
}

/* The mode's way of starting a vCPU, kept for starting one afresh, and
 * the function a new vCPU of the mode runs first (what a restored vCPU
 * kept down in xen_cpu_die goes on with). */
static int (*xen_cpu_up_fn)(struct cpu *c);
void (*xen_ap_main)(void);

/* A vCPU of a domain restored from a save: Xen has no state for it (the
 * save kept no vCPU that was down), so it starts as at boot, with new
 * ports, and its idle thread starts over. */
static int xen_cpu_restart(struct cpu *c)
{
	int rc;

	c->vcpu_info = NULL;
	if (!xen_cpu_up_fn || !xen_ap_main)
		rc = -ENODEV;
	else if (!(rc = xen_spinlock_prepare_cpu(c)))
		rc = xen_cpu_start(xen_cpu_up_fn, c);
	c->xen_fresh = false;
	return rc;
}

/* In a domain restored from a save, on the one CPU left, its event
 * channels forgotten: this CPU's IPI and kick ports bound again, and
 * every other vCPU marked to start afresh when it comes back. */
int xen_smp_resume_new(void)
{
	struct cpu *me = this_cpu();
	int rc;

	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (&cpus[i] != me)
			cpus[i].xen_fresh = true;
	if ((rc = xen_smp_bind_ipis(me)))
		return rc;
	return xen_spinlock_prepare_cpu(me);
}

/* Only once Xen has it down: an up that came first would be lost. */
int xen_cpu_revive(struct cpu *c)
{
	uint64_t end = sched_clock() + XEN_ONLINE_WAIT_NS;
	long rc;

	if (c->xen_fresh)
		return xen_cpu_restart(c);
	while ((rc = hypercall_vcpu_op(VCPUOP_is_up, c->xen_vcpu_id, NULL)) > 0)
		if (sched_clock() > end)
			return -ETIMEDOUT;
		else
			sleep_ns(NSEC_PER_MSEC);
	if (rc < 0)
		return (int)rc;
	return (int)hypercall_vcpu_op(VCPUOP_up, c->xen_vcpu_id, NULL);
}

void xen_smp_init_with(int (*cpu_up)(struct cpu *c))
{
	char how[48];
	int rc;

	xen_cpu_up_fn = cpu_up;
	xen_smp_enumerate(how, sizeof(how));
	if ((rc = xen_smp_bind_ipis(&cpus[0])))
		panic("smp: no IPI ports for vCPU 0 (%d)", rc);
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		xen_spinlock_prepare_cpu(&cpus[i]); /* vCPU 0's kick port too */
	for (unsigned int i = 1; cpu_up && i < nr_cpus_present; i++)
		if ((rc = xen_cpu_start(cpu_up, &cpus[i])))
			pr_err("smp: vCPU %u did not come up (%d)\n", cpus[i].xen_vcpu_id, rc);
	smp_report(how);
}
