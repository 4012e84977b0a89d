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
 *   - the pending requests, the next request id and xs_dead by the
 *     spinlock xs_lock.  A reply is handed over under it, and its waiter
 *     woken under it, and the waiter tests for its reply under it: a
 *     waiter that has seen its reply returns (its xs_pending and wait
 *     queue, on its stack, gone) only once the reader is done with them;
 *   - the response ring's index xs_rsp_cons and the message being put
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

/* On its caller's stack.  The reply's fields are written under xs_lock,
 * before `done`; the caller reads them once it has seen `done` there. */
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

struct xs_stats xs_stats;

/* Set by xs_init before the store is offered to anyone else. */
static struct xenstore_domain_interface *xs_intf;
static bool xs_connected;
static int xs_my_domid = -1;
/* Our own copies of the indexes we advance: the store has no business
 * changing them, so what it writes there is never read back.  The request
 * side's is under xs_req_lock; the response side's, with the message
 * being put together, is the reader's own. */
static XENSTORE_RING_IDX xs_req_prod, xs_rsp_cons;
static struct xs_rx xs_rx;
static struct wait_queue xs_ring_wq = WAIT_QUEUE_INIT;
static struct mutex xs_req_lock = MUTEX_INIT;
/* Under xs_lock: the requests waiting for replies, the next id, and the
 * error every call gets once the response stream was lost. */
static struct spinlock xs_lock = SPINLOCK_INIT;
static struct xs_pending *xs_pending_list;
static uint32_t xs_next_req_id = 1;
static int xs_dead;

static int xs_dead_err(void)
{
	unsigned long flags = spin_lock_irqsave(&xs_lock);
	int err = xs_dead;

	spin_unlock_irqrestore(&xs_lock, flags);
	return err;
}

/* --- the rings -------------------------------------------------------- */

static void xs_ring_event(evtchn_port_t port, void *arg)
{
	wq_wake_all(&xs_ring_wq);
}

static void xs_kick(void)
{
	evtchn_send(xen_info.store_evtchn);
}

/* Room in the request ring, or a ring so broken that waiting is useless. */
static bool xs_req_room(void)
{
	return xs_ring_used(READ_ONCE(xs_intf->req_cons), xs_req_prod) != XENSTORE_RING_SIZE;
}

/* Writes one whole message, waiting for room as the store consumes it.
 * Caller holds xs_req_lock. */
static int xs_send_msg(const char *msg, size_t len, uint64_t deadline, size_t *sent)
{
	for (size_t off = 0; off < len;) {
		XENSTORE_RING_IDX cons = READ_ONCE(xs_intf->req_cons);
		int n;

		/* The store has read everything up to cons before saying so. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		n = xs_ring_write(xs_intf->req, cons, &xs_req_prod, msg + off, len - off);
		if (n < 0)
			return n;
		off += (size_t)n;
		*sent = off;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(xs_intf->req_prod, xs_req_prod);
		xs_kick();
		if (off < len && !wait_event_deadline(&xs_ring_wq, xs_req_room(), deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

static bool xs_rsp_waiting(void)
{
	return READ_ONCE(xs_intf->rsp_prod) != xs_rsp_cons;
}

/* Feeds the assembler until a whole message is in xs_rx. */
static int xs_recv_msg(void)
{
	for (;;) {
		XENSTORE_RING_IDX prod = READ_ONCE(xs_intf->rsp_prod);
		XENSTORE_RING_IDX before = xs_rsp_cons;
		int rc;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		rc = xs_rx_feed(&xs_rx, xs_intf->rsp, &xs_rsp_cons, prod);
		if (xs_rsp_cons != before) {
			__atomic_thread_fence(__ATOMIC_RELEASE);
			WRITE_ONCE(xs_intf->rsp_cons, xs_rsp_cons);
			xs_kick();
		}
		if (rc)
			return rc;
		wait_event(&xs_ring_wq, xs_rsp_waiting());
	}
}

/* --- replies to requests -------------------------------------------- */

/* Unlinks the request with this id; xs_lock held. */
static struct xs_pending *xs_pending_take(uint32_t req_id)
{
	for (struct xs_pending **p = &xs_pending_list; *p; p = &(*p)->next) {
		struct xs_pending *found = *p;

		if (found->req_id == req_id) {
			*p = found->next;
			return found;
		}
	}
	return NULL;
}

/* xs_lock held, so that the waiter cannot see `done` and go before the
 * wake-up has finished with its queue. */
static void xs_complete(struct xs_pending *p, const struct xsd_sockmsg *hdr, char *body, int err)
{
	p->hdr = *hdr;
	p->body = body;
	p->err = err;
	p->done = true;
	wq_wake_all(&p->wq);
}

static void xs_dispatch_reply(const struct xs_rx *rx)
{
	char *copy = kmalloc(rx->hdr.len + 1);
	struct xs_pending *p;
	unsigned long flags;

	if (copy)
		memcpy(copy, rx->body, rx->hdr.len + 1);
	flags = spin_lock_irqsave(&xs_lock);
	p = xs_pending_take(rx->hdr.req_id);
	if (p && p->lose_reply) {
		p->next = xs_pending_list; /* still waiting, in vain */
		xs_pending_list = p;
	} else if (p) {
		xs_complete(p, &rx->hdr, copy, copy ? 0 : -ENOMEM);
		copy = NULL;
	} else {
		xs_stat_add(&xs_stats.unmatched, 1);
	}
	spin_unlock_irqrestore(&xs_lock, flags);
	kfree(copy);
}

/* Every waiter learns the connection is gone. */
static void xs_fail_all(int err)
{
	unsigned long flags = spin_lock_irqsave(&xs_lock);
	struct xs_pending *p;

	xs_dead = err;
	while ((p = xs_pending_list)) {
		xs_pending_list = p->next;
		xs_complete(p, &(struct xsd_sockmsg){0}, NULL, err);
	}
	spin_unlock_irqrestore(&xs_lock, flags);
}

static void xs_reader(void *arg)
{
	int rc;

	while ((rc = xs_recv_msg()) > 0) {
		if (xs_rx.hdr.type == XS_WATCH_EVENT) {
			xs_watch_event(xs_rx.body, xs_rx.hdr.len);
		} else {
			xs_dispatch_reply(&xs_rx);
		}
		xs_rx_reset(&xs_rx);
	}
	pr_err("xenstore: the response ring cannot be followed (%d: header type %u, len %u, "
	       "cons %u, prod %u): connection lost\n",
	       rc, xs_rx.hdr.type, xs_rx.hdr.len, xs_rsp_cons, READ_ONCE(xs_intf->rsp_prod));
	xs_fail_all(rc);
}

/* --- requests ------------------------------------------------------- */

static bool xs_reply_done(struct xs_pending *p)
{
	unsigned long flags = spin_lock_irqsave(&xs_lock);
	bool done = p->done;

	spin_unlock_irqrestore(&xs_lock, flags);
	return done;
}

static void xs_account(struct xs_pending *p, uint64_t t0, int rc)
{
	uint64_t took = sched_clock() - t0;

	if (rc == -ETIMEDOUT) {
		xs_stat_add(&xs_stats.timeouts, 1);
		return;
	}
	xs_stat_add(&xs_stats.replies, 1);
	xs_stat_add(&xs_stats.reply_ns_total, took);
	xs_stat_max(&xs_stats.reply_ns_max, took);
	if (p->hdr.type == XS_ERROR)
		xs_stat_add(&xs_stats.errors, 1);
	else if (rc == -EBADMSG)
		xs_stat_add(&xs_stats.malformed, 1);
}

/* Waits for the reply, or gives the request up at the deadline. */
static int xs_await(struct xs_pending *p, uint64_t deadline)
{
	unsigned long flags;
	bool gone;

	if (wait_event_deadline(&p->wq, xs_reply_done(p), deadline))
		return p->err;
	flags = spin_lock_irqsave(&xs_lock);
	gone = xs_pending_take(p->req_id) != NULL;
	spin_unlock_irqrestore(&xs_lock, flags);
	/* Not gone: the reply came between the deadline and the take. */
	return gone ? -ETIMEDOUT : p->err;
}

/* Linked before it is sent, so that no reply can come before its waiter. */
static int xs_submit(struct xs_pending *p, const char *msg, size_t len, uint64_t deadline)
{
	unsigned long flags = spin_lock_irqsave(&xs_lock);
	size_t sent = 0;
	int rc;

	p->next = xs_pending_list;
	xs_pending_list = p;
	spin_unlock_irqrestore(&xs_lock, flags);
	mutex_lock(&xs_req_lock);
	rc = xs_dead_err();
	if (!rc)
		rc = xs_send_msg(msg, len, deadline, &sent);
	/* Half a message in the ring spoils every later one. */
	if (rc && sent)
		xs_fail_all(-EIO);
	mutex_unlock(&xs_req_lock);
	if (rc) {
		flags = spin_lock_irqsave(&xs_lock);
		xs_pending_take(p->req_id);
		spin_unlock_irqrestore(&xs_lock, flags);
	}
	return rc;
}

static uint32_t xs_new_req_id(void)
{
	unsigned long flags = spin_lock_irqsave(&xs_lock);
	uint32_t id = xs_next_req_id++;

	/* 0 is what watch events carry; never use it for a request. */
	if (xs_next_req_id == 0)
		xs_next_req_id = 1;
	spin_unlock_irqrestore(&xs_lock, flags);
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
	rc = xs_await(&p, t0 + timeout_ns);
	if (!rc)
		rc = xs_wire_check_reply(&p.hdr, p.body, type, p.req_id);
	xs_account(&p, t0, rc);
	if (rc) {
		kfree(p.body);
		return rc;
	}
	*reply = (struct xs_reply){.type = p.hdr.type, .len = p.hdr.len, .body = p.body};
	return 0;
}

int xs_talk(xs_transaction_t t, uint32_t type, const struct xs_seg *segs, unsigned int nsegs,
	    struct xs_reply *reply)
{
	return xs_talk_timeout(t, type, segs, nsegs, reply, XS_REPLY_TIMEOUT_NS, false);
}

/* --- connecting ----------------------------------------------------- */

bool xs_available(void)
{
	return xs_connected && !xs_dead_err();
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

int xs_init(void)
{
	int rc;

	if (!xen_info.store_ring)
		return -ENODEV;
	xs_intf = xen_info.store_ring;
	xs_req_prod = READ_ONCE(xs_intf->req_prod);
	xs_rsp_cons = READ_ONCE(xs_intf->rsp_cons);
	if (xs_ring_used(READ_ONCE(xs_intf->req_cons), xs_req_prod) < 0 ||
	    xs_ring_used(xs_rsp_cons, READ_ONCE(xs_intf->rsp_prod)) < 0) {
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
