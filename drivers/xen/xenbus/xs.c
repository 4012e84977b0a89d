/*
 * The xenstore connection: the shared ring page, its event channel, and
 * the matching of replies to requests.
 *
 * Any thread may have one request outstanding.  It takes the request ring
 * only for as long as it writes its message, then sleeps on its own wait
 * queue until the reader thread hands it the reply with its request id, so
 * a watch callback can talk to the store while another thread waits for a
 * slow reply.  Replies may come in any order, and watch events arrive
 * between them; the reader tells them apart by type and id alone.
 *
 * The reader is a thread, not the event handler, because a message can be
 * four times the ring's size (it arrives in pieces) and a reply is copied
 * into the heap, which is not for interrupt context.  The handler only
 * wakes whoever waits on the ring.
 *
 * Callers run on any CPU at once, and so does the reader.  What they share
 * is guarded so:
 *   - the request ring (its bytes and xs_req_prod) by xs_req_lock, a
 *     mutex, since a writer sleeps while the ring is full;
 *   - the pending requests, the next request id and the connection's
 *     `dead` by the spinlock xs_main.lock.  A reply is handed over under it, and its waiter
 *     woken under it, and the waiter tests for its reply under it: a
 *     waiter that has seen its reply returns (its xs_pending and wait
 *     queue, on its stack, gone) only once the reader is done with them;
 *   - the response ring's index (xs_main.rsp_cons) and the message being put
 *     together (xs_rx) belong to the reader thread alone.
 * The event handler (on the vCPU the port is bound to) touches none of
 * these: it only wakes xs_ring_wq, which is safe from any CPU, and every
 * wait on the ring queues itself before it looks (wait_event), so an event
 * that comes in between is not lost.
 *
 * The store is not trusted: its indexes are checked before use, a reply
 * that fails a check is an error for its caller, and every wait has a
 * deadline, so a store that stops answering costs its callers -ETIMEDOUT,
 * never a hang.  A response stream that cannot be followed any more (a
 * header longer than any message, impossible indexes) ends the connection:
 * the waiters and every later call get an error.
 */
#include <amphi/mm.h>
#include <amphi/mutex.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <asm/paravirt.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>
#include "xs_internal.h"

struct xs_stats xs_stats;

static void xs_kick(void)
{
	evtchn_send(xen_info.store_evtchn);
}

/* The kernel's connection; its ring is set by xs_init before the store is
 * offered to anyone else. */
static struct xs_conn xs_main = {.kick = xs_kick, .stats = &xs_stats, .lock = SPINLOCK_INIT};
static bool xs_connected;
static int xs_my_domid = -1;
/* Our own copy of the request index we advance (the response side's is
 * the connection's): the store has no business changing it, so what it
 * writes there is never read back.  Under xs_req_lock. */
static XENSTORE_RING_IDX xs_req_prod;
static struct wait_queue xs_ring_wq = WAIT_QUEUE_INIT;
static struct mutex xs_req_lock = MUTEX_INIT;
/* Under xs_main.lock: the next request id. */
static uint32_t xs_next_req_id = 1;

static int xs_dead_err(struct xs_conn *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	int err = c->dead;

	spin_unlock_irqrestore(&c->lock, flags);
	return err;
}

/* What the store did wrong is said, the first XS_REPORTS_MAX times on a
 * connection; a store that goes on is only counted after that, so that
 * it cannot flood the console. */
#define XS_REPORTS_MAX 16

static bool xs_conn_may_report(struct xs_conn *c)
{
	unsigned int n = __atomic_fetch_add(&c->reports, 1, __ATOMIC_RELAXED);

	if (n == XS_REPORTS_MAX)
		pr_warn("xenstore: the store keeps breaking the protocol: further faults are only "
			"counted (xenstore stats)\n");
	return n < XS_REPORTS_MAX;
}

/* --- the rings -------------------------------------------------------- */

static void xs_ring_event(evtchn_port_t port, void *arg)
{
	wq_wake_all(&xs_ring_wq);
}

/* Room in the request ring, or a ring so broken that waiting is useless. */
static bool xs_req_room(void)
{
	return xs_ring_used(READ_ONCE(xs_main.intf->req_cons), xs_req_prod) != XENSTORE_RING_SIZE;
}

/* Writes one whole message, waiting for room as the store consumes it.
 * Caller holds xs_req_lock. */
static int xs_send_msg(const char *msg, size_t len, uint64_t deadline, size_t *sent)
{
	struct xenstore_domain_interface *intf = xs_main.intf;

	for (size_t off = 0; off < len;) {
		XENSTORE_RING_IDX cons = READ_ONCE(intf->req_cons);
		int n;

		/* The store has read everything up to cons before saying so. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		n = xs_ring_write(intf->req, cons, &xs_req_prod, msg + off, len - off);
		if (n < 0)
			return n;
		off += (size_t)n;
		*sent = off;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(intf->req_prod, xs_req_prod);
		xs_kick();
		if (off < len && !wait_event_deadline(&xs_ring_wq, xs_req_room(), deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

/* Feeds the assembler what the ring holds: 1 with a whole message in
 * c->rx, 0 when the ring is empty, or the stream's error. */
static int xs_conn_feed(struct xs_conn *c)
{
	XENSTORE_RING_IDX prod = READ_ONCE(c->intf->rsp_prod);
	XENSTORE_RING_IDX before = c->rsp_cons;
	int rc;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	rc = xs_rx_feed(&c->rx, c->intf->rsp, &c->rsp_cons, prod);
	if (c->rsp_cons != before) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(c->intf->rsp_cons, c->rsp_cons);
		if (c->kick)
			c->kick();
	}
	return rc;
}

/* --- replies to requests -------------------------------------------- */

/* Unlinks the request with this id; c->lock held. */
static struct xs_pending *xs_pending_take(struct xs_conn *c, uint32_t req_id)
{
	for (struct xs_pending **p = &c->pending; *p; p = &(*p)->next) {
		struct xs_pending *found = *p;

		if (found->req_id == req_id) {
			*p = found->next;
			return found;
		}
	}
	return NULL;
}

/* c->lock held, so that the waiter cannot see `done` and go before the
 * wake-up has finished with its queue. */
static void xs_complete(struct xs_pending *p, const struct xsd_sockmsg *hdr, char *body, int err)
{
	p->hdr = *hdr;
	p->body = body;
	p->err = err;
	p->done = true;
	wq_wake_all(&p->wq);
}

static void xs_dispatch_reply(struct xs_conn *c, const struct xs_rx *rx)
{
	char *copy = kmalloc(rx->hdr.len + 1);
	struct xs_pending *p;
	unsigned long flags;

	if (copy)
		memcpy(copy, rx->body, rx->hdr.len + 1);
	flags = spin_lock_irqsave(&c->lock);
	p = xs_pending_take(c, rx->hdr.req_id);
	if (p && p->lose_reply) {
		p->next = c->pending; /* still waiting, in vain */
		c->pending = p;
	} else if (p) {
		xs_complete(p, &rx->hdr, copy, copy ? 0 : -ENOMEM);
		copy = NULL;
	} else {
		xs_stat_add(&c->stats->unmatched, 1);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (!p && xs_conn_may_report(c))
		pr_err("xenstore: a reply (type %u, %u bytes) for request %u, which nobody waits "
		       "for: dropped\n",
		       rx->hdr.type, rx->hdr.len, rx->hdr.req_id);
	kfree(copy);
}

/* Every waiter learns the connection is gone. */
static void xs_fail_all(struct xs_conn *c, int err)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	struct xs_pending *p;

	c->dead = err;
	while ((p = c->pending)) {
		c->pending = p->next;
		xs_complete(p, &(struct xsd_sockmsg){0}, NULL, err);
	}
	spin_unlock_irqrestore(&c->lock, flags);
}

static void xs_deliver(struct xs_conn *c)
{
	int rc;

	if (c->rx.hdr.type == XS_WATCH_EVENT) {
		xs_stat_add(&c->stats->watch_events, 1);
		rc = xs_watch_event(c->rx.body, c->rx.hdr.len);
		if (rc == -EBADMSG) {
			xs_stat_add(&c->stats->malformed, 1);
			if (xs_conn_may_report(c))
				pr_err(
				    "xenstore: a watch event (%u bytes) that is not a terminated "
				    "path and token: dropped\n",
				    c->rx.hdr.len);
		} else if (rc)
			xs_stat_add(&c->stats->watch_dropped, 1);
	} else {
		xs_dispatch_reply(c, &c->rx);
	}
}

int xs_conn_receive(struct xs_conn *c)
{
	int rc;

	while ((rc = xs_conn_feed(c)) > 0) {
		xs_deliver(c);
		xs_rx_reset(&c->rx);
	}
	if (rc == 0)
		return 0;
	pr_err("xenstore: the response ring cannot be followed (%d: header type %u, len %u, "
	       "cons %u, prod %u): connection lost\n",
	       rc, c->rx.hdr.type, c->rx.hdr.len, c->rsp_cons, READ_ONCE(c->intf->rsp_prod));
	xs_fail_all(c, rc);
	return rc;
}

static bool xs_rsp_waiting(void)
{
	return READ_ONCE(xs_main.intf->rsp_prod) != xs_main.rsp_cons;
}

/* Every wait on the ring queues itself before it looks, so an event that
 * comes in between is not lost. */
static void xs_reader(void *arg)
{
	while (!xs_conn_receive(&xs_main))
		wait_event(&xs_ring_wq, xs_rsp_waiting());
}

/* --- requests ------------------------------------------------------- */

static bool xs_reply_done(struct xs_conn *c, struct xs_pending *p)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	bool done = p->done;

	spin_unlock_irqrestore(&c->lock, flags);
	return done;
}

static void xs_account(struct xs_conn *c, struct xs_pending *p, uint64_t t0, int rc)
{
	uint64_t took = sched_clock() - t0;

	if (rc == -ETIMEDOUT) {
		xs_stat_add(&c->stats->timeouts, 1);
		return;
	}
	xs_stat_add(&c->stats->replies, 1);
	xs_stat_add(&c->stats->reply_ns_total, took);
	xs_stat_max(&c->stats->reply_ns_max, took);
	if (p->hdr.type == XS_ERROR)
		xs_stat_add(&c->stats->errors, 1);
	else if (rc == -EBADMSG)
		xs_stat_add(&c->stats->malformed, 1);
}

/* Waits for the reply, or gives the request up at the deadline. */
static int xs_await(struct xs_conn *c, struct xs_pending *p, uint64_t deadline)
{
	unsigned long flags;
	bool gone;

	if (wait_event_deadline(&p->wq, xs_reply_done(c, p), deadline))
		return p->err;
	flags = spin_lock_irqsave(&c->lock);
	gone = xs_pending_take(c, p->req_id) != NULL;
	spin_unlock_irqrestore(&c->lock, flags);
	/* Not gone: the reply came between the deadline and the take. */
	return gone ? -ETIMEDOUT : p->err;
}

int xs_conn_link(struct xs_conn *c, struct xs_pending *p)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	int err = c->dead;

	if (!err) {
		p->next = c->pending;
		c->pending = p;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return err;
}

int xs_conn_finish(struct xs_conn *c, struct xs_pending *p, uint32_t type, uint64_t t0,
		   uint64_t deadline, struct xs_reply *reply)
{
	int rc = xs_await(c, p, deadline);
	const char *why = NULL;

	if (!rc)
		rc = xs_wire_judge_reply(&p->hdr, p->body, type, p->req_id, &why);
	if (why && xs_conn_may_report(c))
		pr_err("xenstore: request %u (type %u) answered with %s (type %u, %u bytes): "
		       "it fails (%d)\n",
		       p->req_id, type, why, p->hdr.type, p->hdr.len, rc);
	xs_account(c, p, t0, rc);
	if (rc) {
		kfree(p->body);
		return rc;
	}
	*reply = (struct xs_reply){.type = p->hdr.type, .len = p->hdr.len, .body = p->body};
	return 0;
}

/* Linked before it is sent, so that no reply can come before its waiter. */
static int xs_submit(struct xs_pending *p, const char *msg, size_t len, uint64_t deadline)
{
	unsigned long flags;
	size_t sent = 0;
	int rc;

	if ((rc = xs_conn_link(&xs_main, p)))
		return rc;
	mutex_lock(&xs_req_lock);
	rc = xs_send_msg(msg, len, deadline, &sent);
	/* Half a message in the ring spoils every later one. */
	if (rc && sent)
		xs_fail_all(&xs_main, -EIO);
	mutex_unlock(&xs_req_lock);
	if (rc) {
		flags = spin_lock_irqsave(&xs_main.lock);
		xs_pending_take(&xs_main, p->req_id);
		spin_unlock_irqrestore(&xs_main.lock, flags);
	}
	return rc;
}

static uint32_t xs_new_req_id(void)
{
	unsigned long flags = spin_lock_irqsave(&xs_main.lock);
	uint32_t id = xs_next_req_id++;

	/* 0 is what watch events carry; never use it for a request. */
	if (xs_next_req_id == 0)
		xs_next_req_id = 1;
	spin_unlock_irqrestore(&xs_main.lock, flags);
	return id;
}

int xs_talk_timeout(xs_transaction_t t, uint32_t type, const struct xs_seg *segs,
		    unsigned int nsegs, struct xs_reply *reply, uint64_t timeout_ns,
		    bool lose_reply)
{
	struct xs_pending p = {.req_id = xs_new_req_id(), .lose_reply = lose_reply};
	uint64_t t0 = sched_clock();
	size_t size = XS_HDR_SIZE;
	char *msg;
	int len, rc;

	if (!xs_connected)
		return -ENODEV;
	/* Sized for this message; one too big fails to build below. */
	for (unsigned int i = 0; i < nsegs && size <= XS_MSG_MAX; i++)
		size += MIN(segs[i].len, (size_t)XS_MSG_MAX);
	size = MIN(size, (size_t)XS_MSG_MAX);
	if (!(msg = kmalloc(size)))
		return -ENOMEM;
	len = xs_wire_build(msg, size, type, p.req_id, t, segs, nsegs);
	rc = len < 0 ? len : xs_submit(&p, msg, (size_t)len, t0 + timeout_ns);
	kfree(msg);
	if (rc)
		return rc;
	xs_stat_add(&xs_stats.requests, 1);
	return xs_conn_finish(&xs_main, &p, type, t0, t0 + timeout_ns, reply);
}

int xs_talk(xs_transaction_t t, uint32_t type, const struct xs_seg *segs, unsigned int nsegs,
	    struct xs_reply *reply)
{
	return xs_talk_timeout(t, type, segs, nsegs, reply, XS_REPLY_TIMEOUT_NS, false);
}

/* --- connecting ----------------------------------------------------- */

bool xs_available(void)
{
	return xs_connected && !xs_dead_err(&xs_main);
}

int xs_domid(void)
{
	return xs_my_domid;
}

/* The first request proves someone answers, and tells us who we are. */
static int xs_hello(void)
{
	uint64_t t0 = sched_clock(), domid;
	int rc = xs_read_u64(XBT_NIL, "domid", &domid);

	if (rc == -ETIMEDOUT || rc == -EIO || rc == -EBADMSG)
		return rc;
	if (!rc && domid < 0x7ff0)
		xs_my_domid = (int)domid;
	pr_info("xenstore: connected (port %u), domid %d, first reply after %lu us\n",
		xen_info.store_evtchn, xs_my_domid, (sched_clock() - t0) / NSEC_PER_USEC);
	return 0;
}

/* --- across a suspend ------------------------------------------------ */

#define XS_DRAIN_NS (5 * NSEC_PER_SEC)

static bool xs_none_pending(void)
{
	unsigned long flags = spin_lock_irqsave(&xs_main.lock);
	bool none = !xs_main.pending;

	spin_unlock_irqrestore(&xs_main.lock, flags);
	return none;
}

/* No request can start (xs_req_lock is held until xs_resume) and every
 * one sent has its reply, or -EBUSY after XS_DRAIN_NS with the store
 * free again.  A watch callback may call this: it is not in a request. */
int xs_suspend(void)
{
	uint64_t end = sched_clock() + XS_DRAIN_NS;

	if (!xs_connected)
		return 0;
	mutex_lock(&xs_req_lock);
	while (!xs_none_pending()) {
		if (sched_clock() > end) {
			mutex_unlock(&xs_req_lock);
			pr_err("xenstore: requests still unanswered after %lu s: not suspending\n",
			       XS_DRAIN_NS / NSEC_PER_SEC);
			return -EBUSY;
		}
		sleep_ns(NSEC_PER_MSEC);
	}
	return 0;
}

/* In a new domain the ring is the same page, but the store behind it and
 * its port are new: what the ring holds of the old store is dropped, our
 * request index is taken from the page, and the new port bound.  The
 * reader, waiting on an empty ring since the drain, starts over.  Then
 * every watch is sent again (watch_resume; each fires once, spuriously,
 * as at registration). */
static void xs_resume_ring(void)
{
	struct xenstore_domain_interface *intf = xen_info.store_ring;
	int rc;

	xs_main.intf = intf;
	xs_req_prod = READ_ONCE(intf->req_prod);
	if (READ_ONCE(intf->req_cons) != xs_req_prod)
		pr_warn("xenstore: the new ring's requests are not all taken (%u of %u): "
			"going on\n",
			READ_ONCE(intf->req_cons), xs_req_prod);
	xs_main.rsp_cons = READ_ONCE(intf->rsp_prod);
	xs_rx_reset(&xs_main.rx);
	rc = evtchn_bind_existing(xen_info.store_evtchn, xs_ring_event, NULL, "xenstore");
	if (rc < 0)
		pr_err("xenstore: cannot bind the new port %u (%d)\n", xen_info.store_evtchn, rc);
}

void xs_resume(bool new_domain)
{
	if (!xs_connected)
		return;
	if (new_domain)
		xs_resume_ring();
	mutex_unlock(&xs_req_lock);
	if (new_domain)
		xs_watch_resume();
}

int xs_init(void)
{
	int rc;

	if (!xen_info.store_ring)
		return -ENODEV;
	xs_main.intf = xen_info.store_ring;
	xs_req_prod = READ_ONCE(xs_main.intf->req_prod);
	xs_main.rsp_cons = READ_ONCE(xs_main.intf->rsp_cons);
	if (xs_ring_used(READ_ONCE(xs_main.intf->req_cons), xs_req_prod) < 0 ||
	    xs_ring_used(xs_main.rsp_cons, READ_ONCE(xs_main.intf->rsp_prod)) < 0) {
		pr_err("xenstore: the ring's indexes make no sense: not using it\n");
		return -EIO;
	}
	rc = evtchn_bind_existing(xen_info.store_evtchn, xs_ring_event, NULL, "xenstore");
	if (rc < 0) {
		pr_err("xenstore: cannot bind port %u (%d)\n", xen_info.store_evtchn, rc);
		return -EIO;
	}
	if (!thread_create_on("xs-reader", xs_reader, NULL, CPUMASK_ALL) || xs_watch_init())
		return -ENOMEM;
	xs_connected = true;
	if ((rc = xs_hello())) {
		pr_err("xenstore: no answer from the store (%d)\n", rc);
		xs_connected = false;
	}
	return rc;
}
