/*
 * The xenstore client against a store that breaks the protocol.  The
 * test makes a connection of its own (struct xs_conn) on a ring in plain
 * memory, plays the store by writing replies into its response ring, and
 * drives the client's reply path through the functions the reader thread
 * and every request use: xs_conn_receive (the ring read, messages put
 * together, told apart and handed to their waiters) and xs_conn_finish
 * (the reply judged and handed to the caller).  No event channel, grant
 * or real store is involved, so it runs wherever the kernel runs, natively
 * too, and the kernel's own connection is never touched.
 *
 * One request (id 7) waits in each case.  The store answers it well, with
 * a known error, or badly: a length beyond XENSTORE_PAYLOAD_MAX, a reply
 * for an id nobody waits for, a reply of the wrong type, payloads missing
 * the terminator their type requires, an error naming no errno we know,
 * and watch events without a (terminated) token.  Each time the client
 * must say what was wrong (one error report, no more), give the waiting
 * request an error or, where the bad message was not its reply, its own
 * good reply afterwards; and lose the connection only when the stream
 * cannot be followed any more.  Every wait has a deadline, so a request
 * left waiting is a failure with a reason, not a hang.
 */
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include "xs_internal.h"

#define HOSTILE_ID 7

struct xs_hostile {
	struct xs_conn conn;
	struct xs_stats stats;
};

static struct xs_hostile *xs_hostile_new(void)
{
	struct xs_hostile *h = kmalloc(sizeof(*h));

	if (!h)
		return NULL;
	memset(h, 0, sizeof(*h));
	h->conn = (struct xs_conn){.stats = &h->stats, .lock = SPINLOCK_INIT};
	if (!(h->conn.intf = mm_page_alloc_zeroed())) {
		kfree(h);
		return NULL;
	}
	return h;
}

static void xs_hostile_free(struct xs_hostile *h)
{
	mm_page_free(h->conn.intf);
	kfree(h);
}

/* Raw bytes into the response ring, published at once. */
static void store_put(struct xs_hostile *h, const void *data, size_t len)
{
	struct xenstore_domain_interface *intf = h->conn.intf;
	XENSTORE_RING_IDX prod = intf->rsp_prod;

	xs_ring_write(intf->rsp, intf->rsp_cons, &prod, data, len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	intf->rsp_prod = prod;
}

/* One message of `type` for request `id`, its payload len bytes of body. */
static void store_send(struct xs_hostile *h, uint32_t type, uint32_t id, const char *body,
		       size_t len)
{
	char msg[XS_HDR_SIZE + 64];
	struct xs_seg seg = {body, len};
	int n = xs_wire_build(msg, sizeof(msg), type, id, 0, &seg, 1);

	if (n > 0)
		store_put(h, msg, (size_t)n);
}

#define SEND(h, type, id, lit) store_send(h, type, id, lit, sizeof(lit) - 1)

static void play_good(struct xs_hostile *h)
{
	SEND(h, XS_READ, HOSTILE_ID, "hello");
}

static void play_known_error(struct xs_hostile *h)
{
	SEND(h, XS_ERROR, HOSTILE_ID, "ENOENT\0");
}

/* A header whose length no message may have, then a little of its
 * "payload": the stream cannot be followed past it. */
static void play_oversized(struct xs_hostile *h)
{
	struct xsd_sockmsg hdr = {
	    .type = XS_READ, .req_id = HOSTILE_ID, .len = XENSTORE_PAYLOAD_MAX + 1};

	store_put(h, &hdr, sizeof(hdr));
	store_put(h, "0123456789abcdef", 16);
}

static void play_unmatched(struct xs_hostile *h)
{
	SEND(h, XS_READ, 99, "stray");
	play_good(h);
}

static void play_wrong_type(struct xs_hostile *h)
{
	SEND(h, XS_DIRECTORY, HOSTILE_ID, "a\0b\0");
}

static void play_tx_unterminated(struct xs_hostile *h)
{
	SEND(h, XS_TRANSACTION_START, HOSTILE_ID, "12");
}

static void play_ok_unterminated(struct xs_hostile *h)
{
	SEND(h, XS_WRITE, HOSTILE_ID, "OK");
}

static void play_error_unterminated(struct xs_hostile *h)
{
	SEND(h, XS_ERROR, HOSTILE_ID, "ENOENT");
}

static void play_unknown_errno(struct xs_hostile *h)
{
	SEND(h, XS_ERROR, HOSTILE_ID, "EWHATEVER\0");
}

static void play_event_no_token(struct xs_hostile *h)
{
	SEND(h, XS_WATCH_EVENT, 0, "device/vif\0");
	play_good(h);
}

static void play_event_token_unterminated(struct xs_hostile *h)
{
	SEND(h, XS_WATCH_EVENT, 0,
	     "device/vif\0"
	     "12");
	play_good(h);
}

struct xs_hostile_case {
	const char *name;
	uint32_t type; /* of the request waiting */
	void (*play)(struct xs_hostile *h);
	int rc;		  /* what that request must get */
	unsigned reports; /* error reports the client must make */
	bool lost;	  /* must the connection be lost? */
};

static const struct xs_hostile_case xs_hostile_cases[] = {
    {"a good reply", XS_READ, play_good, 0, 0, false},
    {"a known error", XS_READ, play_known_error, -ENOENT, 0, false},
    {"a length beyond XENSTORE_PAYLOAD_MAX", XS_READ, play_oversized, -EBADMSG, 1, true},
    {"a reply to an id nobody waits for", XS_READ, play_unmatched, 0, 1, false},
    {"a reply of the wrong type", XS_READ, play_wrong_type, -EBADMSG, 1, false},
    {"a transaction id without its terminator", XS_TRANSACTION_START, play_tx_unterminated,
     -EBADMSG, 1, false},
    {"an OK without its terminator", XS_WRITE, play_ok_unterminated, -EBADMSG, 1, false},
    {"an error name without its terminator", XS_READ, play_error_unterminated, -EBADMSG, 1, false},
    {"an error naming no errno we know", XS_READ, play_unknown_errno, -EIO, 1, false},
    {"a watch event with no token", XS_READ, play_event_no_token, 0, 1, false},
    {"a watch event whose token is not terminated", XS_READ, play_event_token_unterminated, 0, 1,
     false},
};

/* What is wrong with the outcome of case c, or NULL. */
static const char *xs_hostile_judge(struct xs_hostile *h, const struct xs_hostile_case *c,
				    int received, int rc, const struct xs_reply *reply)
{
	struct xs_pending other = {.req_id = HOSTILE_ID + 1};

	if (rc == -ETIMEDOUT)
		return "the request was left waiting";
	if (rc != c->rc)
		return "the request got the wrong answer";
	if (!rc && (reply->len != 5 || memcmp(reply->body, "hello", 6)))
		return "the request did not get its own reply";
	if ((received != 0) != c->lost)
		return c->lost ? "the connection went on past a stream it cannot follow"
			       : "the connection was lost for a message it could skip";
	if (h->conn.pending)
		return "a request is still linked";
	if (c->lost && !xs_conn_link(&h->conn, &other))
		return "a lost connection took a new request";
	if (!c->lost && xs_conn_link(&h->conn, &other))
		return "a connection that went on refused a new request";
	return NULL;
}

static enum selftest_result xs_hostile_run(struct selftest_ctx *ctx,
					   const struct xs_hostile_case *c)
{
	struct xs_hostile *h = xs_hostile_new();
	struct xs_pending p = {.req_id = HOSTILE_ID};
	struct xs_reply reply = {0};
	unsigned long reports;
	uint64_t t0 = sched_clock();
	const char *why;
	int received, rc;

	if (!h)
		return selftest_error(ctx, "out of memory");
	xs_conn_link(&h->conn, &p);
	reports = printk_error_reports(true);
	c->play(h);
	received = xs_conn_receive(&h->conn);
	rc = xs_conn_finish(&h->conn, &p, c->type, t0, sched_clock() + 200 * NSEC_PER_MSEC, &reply);
	reports = printk_error_reports(true) - reports;
	why = xs_hostile_judge(h, c, received, rc, &reply);
	if (!rc)
		kfree(reply.body);
	xs_hostile_free(h);
	if (why)
		return selftest_fail(ctx, "%s: %s (%d, connection %d)", c->name, why, rc, received);
	if (reports != c->reports)
		return selftest_fail(ctx, "%s: %lu error reports, expected %u", c->name, reports,
				     c->reports);
	return SELFTEST_SUCCESS;
}

SELFTEST(xs_hostile)
{
	enum selftest_result r = SELFTEST_SUCCESS;
	unsigned n = ARRAY_SIZE(xs_hostile_cases);

	printk_expect_errors(true);
	for (unsigned i = 0; i < n && !r; i++)
		r = xs_hostile_run(ctx, &xs_hostile_cases[i]);
	printk_expect_errors(false);
	if (r)
		return r;
	return selftest_pass(ctx,
			     "%u cases: an oversized length loses the connection, its waiter "
			     "failed; wrong types, missing terminators and unknown errors fail "
			     "the request; stray replies and bad watch events are skipped; each "
			     "reported once",
			     n);
}
