/*
 * lwIP's OS layer (net/sys_arch.c) hammered from every CPU at once,
 * without the stack: what net_smp's traffic exercises only now and then,
 * here under steady contention.  On each online CPU (up to
 * SYS_MAX_CPUS) a producer and a consumer, pinned there, share one small
 * mailbox, so posters block on a full one and fetchers on an empty one:
 * every message must arrive exactly once.  Around each message both also
 * take a semaphore used as a mutex (as lwIP's core lock is) and, nested
 * twice, SYS_ARCH_PROTECT; inside each they check that nobody else is,
 * for long enough that two holders at once would meet.
 *
 * Producers stop after SYS_MSGS messages or SYS_PRODUCE_NS, whichever
 * comes first: natively they send all of them in about a second, while
 * under Xen in emulation every wake-up across vCPUs is slow.  Every wait
 * has a deadline, so a lost wake-up or a hung lock ends the test with a
 * FAILURE line rather than a hang.  A wait that ran out while the host kept
 * some vCPU from running for half of it or more (its steal time: a holder
 * or a poster preempted there) says nothing about wake-ups; it is counted
 * as stretched, reported, and waited again.
 */
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#include "lwip/sys.h"

#define SYS_MAX_CPUS 8
#define SYS_MSGS 10000 /* per producer, at most */
#define SYS_PRODUCE_NS (3ull * NSEC_PER_SEC)
#define SYS_MBOX_SLOTS 4  /* few, so that posters wait for room */
#define SYS_HOLD_WORDS 32 /* written inside a lock, so that overlaps show */
#define SYS_WAIT_MS 5000  /* a fetch or a lock this long is a failure */
#define SYS_DEADLINE_NS (30ull * NSEC_PER_SEC)
#define STOP_MSG ((void *)~(uintptr_t)0)

/* What a lock guards in this test. */
struct excl {
	unsigned inside, overlaps;
	volatile unsigned words[SYS_HOLD_WORDS];
};

static struct {
	sys_mbox_t mbox;
	sys_sem_t mutex;
	unsigned nproducers;
	uint8_t seen[SYS_MAX_CPUS][SYS_MSGS]; /* deliveries of each message */
	struct excl in_sem, in_protect;
	uint64_t counter;	     /* bumped under the mutex, not atomically */
	uint64_t steps;		     /* the same, atomically */
	unsigned sent[SYS_MAX_CPUS]; /* by each producer */
	uint64_t stop_ns;	     /* producers stop then */
	unsigned producers_done, consumers_done, timeouts, strays, stretched;
	struct wait_queue wq;
} sys;

static void *msg_of(unsigned producer, unsigned seq)
{
	return (void *)(uintptr_t)((producer + 1u) << 16 | seq);
}

/* Inside a lock, nobody else may be: the flag must be clear on the way
 * in, and the words written must all still be ours on the way out. */
static void hold(struct excl *e, unsigned me)
{
	bool overlap = __atomic_exchange_n(&e->inside, 1, __ATOMIC_SEQ_CST);

	for (unsigned i = 0; i < SYS_HOLD_WORDS; i++)
		e->words[i] = me;
	for (unsigned i = 0; i < SYS_HOLD_WORDS; i++)
		overlap |= e->words[i] != me;
	__atomic_store_n(&e->inside, 0, __ATOMIC_SEQ_CST);
	if (overlap)
		__atomic_fetch_add(&e->overlaps, 1, __ATOMIC_RELAXED);
}

/* Every CPU's stolen time now, into steal (NR_CPUS entries). */
static void sys_steal_now(uint64_t *steal)
{
	for (unsigned i = 0; i < nr_cpus_present; i++)
		steal[i] = steal_clock((int)i);
}

/* A wait that began at steal `before` ran out: whether some vCPU was kept
 * from running for half of it or more (then it counts as stretched). */
static bool sys_stretched(const uint64_t *before)
{
	for (unsigned i = 0; i < nr_cpus_present; i++)
		if (steal_clock((int)i) - before[i] >= SYS_WAIT_MS * NSEC_PER_MSEC / 2) {
			__atomic_fetch_add(&sys.stretched, 1, __ATOMIC_RELAXED);
			return true;
		}
	return false;
}

/* The semaphore used as a mutex, waited for again while waits stretch. */
static bool sys_mutex_take(void)
{
	uint64_t steal[NR_CPUS];

	for (;;) {
		sys_steal_now(steal);
		if (sys_arch_sem_wait(&sys.mutex, SYS_WAIT_MS) != SYS_ARCH_TIMEOUT)
			return true;
		if (!sys_stretched(steal))
			return false;
	}
}

/* `me` tells the threads apart: producers 1..n, consumers from 1000. */
static bool locked_step(unsigned me)
{
	sys_prot_t outer, inner;

	if (!sys_mutex_take())
		return false;
	hold(&sys.in_sem, me);
	sys.counter++;
	sys_sem_signal(&sys.mutex);
	__atomic_fetch_add(&sys.steps, 1, __ATOMIC_RELAXED);
	outer = sys_arch_protect();
	inner = sys_arch_protect();
	hold(&sys.in_protect, me);
	sys_arch_unprotect(inner);
	hold(&sys.in_protect, me);
	sys_arch_unprotect(outer);
	return true;
}

static void finished(unsigned *count)
{
	__atomic_fetch_add(count, 1, __ATOMIC_RELEASE);
	wq_wake_all(&sys.wq);
}

static void sys_producer(void *arg)
{
	unsigned p = (unsigned)(uintptr_t)arg;

	unsigned seq;

	for (seq = 0; seq < SYS_MSGS && time_now_ns() < sys.stop_ns; seq++) {
		if (!locked_step(p + 1))
			__atomic_fetch_add(&sys.timeouts, 1, __ATOMIC_RELAXED);
		if (seq & 1) {
			sys_mbox_post(&sys.mbox, msg_of(p, seq));
			continue;
		}
		while (sys_mbox_trypost(&sys.mbox, msg_of(p, seq)) != ERR_OK)
			yield();
	}
	sys.sent[p] = seq;
	finished(&sys.producers_done);
}

static void receive(void *msg)
{
	uintptr_t v = (uintptr_t)msg;
	unsigned p = (unsigned)(v >> 16) - 1, seq = v & 0xffff;

	if (p >= sys.nproducers || seq >= SYS_MSGS)
		__atomic_fetch_add(&sys.strays, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&sys.seen[p][seq], 1, __ATOMIC_RELAXED);
}

/* Fetches until a STOP_MSG; tries without waiting every other time. */
static void sys_consumer(void *arg)
{
	unsigned me = 1000 + (unsigned)(uintptr_t)arg;

	for (unsigned n = 0;; n++) {
		uint64_t steal[NR_CPUS];
		void *msg;

		if (!locked_step(me))
			__atomic_fetch_add(&sys.timeouts, 1, __ATOMIC_RELAXED);
		if (n & 1) {
			if (sys_arch_mbox_tryfetch(&sys.mbox, &msg) == SYS_MBOX_EMPTY)
				continue;
		} else {
			sys_steal_now(steal);
			if (sys_arch_mbox_fetch(&sys.mbox, &msg, SYS_WAIT_MS) == SYS_ARCH_TIMEOUT) {
				if (!sys_stretched(steal))
					__atomic_fetch_add(&sys.timeouts, 1, __ATOMIC_RELAXED);
				continue;
			}
		}
		if (msg == STOP_MSG)
			break;
		receive(msg);
	}
	finished(&sys.consumers_done);
}

/* One producer and one consumer on each of the first SYS_MAX_CPUS
 * online CPUs: the number of CPUs, or 0 when a thread could not be made
 * (then *started says how many threads run). */
static unsigned sys_start(unsigned *started)
{
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());
	unsigned n = 0;

	*started = 0;
	for (unsigned cpu = 0; cpu < NR_CPUS && n < SYS_MAX_CPUS; cpu++) {
		if (!(online & cpumask_of(cpu)))
			continue;
		sys.nproducers = ++n;
		if (!thread_create_on("sys-producer", sys_producer, (void *)(uintptr_t)(n - 1),
				      cpumask_of(cpu)) ||
		    !thread_create_on("sys-consumer", sys_consumer, (void *)(uintptr_t)(n - 1),
				      cpumask_of(cpu)))
			return 0;
		*started += 2;
	}
	return n;
}

static bool wait_for(unsigned *count, unsigned want, uint64_t deadline)
{
	return wait_event_deadline(&sys.wq, __atomic_load_n(count, __ATOMIC_ACQUIRE) == want,
				   deadline);
}

/* Every message sent delivered exactly once, none other: NULL, or what
 * went wrong.  *total counts them. */
static const char *sys_check_seen(unsigned n, unsigned *total, char *buf, size_t len)
{
	*total = 0;
	for (unsigned p = 0; p < n; p++) {
		*total += sys.sent[p];
		for (unsigned seq = 0; seq < SYS_MSGS; seq++)
			if (sys.seen[p][seq] != (seq < sys.sent[p])) {
				snprintf(
				    buf, len,
				    "message %u of producer %u (of %u sent) delivered %u times",
				    seq, p, sys.sent[p], sys.seen[p][seq]);
				return buf;
			}
	}
	return NULL;
}

SELFTEST(net_sys_arch)
{
	uint64_t t0 = time_now_ns(), deadline = t0 + SYS_DEADLINE_NS;
	unsigned n, started, total;
	const char *bad;
	char why[96];

	memset(&sys, 0, sizeof(sys));
	sys.wq = (struct wait_queue)WAIT_QUEUE_INIT;
	sys.stop_ns = t0 + SYS_PRODUCE_NS;
	if (sys_mbox_new(&sys.mbox, SYS_MBOX_SLOTS) != ERR_OK || sys_sem_new(&sys.mutex, 1))
		return selftest_error(ctx, "no memory for a mailbox");
	if (!(n = sys_start(&started)))
		return selftest_error(ctx, "could not make the threads (%u started)", started);
	if (!wait_for(&sys.producers_done, n, deadline))
		return selftest_fail(ctx, "%u of %u producers done after %llu s",
				     sys.producers_done, n, SYS_DEADLINE_NS / NSEC_PER_SEC);
	for (unsigned i = 0; i < n; i++)
		sys_mbox_post(&sys.mbox, STOP_MSG);
	if (!wait_for(&sys.consumers_done, n, deadline))
		return selftest_fail(ctx, "%u of %u consumers done after %llu s",
				     sys.consumers_done, n, SYS_DEADLINE_NS / NSEC_PER_SEC);
	sys_mbox_free(&sys.mbox);
	sys_sem_free(&sys.mutex);
	if (sys.in_sem.overlaps || sys.in_protect.overlaps)
		return selftest_fail(ctx,
				     "two holders at once: %u times in a semaphore used as a "
				     "mutex, %u times in SYS_ARCH_PROTECT",
				     sys.in_sem.overlaps, sys.in_protect.overlaps);
	if (sys.timeouts || sys.strays)
		return selftest_fail(ctx,
				     "%u waits timed out after %u ms, no vCPU stolen for half of "
				     "it; %u unknown messages",
				     sys.timeouts, SYS_WAIT_MS, sys.strays);
	if (sys.counter != sys.steps)
		return selftest_fail(
		    ctx, "a counter bumped %llu times under the semaphore reads %llu",
		    (unsigned long long)sys.steps, (unsigned long long)sys.counter);
	if ((bad = sys_check_seen(n, &total, why, sizeof(why))))
		return selftest_fail(ctx, "%s", bad);
	return selftest_pass(ctx,
			     "%u CPU%s, a producer and a consumer each: %u messages via a %u-slot "
			     "mailbox, each once; sem as mutex, nested protect never held twice; "
			     "%llu ms; %u waits past %u ms with a vCPU stolen for half of it",
			     n, n == 1 ? "" : "s", total, SYS_MBOX_SLOTS,
			     (unsigned long long)((time_now_ns() - t0) / NSEC_PER_MSEC),
			     sys.stretched, SYS_WAIT_MS);
}
