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
#include <amphi/spinlock.h>
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
 * the watch code, from thread context (xs_watch.c): 0 when it was queued,
 * -EBADMSG when it is malformed, -ENOMEM or -ENOSPC when it was dropped. */
int xs_watch_event(const char *body, uint32_t len);
/* Starts the watch thread. */
int xs_watch_init(void);
/* Every registered watch sent again, to a new domain's store. */
void xs_watch_resume(void);

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

/* The reply side of a connection to a store: its response ring, the
 * message being put together from it, and the requests waiting for
 * replies.  The kernel has one (xs.c); xs_hostile_selftest.c makes its
 * own, on a ring in plain memory where it plays a store that breaks the
 * protocol, and drives it through the same functions the reader does.
 *
 * rsp_cons and rx belong to whoever calls xs_conn_receive (the reader
 * thread); pending and dead are under lock; reports is atomic. */
struct xs_pending;
struct xs_conn {
	struct xenstore_domain_interface *intf;
	void (*kick)(void); /* tells the store we moved an index; may be NULL */
	struct xs_stats *stats;
	XENSTORE_RING_IDX rsp_cons;
	struct xs_rx rx;
	struct spinlock lock;
	struct xs_pending *pending;
	int dead;	      /* the error every waiter gets once the stream is lost */
	unsigned int reports; /* what the store did wrong, said so far */
};

/* One request waiting for its reply, on its caller's stack.  The reply's
 * fields are written under the connection's lock, before `done`; the
 * caller reads them once it has seen `done` there. */
struct xs_pending {
	uint32_t req_id;
	bool lose_reply; /* for the selftest: behave as if it never came */
	bool done;
	int err;
	struct xsd_sockmsg hdr;
	char *body;
	struct wait_queue wq;
	struct xs_pending *next;
};

/* Links p to wait for the reply with its req_id: 0, or the error of a
 * connection already lost (p is then not linked). */
int xs_conn_link(struct xs_conn *c, struct xs_pending *p);
/* Takes every whole message the response ring holds and hands it on (a
 * reply to its waiter, an event to the watch code): 0 once the ring is
 * empty, or the error that lost the connection (reported, every waiter
 * failed with it, and every later xs_conn_link). */
int xs_conn_receive(struct xs_conn *c);
/* Waits until `deadline` for p's reply to a request of `type` sent at
 * t0, then judges it (xs_wire_judge_reply); what is wrong with it is
 * reported.  0 with *reply filled, or -errno; p is unlinked either way. */
int xs_conn_finish(struct xs_conn *c, struct xs_pending *p, uint32_t type, uint64_t t0,
		   uint64_t deadline, struct xs_reply *reply);

#endif
