/*
 * What the files of the xenstore client and the bus share and nothing else
 * needs: the request call every operation is built on, the hand-off of
 * watch events from the ring reader to the watch thread, the CPUs their
 * threads may use, and the counters the shell and selftests report.
 *
 * Callers may be on any CPU at once.  They wait with wait_event and
 * wait_event_deadline (amphi/sched.h), sleep holding a struct mutex
 * (amphi/mutex.h), and guard what they share with spinlocks named in the
 * lock order of amphi/spinlock.h; nothing here turns interrupts off to
 * serve as a lock.
 */
#ifndef XENBUS_XS_INTERNAL_H
#define XENBUS_XS_INTERNAL_H
#include <amphi/mutex.h>
#include <amphi/sched.h>
#include <amphi/time.h>
#include <drivers/xen/xenstore.h>
#include <drivers/xen/xenbus.h>
#include "xs_wire.h"

/* How long a caller waits for its reply (or for room in the request ring)
 * before giving up with -ETIMEDOUT.  xenstored answers in milliseconds
 * even under emulation; a reply this late is not coming. */
#define XS_REPLY_TIMEOUT_NS (10 * NSEC_PER_SEC)

/* A reply handed to the caller: body is kmalloc'd, NUL-terminated at len,
 * and already checked to be of the requested type. */
struct xs_reply {
	uint32_t type;
	uint32_t len;
	char *body;
};

/* Sends one request and waits for its reply: 0 with *reply filled (kfree
 * reply->body), or -errno (the store's error, -EBADMSG, -ETIMEDOUT, -EIO,
 * -ENODEV without a store). */
int xs_talk(xs_transaction_t t, uint32_t type, const struct xs_seg *segs, unsigned int nsegs,
	    struct xs_reply *reply);
/* xs_talk with an explicit timeout; for the selftest of timeouts, the
 * reply can be thrown away as if it had been lost on the way. */
int xs_talk_timeout(xs_transaction_t t, uint32_t type, const struct xs_seg *segs,
		    unsigned int nsegs, struct xs_reply *reply, uint64_t timeout_ns,
		    bool lose_reply);
/* Our domain id as the store reported it at connection, or -1. */
int xs_domid(void);

/* The ring reader passes each watch event (its payload, hdr.len bytes) to
 * the watch code, from thread context (xs_watch.c). */
void xs_watch_event(const char *body, uint32_t len);
/* Starts the watch thread. */
int xs_watch_init(void);

/* Every online CPU: where the client's own threads may run. */
static inline cpumask_t xs_cpus(void)
{
	return cpumask_online_others() | cpumask_of(smp_processor_id());
}

/* Counted from every CPU at once, so only through xs_stat_add and
 * xs_stat_max (atomic); a reader sees each count whole, though not all of
 * them from one instant. */
struct xs_stats {
	uint64_t requests;
	uint64_t replies;
	uint64_t errors; /* replies of type XS_ERROR */
	uint64_t timeouts;
	uint64_t malformed;	 /* replies that failed a check */
	uint64_t unmatched;	 /* replies nobody waited for (any more) */
	uint64_t watch_events;	 /* events received */
	uint64_t watch_dropped;	 /* events with no watch, or the queue full */
	uint64_t reply_ns_total; /* request sent to reply received */
	uint64_t reply_ns_max;
};
extern struct xs_stats xs_stats;

static inline void xs_stat_add(uint64_t *count, uint64_t n)
{
	__atomic_fetch_add(count, n, __ATOMIC_RELAXED);
}

static inline void xs_stat_max(uint64_t *max, uint64_t v)
{
	uint64_t old = __atomic_load_n(max, __ATOMIC_RELAXED);

	while (old < v && !__atomic_compare_exchange_n(max, &old, v, false, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

#endif
