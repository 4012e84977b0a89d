/*
 * The stack driven from every CPU at once: two threads pinned to each
 * online CPU (up to SMP_MAX_CPUS of them), all started together.  Each
 * first trades datagrams with the UDP echo service (lwIP's threads run on
 * any CPU), then moves TCP data over the loopback: one thread of each CPU
 * is a sink, the other a source sending to the sink of the next CPU, so
 * every connection joins two CPUs.  Every payload is checked: each echo
 * must come back byte for byte, and each TCP flow's length and SHA-256
 * must agree at both ends.
 *
 * A lock that fails to exclude (lwIP's SYS_ARCH_PROTECT, a mailbox, a
 * semaphore, the core lock) shows up as a mangled or lost payload, a
 * stack that stops answering, or one of lwIP's own assertions.  Nothing
 * here waits without a deadline: the test ends, with the threads still
 * running named, even if the stack hangs.
 *
 * The loopback queue is bounded and the TCP flows fill it as well, so a
 * datagram the stack refuses or whose echo does not come is sent again
 * (counted and reported); only wrong data, or an echo that never comes,
 * fails the test.
 */
#include <amphi/net.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#include "lwip/api.h"
#include "net_priv.h"

#define SMP_MAX_CPUS 8 /* lwipopts.h's pools are sized for this many */
#define LOOP_ADDR 0x7f000001u
#define SMP_PORT 5200		    /* the sink of the k-th CPU listens on SMP_PORT + k */
#define SMP_SEED 0x5eed0000u	    /* source k sends the pattern from SMP_SEED + k */
#define SMP_TCP_BYTES (256u * 1024) /* per flow */
#define SMP_UDP_ROUNDS 100	    /* datagrams per thread */
#define SMP_UDP_MAX 1400	    /* bytes of the longest */
#define SMP_UDP_WAIT_MS 1000	    /* for one echo, before sending again */
#define SMP_UDP_TRIES 5		    /* sends of one datagram at most */
#define SMP_ACCEPT_MS 20000	    /* a sink waits this long for its source */
#define SMP_STALL_MS 10000	    /* a flow this long without progress fails */
#define SMP_DEADLINE_NS (60ull * NSEC_PER_SEC) /* for the whole test */
#define DGRAM_MAGIC 0x534d5044u

struct smp_worker {
	unsigned index; /* in smp.w: 2k the sink, 2k+1 the source of the k-th CPU */
	unsigned cpu;
	bool source;
	uint16_t port;		  /* a sink's own; a source's peer's */
	struct netconn *listener; /* a sink's, made before the threads start */
	struct net_xfer x;
	int rc;
	const char *why;
	char why_buf[96];
	unsigned udp_resent;
	bool wrong_cpu;		    /* found itself off the CPU it is pinned to */
	const char *volatile phase; /* what it is doing, for a report */
	uint8_t out[SMP_UDP_MAX], in[SMP_UDP_MAX];
};

/* Static: after a deadline the threads may still be running. */
static struct {
	struct smp_worker w[2 * SMP_MAX_CPUS];
	unsigned finished;
	struct wait_queue wq;
} smp;

static int worker_fail(struct smp_worker *w, const char *fmt, ...) __printf(2, 3);
static int worker_fail(struct smp_worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why_buf, sizeof(w->why_buf), fmt, ap);
	va_end(ap);
	w->why = w->why_buf;
	return -1;
}

/* Datagram `round` of a worker: its identity, then the pattern seeded by
 * both, of a length that differs from round to round. */
static uint32_t dgram_fill(struct smp_worker *w, unsigned round)
{
	uint32_t len = 8 + (round * 181 + w->index * 37) % (SMP_UDP_MAX - 8);
	struct net_pattern p = {(uint64_t)w->index << 32 | round};
	uint32_t head[2] = {DGRAM_MAGIC, w->index << 16 | round};

	memcpy(w->out, head, sizeof(head));
	net_pattern_fill(&p, w->out + 8, len - 8);
	return len;
}

static err_t dgram_send(struct netconn *c, const void *data, uint32_t len)
{
	struct netbuf *b = netbuf_new();
	ip4_addr_t a;
	err_t err;

	if (!b)
		return ERR_MEM;
	ip4_addr_set_u32(&a, lwip_htonl(LOOP_ADDR));
	err = netbuf_ref(b, data, (u16_t)len);
	if (err == ERR_OK)
		err = netconn_sendto(c, b, &a, 7);
	netbuf_delete(b);
	return err;
}

/* Waits for the echo of `round`: 1 when it came back whole, 0 when none
 * came in time, -1 (why set) when something else came back.  Late echoes
 * of earlier rounds, sent again, are skipped. */
static int dgram_echo(struct smp_worker *w, struct netconn *c, unsigned round, uint32_t len)
{
	for (;;) {
		struct netbuf *b;
		uint32_t head[2];
		u16_t got;
		err_t err = netconn_recv(c, &b);

		if (err == ERR_TIMEOUT)
			return 0;
		if (err != ERR_OK)
			return worker_fail(w, "udp receive: %s", net_err_str(err));
		got = netbuf_copy(b, w->in, sizeof(w->in));
		netbuf_delete(b);
		memcpy(head, w->in, got >= 8 ? 8 : 0);
		if (got >= 8 && head[0] == DGRAM_MAGIC && head[1] >> 16 == w->index &&
		    (head[1] & 0xffff) < round)
			continue;
		if (got != len || memcmp(w->in, w->out, len))
			return worker_fail(
			    w, "udp datagram %u (%u bytes) came back as %u different bytes", round,
			    len, got);
		return 1;
	}
}

static int udp_round(struct smp_worker *w, struct netconn *c, unsigned round)
{
	uint32_t len = dgram_fill(w, round);

	for (unsigned tries = 0; tries < SMP_UDP_TRIES; tries++) {
		err_t err = dgram_send(c, w->out, len);
		int rc;

		if (tries)
			w->udp_resent++;
		if (err == ERR_MEM || err == ERR_BUF) {
			sleep_ns(10 * NSEC_PER_MSEC); /* the loopback queue is full */
			continue;
		}
		if (err != ERR_OK)
			return worker_fail(w, "udp send: %s", net_err_str(err));
		if ((rc = dgram_echo(w, c, round, len)))
			return rc < 0 ? rc : 0;
	}
	return worker_fail(w, "no echo of udp datagram %u after %u sends", round, SMP_UDP_TRIES);
}

static int udp_part(struct smp_worker *w)
{
	struct netconn *c = netconn_new(NETCONN_UDP);
	int rc = 0;

	if (!c)
		return worker_fail(w, "no udp netconn (out of memory)");
	netconn_set_recvtimeout(c, SMP_UDP_WAIT_MS);
	for (unsigned r = 0; r < SMP_UDP_ROUNDS && !rc; r++)
		rc = udp_round(w, c, r);
	netconn_delete(c);
	return rc;
}

static void tcp_part(struct smp_worker *w)
{
	if (w->source)
		w->rc = net_source(LOOP_ADDR, w->port, SMP_TCP_BYTES, SMP_SEED + w->index / 2,
				   SMP_STALL_MS, &w->x, &w->why);
	else
		w->rc = net_sink_serve(w->listener, SMP_ACCEPT_MS, SMP_STALL_MS, &w->x, &w->why);
}

static void smp_worker(void *arg)
{
	struct smp_worker *w = arg;

	w->phase = "in its UDP part";
	w->rc = udp_part(w);
	w->phase = "in its TCP part";
	if (smp_processor_id() != w->cpu)
		w->wrong_cpu = true;
	if (!w->rc)
		tcp_part(w);
	else if (!w->source)
		netconn_delete(w->listener); /* its source finds nobody, and says so */
	if (smp_processor_id() != w->cpu)
		w->wrong_cpu = true;
	w->phase = "finished";
	__atomic_fetch_add(&smp.finished, 1, __ATOMIC_RELEASE);
	wq_wake_all(&smp.wq);
}

/* The workers of the first SMP_MAX_CPUS online CPUs, sinks listening.
 * Their count, or 0 with *why set. */
static unsigned smp_prepare(unsigned *ncpus, const char **why)
{
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());
	unsigned n = 0;

	memset(&smp, 0, sizeof(smp));
	smp.wq = (struct wait_queue)WAIT_QUEUE_INIT;
	for (unsigned cpu = 0; cpu < NR_CPUS && n < SMP_MAX_CPUS; cpu++)
		if (online & cpumask_of(cpu)) {
			smp.w[2 * n] = (struct smp_worker){.index = 2 * n, .cpu = cpu};
			smp.w[2 * n + 1] =
			    (struct smp_worker){.index = 2 * n + 1, .cpu = cpu, .source = true};
			n++;
		}
	for (unsigned k = 0; k < n; k++) {
		struct smp_worker *sink = &smp.w[2 * k];

		sink->port = (uint16_t)(SMP_PORT + k);
		smp.w[2 * ((k + n - 1) % n) + 1].port = sink->port;
		if (!(sink->listener = net_sink_listen(sink->port, why))) {
			while (k--)
				netconn_delete(smp.w[2 * k].listener);
			return 0;
		}
	}
	*ncpus = n;
	return 2 * n;
}

/* Starts them all: how many started.  A sink whose thread did not start
 * has its listener deleted here (a source without its sink fails, and a
 * sink without its source gives up after SMP_ACCEPT_MS). */
static unsigned smp_start(unsigned nworkers)
{
	unsigned started = 0;

	for (unsigned i = 0; i < nworkers; i++) {
		struct smp_worker *w = &smp.w[i];

		if (thread_create_on(w->source ? "net-smp-src" : "net-smp-sink", smp_worker, w,
				     cpumask_of(w->cpu)))
			started++;
		else if (!w->source)
			netconn_delete(w->listener);
	}
	return started;
}

/* The source of CPU k against the sink of CPU k+1. */
static enum selftest_result smp_check_flow(struct selftest_ctx *ctx, unsigned k, unsigned n)
{
	const struct smp_worker *src = &smp.w[2 * k + 1], *sink = &smp.w[2 * ((k + 1) % n)];
	char h1[65], h2[65];

	sha256_hex(src->x.digest, h1);
	sha256_hex(sink->x.digest, h2);
	if (src->x.bytes != SMP_TCP_BYTES || sink->x.bytes != SMP_TCP_BYTES || strcmp(h1, h2))
		return selftest_fail(ctx,
				     "TCP from CPU %u to CPU %u: sent %lu bytes sha256 %.16s..., "
				     "received %lu sha256 %.16s...",
				     src->cpu, sink->cpu, (unsigned long)src->x.bytes, h1,
				     (unsigned long)sink->x.bytes, h2);
	return SELFTEST_SUCCESS;
}

static enum selftest_result smp_check(struct selftest_ctx *ctx, unsigned nworkers, unsigned *resent)
{
	enum selftest_result r;

	for (unsigned i = 0; i < nworkers; i++) {
		const struct smp_worker *w = &smp.w[i];

		if (w->wrong_cpu)
			return selftest_fail(ctx, "a thread pinned to CPU %u ran elsewhere",
					     w->cpu);
		if (w->rc)
			return selftest_fail(ctx, "CPU %u's %s: %s", w->cpu,
					     w->source ? "source" : "sink", w->why);
		*resent += w->udp_resent;
	}
	for (unsigned k = 0; k < nworkers / 2; k++)
		if ((r = smp_check_flow(ctx, k, nworkers / 2)))
			return r;
	return SELFTEST_SUCCESS;
}

/* After the deadline: which threads are still at work, and where. */
static enum selftest_result smp_stuck(struct selftest_ctx *ctx, unsigned started)
{
	const struct smp_worker *w = smp.w;

	while (w->phase && !strcmp(w->phase, "finished"))
		w++;
	return selftest_fail(ctx,
			     "%u of %u threads still at work after %llu s, first CPU %u's %s %s "
			     "(%lu TCP bytes): the stack stopped answering",
			     started - READ_ONCE(smp.finished), started,
			     SMP_DEADLINE_NS / NSEC_PER_SEC, w->cpu, w->source ? "source" : "sink",
			     w->phase ? w->phase : "not started", (unsigned long)w->x.bytes);
}

SELFTEST(net_smp)
{
	unsigned ncpus = 0, nworkers, started, resent = 0;
	enum selftest_result r;
	unsigned long flags;
	bool done;
	const char *why = "";
	uint64_t t0;

	if (!net_is_up())
		return selftest_fail(ctx, "the stack is not running");
	if (!(nworkers = smp_prepare(&ncpus, &why)))
		return selftest_fail(ctx, "listen on 127.0.0.1: %s", why);
	t0 = time_now_ns();
	started = smp_start(nworkers);
	/* Interrupts off across the wait, as net/sys_arch.c explains. */
	flags = local_irq_save();
	done =
	    wait_event_deadline(&smp.wq, READ_ONCE(smp.finished) == started, t0 + SMP_DEADLINE_NS);
	local_irq_restore(flags);
	if (!done)
		return smp_stuck(ctx, started);
	if (started < nworkers)
		return selftest_error(ctx, "only %u of %u threads could be made", started,
				      nworkers);
	if ((r = smp_check(ctx, nworkers, &resent)))
		return r;
	return selftest_pass(ctx,
			     "%u threads on %u CPU%s at once: %u UDP echoes byte for byte (%u sent "
			     "again), %u TCP flow%s of %u KiB CPU to next CPU, sha256 equal at "
			     "both ends; %llu ms",
			     nworkers, ncpus, ncpus == 1 ? "" : "s", nworkers * SMP_UDP_ROUNDS,
			     resent, ncpus, ncpus == 1 ? "" : "s", SMP_TCP_BYTES >> 10,
			     (unsigned long long)((time_now_ns() - t0) / NSEC_PER_MSEC));
}
