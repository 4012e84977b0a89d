/*
 * Event channels driven from every CPU at once: two threads per CPU each
 * make loopback pairs (a port of ours and the port bound to it), move the
 * receiving port to another CPU's vCPU, send through it and close it,
 * over and over, while the other threads do the same.  Every event must
 * reach its own port's handler with its own argument, exactly once, on
 * the vCPU it was bound to; and a close must not return while the
 * handler still runs on another CPU, nor may the handler run afterwards
 * (a driver frees what its handler uses right after the close).  The
 * handler spins a while so that a close has a handler to wait for.
 */
#include <amphi/cpu.h>
#include <amphi/selftest.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>

#define ES_PER_CPU 2
#define ES_ROUNDS 8
#define ES_SENDS 4
#define ES_HANDLER_NS (200 * NSEC_PER_USEC)
/* A vCPU of a loaded emulated host may wait long to be run: the wait for
 * a delivery is 2 s beyond the time the target vCPU was kept from running
 * (its steal time), since one preempted by the host inside the handler
 * has taken the event but not yet counted it. */
#define ES_WAIT_NS (2 * NSEC_PER_SEC)
#define ES_TIMEOUT_NS (60 * NSEC_PER_SEC)

struct es_worker {
	volatile int port;
	volatile uint64_t hits;
	volatile bool in_handler;
	volatile int want_cpu; /* the CPU the port is bound to */
	unsigned int sends, rounds;
	/* What went wrong, the first time (0 for nothing), and for a lost
	 * event whether the port was pending and masked then. */
	int err, err_port, err_cpu;
	bool err_pending, err_masked;
};

static struct es_worker es[ES_PER_CPU * NR_CPUS];

enum { ES_OK, ES_WRONG_ARG, ES_WRONG_CPU, ES_LOST, ES_DUPLICATE, ES_EARLY_CLOSE, ES_LATE, ES_BIND };

static void es_note(struct es_worker *w, int err, int port, int cpu)
{
	if (!w->err) {
		w->err = err;
		w->err_port = port;
		w->err_cpu = cpu;
	}
}

static void es_event(evtchn_port_t port, void *arg)
{
	struct es_worker *w = arg;
	uint64_t end = sched_clock() + ES_HANDLER_NS;
	int cpu = (int)smp_processor_id();

	if ((int)port != w->port)
		es_note(w, ES_WRONG_ARG, (int)port, cpu);
	else if (cpu != w->want_cpu)
		es_note(w, ES_WRONG_CPU, (int)port, cpu);
	w->in_handler = true;
	while (sched_clock() < end)
		cpu_relax();
	w->hits++;
	w->in_handler = false;
}

static void es_peer_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

/* One event, delivered once, on the CPU the port is bound to. */
static void es_send_one(struct es_worker *w, int peer)
{
	uint64_t before = w->hits;

	evtchn_send((evtchn_port_t)peer);
	if (!cpu_wait_progress((unsigned int)w->want_cpu, &w->hits, before, ES_WAIT_NS) &&
	    !w->err) {
		w->err_pending = evtchn_is_pending((evtchn_port_t)w->port);
		w->err_masked = evtchn_is_masked((evtchn_port_t)w->port);
		es_note(w, ES_LOST, w->port, w->want_cpu);
	}
	w->sends++;
}

/* The port's handler is running on another CPU: the close must wait for
 * it, and nothing may run after. */
static void es_close_racing(struct es_worker *w, int peer)
{
	uint64_t end = sched_clock() + ES_WAIT_NS, hits = w->hits;
	int port = w->port;

	evtchn_send((evtchn_port_t)peer);
	while (!w->in_handler && w->hits == hits && sched_clock() < end)
		cpu_relax(); /* not yield: the handler runs for only 200 us */
	evtchn_close((evtchn_port_t)port);
	if (w->in_handler)
		es_note(w, ES_EARLY_CLOSE, port, w->want_cpu);
	hits = w->hits;
	evtchn_send((evtchn_port_t)peer); /* to a closed port: goes nowhere */
	sleep_ns(2 * NSEC_PER_MSEC);
	if (w->hits != hits)
		es_note(w, ES_LATE, port, w->want_cpu);
}

static void es_round(struct es_worker *w, unsigned int idx, unsigned int round)
{
	unsigned int n = nr_cpus_online(), self = smp_processor_id();
	/* Another CPU than ours when there is one (CPUs are 0..n-1 here). */
	unsigned int to = n > 1 ? (self + 1 + (idx + round) % (n - 1)) % n : self;
	int port = evtchn_alloc_unbound(DOMID_SELF, es_event, w, "selftest-smp");
	int peer = port < 0 ? port
			    : evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)port,
						      es_peer_event, NULL, "selftest-smp-peer");

	if (port < 0 || peer < 0) {
		es_note(w, ES_BIND, port < 0 ? port : peer, (int)self);
		if (port >= 0)
			evtchn_close((evtchn_port_t)port);
		return;
	}
	w->port = port;
	w->want_cpu = (int)to;
	if (evtchn_bind_vcpu((evtchn_port_t)port, to))
		es_note(w, ES_BIND, port, (int)to);
	for (unsigned int k = 0; k < ES_SENDS && !w->err; k++)
		es_send_one(w, peer);
	if (w->hits != (uint64_t)w->sends)
		es_note(w, ES_DUPLICATE, port, (int)to);
	es_close_racing(w, peer);
	w->hits = w->sends = 0;
	evtchn_close((evtchn_port_t)peer);
	w->rounds++;
}

static void es_thread(unsigned int idx, void *arg)
{
	struct es_worker *w = &es[idx];

	(void)arg;
	for (unsigned int r = 0; r < ES_ROUNDS && !w->err; r++)
		es_round(w, idx, r);
}

static const char *const es_what[] = {
    [ES_WRONG_ARG] = "its handler got another port's argument",
    [ES_WRONG_CPU] = "delivered on another CPU than it was bound to",
    [ES_LOST] = "a send was not delivered within 2 s of the target vCPU running",
    [ES_DUPLICATE] = "more deliveries than sends",
    [ES_EARLY_CLOSE] = "evtchn_close returned while its handler still ran",
    [ES_LATE] = "its handler ran after evtchn_close returned",
    [ES_BIND] = "binding or moving it failed",
};

SELFTEST(evtchn_smp)
{
	unsigned int rounds = 0;
	int n;

	if (!xen_shared_info)
		return selftest_skip(ctx, "not running on Xen (no shared info page)");
	for (unsigned int i = 0; i < ARRAY_SIZE(es); i++)
		es[i] = (struct es_worker){.port = -1};
	n = selftest_on_every_cpu("evtchn-smp", es_thread, NULL, ES_PER_CPU, ES_TIMEOUT_NS);
	if (n == -2)
		return selftest_fail(ctx, "the threads did not finish within 60 s");
	if (n != (int)(ES_PER_CPU * nr_cpus_online()))
		return selftest_error(ctx, "%d of %u threads started", n,
				      ES_PER_CPU * nr_cpus_online());
	for (int i = 0; i < n; i++) {
		if (es[i].err)
			return selftest_fail(ctx, "thread %d, port %d (CPU %d): %s%s%s", i,
					     es[i].err_port, es[i].err_cpu, es_what[es[i].err],
					     es[i].err_pending ? " (still pending" : "",
					     !es[i].err_pending ? ""
					     : es[i].err_masked ? ", masked)"
								: ", not masked)");
		rounds += es[i].rounds;
	}
	return selftest_pass(ctx,
			     "%d threads on %u CPUs: %u ports bound, moved, sent %u times "
			     "each and closed under their running handler",
			     n, nr_cpus_online(), rounds, ES_SENDS);
}
