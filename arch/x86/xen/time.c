/*
 * Xen time.  The clock is pvclock: Xen publishes, in each vCPU's
 * vcpu_time_info, its system time at some TSC value and the factor that
 * turns TSC ticks into nanoseconds; the guest extrapolates with rdtsc.
 * Xen may rewrite the record at any time, so it is read under its version
 * number (odd while an update is in progress).  sched_clock counts from
 * the moment the clock was started; kernel/clocksource.c keeps it from
 * running backwards when two records disagree.
 *
 * The event timer is VIRQ_TIMER with VCPUOP_set_singleshot_timer, whose
 * deadline is Xen system time: sched_clock's zero is added back.  A
 * deadline Xen's time has passed is moved ahead of it (by
 * clock_event_min_ahead()), never armed "at once": where the guest's
 * clock stands still that would fire again and again.  The check is made
 * here against xen_system_time() and again by Xen with
 * VCPU_SSHOTTMR_future, whose -ETIME moves it further ahead, a bounded
 * number of times (Xen 4.18 and later ignore the flag, so the first check
 * is the one that counts there).  Steal
 * time comes from the runstate area Xen keeps up to date for us, when it
 * accepts one.
 *
 * Across a suspend (arch/x86/xen/suspend.c) the clock goes on from where
 * it stood: a domain restored from a save, on this host or another, reads
 * a Xen system time that has nothing to do with the old one, so its zero
 * is set again such that sched_clock continues from its last reading, as
 * Linux's does.  The time the domain was away is not counted in it: every
 * timeout running at the save (a block request's, TCP's) would expire at
 * once on a restore minutes later.  It is measured, once, by Xen's
 * wallclock and reported; the time of day is Xen's to give.
 */
#include <amphi/clock_guard.h>
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/x86.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/pvclock.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>
#include <xen/xen.h>
#include <xen/vcpu.h>

/* Xen rewrites the record only while this vCPU is not running, so a
 * version seen odd (or changing) more than a few times is a broken Xen;
 * the bound also keeps the report quick where rdtsc exits to Xen. */
#define PVCLOCK_MAX_TRIES (1UL << 16)
#define RUNSTATE_MAX_TRIES 1000
/* -ETIME answers before the timer is armed without the flag. */
#define XEN_TIMER_ETIME_TRIES 4

/* Xen system time at sched_clock 0.  After a restore it may be "below
 * zero" (a host up for less time than the guest has run): the arithmetic
 * is modulo 2^64, and xen_timer_set_next takes it as signed. */
static uint64_t xen_clock_base;
static bool xen_clock_ready;
/* Each vCPU's runstate area and timer port, by CPU id. */
static struct vcpu_runstate_info xen_runstates[NR_CPUS] __aligned(64);
static bool xen_runstate_oks[NR_CPUS];
static int xen_timer_evtchns[NR_CPUS] = {[0 ... NR_CPUS - 1] = -1};
static uint64_t xen_timer_counts[NR_CPUS];
static unsigned long xen_timer_errors;
#define xen_runstate_ok (xen_runstate_oks[smp_processor_id()])
#define xen_timer_evtchn (xen_timer_evtchns[smp_processor_id()])

static long xen_vcpu_op(int cmd, void *arg)
{
	return hypercall_vcpu_op(cmd, this_cpu()->xen_vcpu_id, arg);
}

/* The 64x32 multiply is done in two halves so no 128-bit type is needed:
 * (hi * 2^32 + lo) * mul >> 32 == hi * mul + (lo * mul >> 32). */
uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return (delta >> 32) * mul + (((delta & 0xffffffffULL) * mul) >> 32);
}

/* lfence keeps rdtsc from running ahead of the loads it is paired with. */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
	return rdtsc();
}

uint64_t xen_system_time(void)
{
	const volatile struct vcpu_time_info *t = &this_cpu()->vcpu_info->time;

	for (unsigned long tries = 0; tries < PVCLOCK_MAX_TRIES; tries++) {
		uint32_t version = t->version;
		barrier();
		uint64_t stamp = t->tsc_timestamp, system = t->system_time;
		uint32_t mul = t->tsc_to_system_mul;
		int8_t shift = t->tsc_shift;
		uint64_t tsc = rdtsc_ordered();

		if ((version & 1) || version != t->version)
			continue;
		/* A TSC read just before the record's stamp counts as no time. */
		uint64_t delta = (int64_t)(tsc - stamp) > 0 ? tsc - stamp : 0;
		return system + pvclock_scale(delta, mul, shift);
	}
	panic("pvclock: vcpu_time_info version stuck at %u", t->version);
}

void xen_clock_start(void)
{
	if (xen_clock_ready || !xen_shared_info)
		return;
	xen_clock_base = xen_system_time();
	__atomic_store_n(&xen_clock_ready, true, __ATOMIC_RELEASE);
}

uint64_t xen_clock_zero(void)
{
	return xen_clock_base;
}

static uint64_t xen_sched_clock(void)
{
	if (!__atomic_load_n(&xen_clock_ready, __ATOMIC_ACQUIRE))
		return 0;
	return clocksource_filter(xen_system_time() - xen_clock_base);
}

/* Xen updates the area whenever the vCPU changes state: a copy is good
 * when the entry time did not change under it and no update was flagged.
 * A vCPU waiting to run now (another CPU asks about it) has been losing
 * time since it entered that state, which the totals do not show yet. */
static uint64_t xen_steal_now(const struct vcpu_runstate_info *r)
{
	uint64_t now = xen_system_time();

	if (r->state != RUNSTATE_runnable && r->state != RUNSTATE_offline)
		return 0;
	return now > r->state_entry_time ? now - r->state_entry_time : 0;
}

static uint64_t xen_steal_clock(int cpu)
{
	struct vcpu_runstate_info r;

	if (cpu < 0 || cpu >= NR_CPUS || !xen_runstate_oks[cpu])
		return 0;
	const volatile struct vcpu_runstate_info *area = &xen_runstates[cpu];

	for (int tries = 0; tries < RUNSTATE_MAX_TRIES; tries++) {
		uint64_t entry = area->state_entry_time;
		barrier();
		r = *(const struct vcpu_runstate_info *)area;
		barrier();
		if (entry == area->state_entry_time && !(entry & XEN_RUNSTATE_UPDATE))
			return r.time[RUNSTATE_runnable] + r.time[RUNSTATE_offline] +
			       xen_steal_now(&r);
	}
	return 0;
}

/* With the update flag Xen marks the area while it rewrites it; without
 * it (older Xen) the entry-time check alone has to catch a torn copy. */
static void xen_runstate_register(void)
{
	struct vcpu_register_runstate_memory_area area = {.addr.v =
							      &xen_runstates[smp_processor_id()]};

	HC(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0, 0, 0);
	xen_runstate_ok = xen_vcpu_op(VCPUOP_register_runstate_memory_area, &area) == 0;
}

/* Xen's wallclock now, in ns since the epoch: the shared info page's
 * time of system time 0, plus system time. */
uint64_t xen_wallclock_ns(void)
{
	const volatile struct shared_info *s = xen_shared_info;

	for (unsigned long tries = 0; tries < PVCLOCK_MAX_TRIES; tries++) {
		uint32_t version = s->wc_version;
		barrier();
		uint64_t sec = s->wc_sec | (uint64_t)s->xen_wc_sec_hi << 32;
		uint64_t ns = sec * NSEC_PER_SEC + s->wc_nsec + xen_system_time();

		barrier();
		if (!(version & 1) && version == s->wc_version)
			return ns;
	}
	return 0;
}

static uint64_t xen_suspended_clock, xen_suspended_wall;

/* On the one CPU left, interrupts off, before the suspend hypercall. */
void xen_time_suspend(void)
{
	xen_suspended_clock = sched_clock();
	xen_suspended_wall = xen_wallclock_ns();
}

/* After the hypercall, in a new domain: sched_clock's zero moved so that
 * it goes on from the reading before.  The time away by Xen's wallclock,
 * in ns (0 when that went back). */
uint64_t xen_time_resume_clock(void)
{
	uint64_t wall = xen_wallclock_ns();

	xen_clock_base = xen_system_time() - xen_suspended_clock;
	return wall > xen_suspended_wall && xen_suspended_wall ? wall - xen_suspended_wall : 0;
}

void xen_time_ops_init(void)
{
	xen_clock_start();
	xen_runstate_register();
	pv_ops.time.sched_clock = xen_sched_clock;
	pv_ops.time.steal_clock = xen_steal_clock;
}

static bool xen_timer_etime_seen;

static long xen_timer_arm(uint64_t xen_ns, uint32_t flags)
{
	struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = xen_ns, .flags = flags};

	return xen_vcpu_op(VCPUOP_set_singleshot_timer, &t);
}

/* An absolute Xen time, at least `ahead` past Xen's now, doubling `ahead`
 * at each -ETIME.  If Xen still finds every try past, the timer is armed
 * without the flag (it fires at once) rather than left unarmed. */
static long xen_timer_arm_ahead(uint64_t xen_ns, uint64_t ahead)
{
	long rc;

	xen_ns = clock_deadline_forward(xen_ns, xen_system_time(), ahead);
	rc = xen_timer_arm(xen_ns, VCPU_SSHOTTMR_future);
	if (rc == -ETIME && !xen_timer_etime_seen) {
		xen_timer_etime_seen = true;
		pr_info("xen: Xen answered -ETIME to a deadline it found past; moving it ahead\n");
	}
	for (int i = 0; rc == -ETIME && i < XEN_TIMER_ETIME_TRIES; i++) {
		xen_ns = xen_system_time() + (ahead << (i + 1));
		rc = xen_timer_arm(xen_ns, VCPU_SSHOTTMR_future);
	}
	if (rc == -ETIME)
		rc = xen_timer_arm(xen_ns, 0) ?: -ETIME;
	return rc;
}

/* Called with interrupts off.  A deadline past what Xen's clock can hold
 * means "never": the timer is stopped rather than wrapped to the past. */
static void xen_timer_set_next(uint64_t deadline_ns)
{
	long rc;

	int64_t base = (int64_t)xen_clock_base;
	uint64_t xen_ns = deadline_ns + xen_clock_base;

	if (base >= 0 && deadline_ns > UINT64_MAX - xen_clock_base)
		rc = xen_vcpu_op(VCPUOP_stop_singleshot_timer, NULL);
	else
		rc = xen_timer_arm_ahead(base < 0 && deadline_ns < (uint64_t)-base ? 0 : xen_ns,
					 clock_event_min_ahead());
	if (rc && xen_timer_errors++ < 5)
		pr_err("xen: arming the single-shot timer for %lu ns failed (%ld)\n", deadline_ns,
		       rc);
}

struct clock_event xen_clock_event = {
    .name = "xen-singleshot",
    .set_next = xen_timer_set_next,
};

static void xen_timer_virq(evtchn_port_t port, void *arg)
{
	xen_timer_counts[smp_processor_id()]++;
	timer_interrupt();
}

int xen_timer_port(void)
{
	return xen_timer_evtchn;
}

uint64_t xen_timer_virqs(void)
{
	return xen_timer_counts[smp_processor_id()];
}

int xen_time_prepare_cpu(const struct cpu *c)
{
	int port = evtchn_bind_virq_vcpu(VIRQ_TIMER, c->xen_vcpu_id, xen_timer_virq, NULL, "timer");

	if (port < 0)
		return port;
	xen_timer_evtchns[c->id] = port;
	return 0;
}

void xen_time_init_cpu(void)
{
	long rc = xen_vcpu_op(VCPUOP_stop_periodic_timer, NULL);

	if (rc)
		pr_warn("xen: CPU %u: stopping the periodic timer failed (%ld)\n",
			smp_processor_id(), rc);
	xen_runstate_register();
	clock_event_start_cpu();
}

/* The TSC rate the record implies: (10^9 << 32) / mul, undone shift. */
static uint64_t xen_tsc_khz(void)
{
	const struct vcpu_time_info *t = &this_cpu()->vcpu_info->time;
	uint64_t hz;

	if (!t->tsc_to_system_mul)
		return 0;
	hz = (NSEC_PER_SEC << 32) / t->tsc_to_system_mul;
	hz = t->tsc_shift >= 0 ? hz >> t->tsc_shift : hz << -t->tsc_shift;
	return hz / 1000;
}

void xen_time_init(void)
{
	long rc;

	if (!xen_clock_ready)
		panic("xen: pvclock never started (no shared info page)");
	/* A PV vCPU may start with a periodic tick we do not want. */
	rc = xen_vcpu_op(VCPUOP_stop_periodic_timer, NULL);
	if (rc)
		pr_warn("xen: stopping the periodic timer failed (%ld)\n", rc);
	xen_timer_evtchn = evtchn_bind_virq(VIRQ_TIMER, xen_timer_virq, NULL, "timer");
	if (xen_timer_evtchn < 0)
		panic("xen: binding VIRQ_TIMER failed (%d)", xen_timer_evtchn);
	clock_event_register(&xen_clock_event);
	pr_info("xen: pvclock (TSC %lu kHz), sched_clock zero at Xen time %lu ns, "
		"VIRQ_TIMER on port %d, steal time %s\n",
		xen_tsc_khz(), xen_clock_base, xen_timer_evtchn,
		xen_runstate_ok ? "from the runstate area" : "unavailable");
}
