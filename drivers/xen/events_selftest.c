/*
 * Selftests of event channels: delivery, masking, the fairness of the
 * scan, a port moved to each vCPU in turn, and one moved off a CPU that
 * goes offline.  They need real Xen (the
 * shared info page, ports Xen allocates), so elsewhere they skip and say
 * so.  Every wait is bounded by the clock and by a spin count, so a lost
 * event ends as a failure with a reason, never a hang.  They run with
 * interrupts on, from the selftest thread, and close every port they
 * bind.
 */
#include <amphi/cpu.h>
#include <amphi/irq.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/x86.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>

#define WAIT_MAX_SPINS (1UL << 27)
#define FAIRNESS_LIMIT 1000

static enum selftest_result need_xen(struct selftest_ctx *ctx)
{
	if (!xen_shared_info)
		return selftest_skip(ctx, "not running on Xen (no shared info page)");
	if (irqs_disabled())
		return selftest_error(ctx, "interrupts are off: events cannot be delivered");
	return SELFTEST_SUCCESS;
}

/* Spins, interrupts on, until *counter reaches `want` or `ns` pass. */
static bool wait_count(volatile uint64_t *counter, uint64_t want, uint64_t ns)
{
	uint64_t start = sched_clock();

	for (unsigned long i = 0; i < WAIT_MAX_SPINS && *counter < want; i++) {
		if (sched_clock() - start > ns)
			break;
		cpu_relax();
	}
	return *counter >= want;
}

static void count_event(evtchn_port_t port, void *arg)
{
	(*(volatile uint64_t *)arg)++;
}

SELFTEST(evtchn_ipi)
{
	static volatile uint64_t hits;
	enum selftest_result r = need_xen(ctx);
	uint64_t t0, took;
	int port;

	if (r != SELFTEST_SUCCESS)
		return r;
	hits = 0;
	port = evtchn_bind_ipi(count_event, (void *)&hits, "selftest-ipi");
	if (port < 0)
		return selftest_error(ctx, "EVTCHNOP_bind_ipi failed (%d)", port);
	t0 = sched_clock();
	evtchn_send((evtchn_port_t)port);
	bool ok = wait_count(&hits, 1, 100 * NSEC_PER_MSEC);
	took = sched_clock() - t0;
	bool pending = evtchn_is_pending((evtchn_port_t)port);
	evtchn_close((evtchn_port_t)port);
	if (!ok)
		return selftest_fail(ctx,
				     "port %d: sent to ourselves, not delivered in 100 ms "
				     "(pending %d)",
				     port, pending);
	return selftest_pass(ctx, "port %d delivered %lu time(s), %lu us after the send", port,
			     hits, took / NSEC_PER_USEC);
}

static enum selftest_result mask_verdict(struct selftest_ctx *ctx, int port, const uint64_t seen[4],
					 bool pending)
{
	if (seen[0])
		return selftest_fail(ctx, "port %d delivered while masked", port);
	if (!pending)
		return selftest_fail(ctx, "port %d: the send left no pending bit", port);
	if (!seen[2])
		return selftest_fail(ctx,
				     "port %d: pending while masked, not delivered within "
				     "100 ms of the unmask",
				     port);
	if (!seen[1])
		return selftest_fail(ctx,
				     "port %d: delivered only %lu us after the unmask, not "
				     "by its return: the unmask did not raise it",
				     port, seen[3]);
	if (seen[2] != 1)
		return selftest_fail(ctx, "port %d: one send, %lu deliveries", port, seen[2]);
	return selftest_pass(ctx, "port %d held while masked, delivered once by the unmask", port);
}

/* A masked port must hold its event, and the unmask must deliver it
 * before it returns (interrupts on): the ABI leaves re-raising it to the
 * guest.  Waiting for it instead would let the next timer tick's scan
 * cover for an unmask that forgot. */
SELFTEST(evtchn_mask)
{
	static volatile uint64_t hits;
	enum selftest_result r = need_xen(ctx);
	uint64_t seen[4], t0;
	int port;

	if (r != SELFTEST_SUCCESS)
		return r;
	hits = 0;
	port = evtchn_bind_ipi(count_event, (void *)&hits, "selftest-mask");
	if (port < 0)
		return selftest_error(ctx, "EVTCHNOP_bind_ipi failed (%d)", port);
	evtchn_mask((evtchn_port_t)port);
	evtchn_send((evtchn_port_t)port);
	wait_count(&hits, 1, 20 * NSEC_PER_MSEC);
	seen[0] = hits;
	bool pending = evtchn_is_pending((evtchn_port_t)port);
	t0 = sched_clock();
	evtchn_unmask((evtchn_port_t)port);
	seen[1] = hits;
	wait_count(&hits, 1, 100 * NSEC_PER_MSEC);
	seen[3] = (sched_clock() - t0) / NSEC_PER_USEC;
	wait_count(&hits, 2, 10 * NSEC_PER_MSEC); /* a duplicate would show here */
	seen[2] = hits;
	evtchn_close((evtchn_port_t)port);
	return mask_verdict(ctx, port, seen, pending);
}

/* Two IPI ports, both pending at once; the lower-numbered one is the busy
 * one and re-raises itself from its handler.  A scan that always restarted
 * at port 0 would serve it FAIRNESS_LIMIT times before the other; a round
 * robin serves the other within a pass.  The quiet port records how often
 * the busy one had run when its own turn came. */
static volatile uint64_t fair_busy_hits, fair_quiet_hits, fair_busy_at_quiet;
static evtchn_port_t fair_busy_port;

static void fair_event(evtchn_port_t port, void *arg)
{
	if (port == fair_busy_port) {
		if (++fair_busy_hits < FAIRNESS_LIMIT)
			evtchn_send(port);
	} else if (fair_quiet_hits++ == 0) {
		fair_busy_at_quiet = fair_busy_hits;
	}
}

static enum selftest_result fair_check(struct selftest_ctx *ctx, bool served, int busy, int quiet)
{
	if (!served)
		return selftest_fail(ctx,
				     "quiet port %d never served in 2 s (busy port %d ran "
				     "%lu times)",
				     quiet, busy, fair_busy_hits);
	if (fair_busy_at_quiet > 2)
		return selftest_fail(ctx,
				     "quiet port %d waited for %lu deliveries of busy port "
				     "%d",
				     quiet, fair_busy_at_quiet, busy);
	return selftest_pass(ctx,
			     "quiet port %d served after %lu of busy port %d's %lu "
			     "deliveries",
			     quiet, fair_busy_at_quiet, busy, fair_busy_hits);
}

SELFTEST(evtchn_fairness)
{
	enum selftest_result r = need_xen(ctx);
	int a, b;

	if (r != SELFTEST_SUCCESS)
		return r;
	fair_busy_hits = fair_quiet_hits = fair_busy_at_quiet = 0;
	fair_busy_port = EVTCHN_NR_PORTS;
	a = evtchn_bind_ipi(fair_event, NULL, "selftest-fair");
	b = evtchn_bind_ipi(fair_event, NULL, "selftest-fair");
	if (a < 0 || b < 0) {
		if (a >= 0)
			evtchn_close((evtchn_port_t)a);
		if (b >= 0)
			evtchn_close((evtchn_port_t)b);
		return selftest_error(ctx, "EVTCHNOP_bind_ipi failed (%d, %d)", a, b);
	}
	int busy = MIN(a, b), quiet = MAX(a, b);
	fair_busy_port = (evtchn_port_t)busy;
	unsigned long flags = local_irq_save();
	evtchn_send((evtchn_port_t)busy);
	evtchn_send((evtchn_port_t)quiet);
	local_irq_restore(flags);
	bool served = wait_count(&fair_quiet_hits, 1, 2 * NSEC_PER_SEC);
	wait_count(&fair_busy_hits, FAIRNESS_LIMIT, 2 * NSEC_PER_SEC);
	evtchn_close((evtchn_port_t)a);
	evtchn_close((evtchn_port_t)b);
	return fair_check(ctx, served, busy, quiet);
}

/* Three IPI ports p0 < p1 < p2, everything with events off and the
 * upcall run by hand, so nothing else moves the scan between the steps.
 * Once p1 was served, a scan of p0 and p2 must take p2 first: it resumes
 * after p1 instead of starting over at port 0.  A foreign port (the timer)
 * served after p1 would move the start, so that round is retried. */
static evtchn_port_t rr_order[2];
static unsigned int rr_served;

static void rr_event(evtchn_port_t port, void *arg)
{
	if (rr_served < ARRAY_SIZE(rr_order))
		rr_order[rr_served] = port;
	rr_served++;
}

static void rr_upcall(void)
{
	irq_depth++;
	evtchn_do_upcall();
	irq_depth--;
}

static bool rr_round(const evtchn_port_t p[3])
{
	unsigned long flags = local_irq_save();
	bool clean;

	evtchn_send(p[1]);
	rr_upcall();
	clean = evtchn_scan_next() == p[1] + 1;
	rr_served = 0;
	evtchn_send(p[0]);
	evtchn_send(p[2]);
	rr_upcall();
	local_irq_restore(flags);
	return clean;
}

static void sort3(int v[3])
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (v[j] > v[j + 1]) {
				int t = v[j];
				v[j] = v[j + 1];
				v[j + 1] = t;
			}
}

SELFTEST(evtchn_round_robin)
{
	enum selftest_result r = need_xen(ctx);
	int v[3];
	evtchn_port_t p[3];
	bool clean = false;

	if (r != SELFTEST_SUCCESS)
		return r;
	for (int i = 0; i < 3; i++)
		v[i] = evtchn_bind_ipi(rr_event, NULL, "selftest-rr");
	if (v[0] < 0 || v[1] < 0 || v[2] < 0) {
		for (int i = 0; i < 3; i++)
			if (v[i] >= 0)
				evtchn_close((evtchn_port_t)v[i]);
		return selftest_error(ctx, "EVTCHNOP_bind_ipi failed (%d, %d, %d)", v[0], v[1],
				      v[2]);
	}
	sort3(v);
	for (int i = 0; i < 3; i++)
		p[i] = (evtchn_port_t)v[i];
	for (int tries = 0; tries < 5 && !clean; tries++)
		clean = rr_round(p);
	for (int i = 0; i < 3; i++)
		evtchn_close(p[i]);
	if (!clean)
		return selftest_error(ctx, "another port was served after port %u in 5 tries",
				      p[1]);
	if (rr_served != 2)
		return selftest_fail(ctx, "2 ports pending, %u deliveries", rr_served);
	if (rr_order[0] != p[2])
		return selftest_fail(ctx, "after port %u the scan took %u before %u", p[1],
				     rr_order[0], rr_order[1]);
	return selftest_pass(ctx, "after port %u: %u, then %u", p[1], rr_order[0], rr_order[1]);
}

/* A loopback pair (an unbound port of ours, and the port that binds to
 * it): a send on `peer` is an event on `port`, which is moved to each
 * online CPU's vCPU in turn and must be delivered there, once, and the
 * table must say where it is bound. */
static struct {
	volatile uint64_t hits;
	volatile int cpu;
} bv;

static void bv_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	bv.cpu = (int)smp_processor_id();
	bv.hits++;
}

static void bv_peer_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

static enum selftest_result bv_round(struct selftest_ctx *ctx, int port, int peer, unsigned int cpu)
{
	int rc = evtchn_bind_vcpu((evtchn_port_t)port, cpu);
	uint64_t before = bv.hits;

	if (rc)
		return selftest_fail(ctx, "EVTCHNOP_bind_vcpu of port %d to CPU %u failed (%d)",
				     port, cpu, rc);
	if (evtchn_port_vcpu((evtchn_port_t)port) != (int)cpus[cpu].xen_vcpu_id)
		return selftest_fail(ctx, "port %d moved to vCPU %u, the table says vCPU %d", port,
				     cpus[cpu].xen_vcpu_id, evtchn_port_vcpu((evtchn_port_t)port));
	bv.cpu = -1;
	evtchn_send((evtchn_port_t)peer);
	/* Long: the vCPU may wait to be run on a loaded emulated host, and a
	 * lost event never comes anyway. */
	bool ok = wait_count(&bv.hits, before + 1, 2 * NSEC_PER_SEC);
	wait_count(&bv.hits, before + 2, 10 * NSEC_PER_MSEC); /* a duplicate would show */
	if (!ok)
		return selftest_fail(ctx, "port %d on CPU %u: not delivered in 2 s (pending %d)",
				     port, cpu, evtchn_is_pending((evtchn_port_t)port));
	if (bv.hits != before + 1)
		return selftest_fail(ctx, "port %d on CPU %u: one send, %lu deliveries", port, cpu,
				     bv.hits - before);
	if (bv.cpu != (int)cpu)
		return selftest_fail(ctx, "port %d bound to CPU %u was delivered on CPU %d", port,
				     cpu, bv.cpu);
	return SELFTEST_SUCCESS;
}

SELFTEST(evtchn_bind_vcpu)
{
	enum selftest_result r = need_xen(ctx);
	unsigned int moved = 0;
	int port, peer;

	if (r != SELFTEST_SUCCESS)
		return r;
	bv.hits = 0;
	port = evtchn_alloc_unbound(DOMID_SELF, bv_event, NULL, "selftest-vcpu");
	if (port < 0)
		return selftest_error(ctx, "EVTCHNOP_alloc_unbound failed (%d)", port);
	peer = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)port, bv_peer_event, NULL,
				       "selftest-vcpu-peer");
	if (peer < 0) {
		evtchn_close((evtchn_port_t)port);
		return selftest_error(ctx, "EVTCHNOP_bind_interdomain to ourselves failed (%d)",
				      peer);
	}
	/* Down the CPUs, then up again: every CPU is a move's source and its
	 * destination. */
	for (unsigned int i = 2 * nr_cpus_present; r == SELFTEST_SUCCESS && i-- > 0;) {
		unsigned int cpu =
		    i < nr_cpus_present ? nr_cpus_present - 1 - i : i - nr_cpus_present;

		if (!cpus[cpu].online)
			continue;
		r = bv_round(ctx, port, peer, cpu);
		moved++;
	}
	evtchn_close((evtchn_port_t)peer);
	evtchn_close((evtchn_port_t)port);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "port %d moved %u times over %u CPUs, each event delivered "
			     "once on the CPU it was bound to",
			     port, moved, nr_cpus_online());
}

/* A port bound to a CPU that goes offline must not wait for it: it moves
 * to an online CPU, where its events are delivered, and the CPU comes
 * back. */
static enum selftest_result bo_offline(struct selftest_ctx *ctx, int port, int peer,
				       unsigned int cpu)
{
	int rc = evtchn_bind_vcpu((evtchn_port_t)port, cpu), vcpu;
	uint64_t before = bv.hits;

	if (rc)
		return selftest_error(ctx, "EVTCHNOP_bind_vcpu to CPU %u failed (%d)", cpu, rc);
	if ((rc = cpu_offline(cpu)))
		return selftest_error(ctx, "CPU %u did not go offline (%d)", cpu, rc);
	vcpu = evtchn_port_vcpu((evtchn_port_t)port);
	bv.cpu = -1;
	evtchn_send((evtchn_port_t)peer);
	bool ok = wait_count(&bv.hits, before + 1, 2 * NSEC_PER_SEC);
	if ((rc = cpu_online(cpu)))
		return selftest_error(ctx, "CPU %u did not come back online (%d)", cpu, rc);
	if (!ok)
		return selftest_fail(ctx,
				     "port %d, bound to CPU %u: not delivered in 2 s while that "
				     "CPU was offline",
				     port, cpu);
	if (vcpu == (int)cpus[cpu].xen_vcpu_id)
		return selftest_fail(ctx, "port %d stayed bound to vCPU %d, offline", port, vcpu);
	if (bv.cpu == (int)cpu || !cpus[bv.cpu].online)
		return selftest_fail(ctx, "port %d delivered on CPU %d, which was offline", port,
				     bv.cpu);
	return SELFTEST_SUCCESS;
}

SELFTEST(evtchn_cpu_offline)
{
	enum selftest_result r = need_xen(ctx);
	unsigned int cpu = nr_cpus_present - 1;
	int port, peer;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (nr_cpus_online() < 2 || !cpus[cpu].online || cpu == smp_processor_id())
		return selftest_skip(ctx, "one CPU online: none to take offline");
	bv.hits = 0;
	port = evtchn_alloc_unbound(DOMID_SELF, bv_event, NULL, "selftest-offline");
	if (port < 0)
		return selftest_error(ctx, "EVTCHNOP_alloc_unbound failed (%d)", port);
	peer = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)port, bv_peer_event, NULL,
				       "selftest-offline-peer");
	r = peer < 0 ? selftest_error(ctx, "EVTCHNOP_bind_interdomain failed (%d)", peer)
		     : bo_offline(ctx, port, peer, cpu);
	if (peer >= 0)
		evtchn_close((evtchn_port_t)peer);
	evtchn_close((evtchn_port_t)port);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "port %d, bound to CPU %u, moved off it as it went offline and "
			     "was delivered on CPU %d; CPU %u back online",
			     port, cpu, bv.cpu, cpu);
}
