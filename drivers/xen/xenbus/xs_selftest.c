/*
 * Selftests of the xenstore client against the real store of a domU.
 * Everything they write is under data/amphi-test, in our own domain's
 * directory (the part of it a domU may write), and is removed again.
 * Without a store (natively, or as dom0 in these scenarios, which run no
 * xenstored) they skip and say why; a domU whose store does not answer
 * fails.  Every wait is bounded, so a lost event is a failure with a
 * reason, not a hang.
 */
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <asm/xen/xen.h>
#include "xs_internal.h"
#include "xs_selftest.h"

#define BASE "data/amphi-test"

enum selftest_result xs_selftest_need_store(struct selftest_ctx *ctx)
{
	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not on Xen: there is no xenstore");
	if (!xen_info.store_ring && hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0 without a store ring (no xenstored runs here)");
	if (!xen_info.store_ring)
		return selftest_fail(ctx, "this domU was given no store ring");
	if (!xs_available())
		return selftest_fail(ctx, "the store ring exists but the client is not connected");
	return SELFTEST_SUCCESS;
}

/* Reads path and compares it with want; false with the reason in ctx. */
bool xs_selftest_expect(struct selftest_ctx *ctx, const char *path, const char *want)
{
	int err;
	char *v = xs_read(XBT_NIL, path, &err);
	bool ok = v && !strcmp(v, want);

	if (!v)
		selftest_fail(ctx, "read %s: %d, expected \"%.40s\"", path, err, want);
	else if (!ok)
		selftest_fail(ctx, "read %s: \"%.40s\", expected \"%.40s\"", path, v, want);
	kfree(v);
	return ok;
}

SELFTEST(xs_read)
{
	enum selftest_result r = xs_selftest_need_store(ctx);
	uint64_t domid, t0, took, max = 0;
	char *v;
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	if ((rc = xs_read_u64(XBT_NIL, "domid", &domid)))
		return selftest_fail(ctx, "read domid: %d", rc);
	if (domid == 0 || (int)domid != xs_domid())
		return selftest_fail(ctx, "domid %lu, but %d at connection", domid, xs_domid());
	v = xs_read(XBT_NIL, BASE "/no-such-node", &rc);
	kfree(v);
	if (v || rc != -ENOENT)
		return selftest_fail(ctx, "read of a missing node gave %d, not -ENOENT", rc);
	t0 = sched_clock();
	for (int i = 0; i < 20; i++) {
		uint64_t t1 = sched_clock();

		if ((rc = xs_read_u64(XBT_NIL, "domid", &domid)))
			return selftest_fail(ctx, "read %d of domid: %d", i, rc);
		max = MAX(max, sched_clock() - t1);
	}
	took = (sched_clock() - t0) / 20;
	return selftest_pass(ctx, "domid %lu; missing node -ENOENT; a read takes %lu us (max %lu)",
			     domid, took / NSEC_PER_USEC, max / NSEC_PER_USEC);
}

/* Writes, reads back, and a value longer than the ring (sent and
 * received in pieces). */
static enum selftest_result xs_values(struct selftest_ctx *ctx)
{
	static char big[1500 + 1];
	char abs[64];
	uint64_t n = 0;
	int rc;

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	if ((rc = xs_write(XBT_NIL, BASE "/value", "hello")))
		return selftest_fail(ctx, "write " BASE "/value: %d", rc);
	if (!xs_selftest_expect(ctx, BASE "/value", "hello"))
		return SELFTEST_FAILURE;
	snprintf(abs, sizeof(abs), "/local/domain/%d/" BASE "/abs", xs_domid());
	if ((rc = xs_write(XBT_NIL, abs, "")))
		return selftest_fail(ctx, "write %s: %d", abs, rc);
	if (!xs_selftest_expect(ctx, BASE "/abs", ""))
		return SELFTEST_FAILURE;
	if ((rc = xs_printf(XBT_NIL, BASE "/num", "%d", 12345)) ||
	    (rc = xs_read_u64(XBT_NIL, BASE "/num", &n)) || n != 12345)
		return selftest_fail(ctx, "printf/read_u64 of 12345: %d, %lu", rc, n);
	if ((rc = xs_write(XBT_NIL, BASE "/big", big)))
		return selftest_fail(ctx, "write of %zu bytes: %d", sizeof(big) - 1, rc);
	if (!xs_selftest_expect(ctx, BASE "/big", big))
		return SELFTEST_FAILURE;
	return SELFTEST_SUCCESS;
}

static bool xs_has_name(const char *names, unsigned int count, const char *want)
{
	for (unsigned int i = 0; i < count; i++, names += strlen(names) + 1)
		if (!strcmp(names, want))
			return true;
	return false;
}

static enum selftest_result xs_dirs(struct selftest_ctx *ctx)
{
	unsigned int count;
	char *names;
	int rc;

	if ((rc = xs_mkdir(XBT_NIL, BASE "/dir")))
		return selftest_fail(ctx, "mkdir: %d", rc);
	if (!(names = xs_directory(XBT_NIL, BASE, &count, &rc)))
		return selftest_fail(ctx, "directory " BASE ": %d", rc);
	bool all = count == 5 && xs_has_name(names, count, "value") &&
		   xs_has_name(names, count, "abs") && xs_has_name(names, count, "num") &&
		   xs_has_name(names, count, "big") && xs_has_name(names, count, "dir");
	kfree(names);
	if (!all)
		return selftest_fail(ctx, "directory " BASE ": %u names, not the 5 written", count);
	if ((rc = xs_rm(XBT_NIL, BASE "/dir")))
		return selftest_fail(ctx, "rm: %d", rc);
	kfree(xs_read(XBT_NIL, BASE "/dir", &rc));
	if (rc != -ENOENT)
		return selftest_fail(ctx, "read after rm: %d, not -ENOENT", rc);
	if (!(names = xs_directory(XBT_NIL, BASE "/value", &count, &rc)) || count != 0)
		return selftest_fail(ctx, "directory of a leaf: %d, %u names", rc,
				     names ? count : 0);
	kfree(names);
	return SELFTEST_SUCCESS;
}

/* What the client refuses before sending anything. */
static enum selftest_result xs_refusals(struct selftest_ctx *ctx)
{
	static char huge[XENSTORE_PAYLOAD_MAX + 2];
	int rc;

	if ((rc = xs_write(XBT_NIL, BASE "//x", "v")) != -EINVAL)
		return selftest_fail(ctx, "write to a path with '//': %d, not -EINVAL", rc);
	if ((rc = xs_write(XBT_NIL, "", "v")) != -EINVAL)
		return selftest_fail(ctx, "write to an empty path: %d, not -EINVAL", rc);
	memset(huge, 'x', sizeof(huge) - 1);
	if ((rc = xs_write(XBT_NIL, BASE "/huge", huge)) != -E2BIG)
		return selftest_fail(ctx, "write beyond the payload limit: %d, not -E2BIG", rc);
	return SELFTEST_SUCCESS;
}

SELFTEST(xs_write)
{
	enum selftest_result r = xs_selftest_need_store(ctx);

	if (r != SELFTEST_SUCCESS)
		return r;
	xs_rm(XBT_NIL, BASE);
	if ((r = xs_values(ctx)) == SELFTEST_SUCCESS && (r = xs_dirs(ctx)) == SELFTEST_SUCCESS)
		r = xs_refusals(ctx);
	xs_rm(XBT_NIL, BASE);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "write/read back (relative = /local/domain/%d), 1500-byte "
			     "value, mkdir/rm, directory, bad paths refused",
			     xs_domid());
}

SELFTEST(xs_perms)
{
	enum selftest_result r = xs_selftest_need_store(ctx);
	char want[32], *perms;
	size_t len, wlen;
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	if ((rc = xs_write(XBT_NIL, BASE "/p", "v")))
		return selftest_fail(ctx, "write: %d", rc);
	if (!(perms = xs_get_perms(XBT_NIL, BASE "/p", &len, &rc)))
		return selftest_fail(ctx, "get_perms of a new node: %d", rc);
	kfree(perms);
	/* We own it, others may not touch it, dom0 may read. */
	wlen = (size_t)snprintf(want, sizeof(want), "n%d%cr0", xs_domid(), 0) + 1;
	if ((rc = xs_set_perms(XBT_NIL, BASE "/p", want, wlen)))
		return selftest_fail(ctx, "set_perms: %d", rc);
	perms = xs_get_perms(XBT_NIL, BASE "/p", &len, &rc);
	bool same = perms && len == wlen && !memcmp(perms, want, len);
	kfree(perms);
	xs_rm(XBT_NIL, BASE);
	if (!same)
		return selftest_fail(ctx, "perms read back (%d, %zu bytes) differ from those set",
				     rc, perms ? len : 0);
	if ((rc = xs_set_perms(XBT_NIL, BASE "/p", "x1", 3)) != -EINVAL)
		return selftest_fail(ctx, "set_perms with a bad entry: %d, not -EINVAL", rc);
	return selftest_pass(ctx, "set \"n%d r0\" and read it back", xs_domid());
}

struct xs_test_watch {
	struct xs_watch w;
	volatile unsigned int count;
	const char *volatile want; /* the path waited for */
	volatile bool seen;
	struct wait_queue wq;
};

static void xs_test_watch_fired(struct xs_watch *w, const char *path)
{
	struct xs_test_watch *t = w->data;

	t->count++;
	if (t->want && !strcmp(path, t->want))
		t->seen = true;
	wq_wake_all(&t->wq);
}

static void xs_test_expect_event(struct xs_test_watch *t, const char *path)
{
	t->seen = false;
	t->want = path;
}

static bool xs_test_await_event(struct xs_test_watch *t)
{
	return wait_event_deadline(&t->wq, t->seen, sched_clock() + 2 * NSEC_PER_SEC);
}

static enum selftest_result xs_watch_two(struct selftest_ctx *ctx, struct xs_test_watch *a,
					 struct xs_test_watch *b)
{
	int rc;

	xs_test_expect_event(a, BASE "/w");
	xs_test_expect_event(b, BASE "/w");
	if ((rc = xs_watch_register(&a->w)) || (rc = xs_watch_register(&b->w)))
		return selftest_fail(ctx, "register: %d", rc);
	if ((rc = xs_watch_register(&a->w)) != -EEXIST)
		return selftest_fail(ctx, "registering a watch twice gave %d, not -EEXIST", rc);
	if (!xs_test_await_event(a) || !xs_test_await_event(b))
		return selftest_fail(ctx, "no event on registration within 2 s (%u, %u events)",
				     a->count, b->count);
	xs_test_expect_event(a, BASE "/w/x");
	xs_test_expect_event(b, BASE "/w/x");
	if ((rc = xs_write(XBT_NIL, BASE "/w/x", "1")))
		return selftest_fail(ctx, "write: %d", rc);
	if (!xs_test_await_event(a) || !xs_test_await_event(b))
		return selftest_fail(ctx, "no event for " BASE "/w/x within 2 s");
	return SELFTEST_SUCCESS;
}

/* After unregistering, a write must not reach the callback. */
static enum selftest_result xs_watch_gone(struct selftest_ctx *ctx, struct xs_test_watch *a,
					  struct xs_test_watch *b)
{
	unsigned int before;
	int rc;

	if ((rc = xs_watch_unregister(&a->w)))
		return selftest_fail(ctx, "unregister: %d", rc);
	before = a->count;
	xs_test_expect_event(b, BASE "/w/y");
	if ((rc = xs_write(XBT_NIL, BASE "/w/y", "2")))
		return selftest_fail(ctx, "write: %d", rc);
	if (!xs_test_await_event(b))
		return selftest_fail(ctx, "the watch left in place saw no event");
	if (a->count != before)
		return selftest_fail(ctx, "a removed watch still fired");
	if ((rc = xs_watch_unregister(&a->w)) != -ENOENT)
		return selftest_fail(ctx, "second unregister: %d, not -ENOENT", rc);
	return SELFTEST_SUCCESS;
}

SELFTEST(xs_watch)
{
	static struct xs_test_watch a, b;
	enum selftest_result r = xs_selftest_need_store(ctx);

	if (r != SELFTEST_SUCCESS)
		return r;
	a = (struct xs_test_watch){.w = {.path = BASE "/w", .callback = xs_test_watch_fired}};
	b = (struct xs_test_watch){.w = {.path = BASE "/w", .callback = xs_test_watch_fired}};
	a.w.data = &a;
	b.w.data = &b;
	xs_mkdir(XBT_NIL, BASE "/w");
	r = xs_watch_two(ctx, &a, &b);
	if (r == SELFTEST_SUCCESS)
		r = xs_watch_gone(ctx, &a, &b);
	xs_watch_unregister(&a.w);
	xs_watch_unregister(&b.w);
	xs_rm(XBT_NIL, BASE);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx, "two watches on one path: fired on registration and on a "
				  "write; none after removal");
}

/* One read-increment-write of BASE/counter in a transaction; `meddle`
 * writes the counter from outside between the read and the commit. */
static int xs_test_increment(bool meddle)
{
	xs_transaction_t t;
	uint64_t v;
	int rc;

	if ((rc = xs_transaction_start(&t)))
		return rc;
	if ((rc = xs_read_u64(t, BASE "/counter", &v)) ||
	    (meddle && (rc = xs_write(XBT_NIL, BASE "/counter", "10"))) ||
	    (rc = xs_printf(t, BASE "/counter", "%lu", v + 1))) {
		xs_transaction_end(t, true);
		return rc;
	}
	return xs_transaction_end(t, false);
}

static enum selftest_result xs_transactions(struct selftest_ctx *ctx)
{
	xs_transaction_t t;
	int rc, tries;

	if ((rc = xs_write(XBT_NIL, BASE "/counter", "1")))
		return selftest_fail(ctx, "write: %d", rc);
	if ((rc = xs_test_increment(true)) != -EAGAIN)
		return selftest_fail(ctx, "commit after an outside write: %d, not -EAGAIN", rc);
	if (!xs_selftest_expect(ctx, BASE "/counter", "10"))
		return SELFTEST_FAILURE;
	for (tries = 1; (rc = xs_test_increment(tries == 1)) == -EAGAIN && tries < 5; tries++)
		;
	if (rc || tries != 2)
		return selftest_fail(ctx, "retry loop: %d after %d tries (expected 2)", rc, tries);
	if (!xs_selftest_expect(ctx, BASE "/counter", "11"))
		return SELFTEST_FAILURE;
	if ((rc = xs_transaction_start(&t)) || (rc = xs_write(t, BASE "/aborted", "x")) ||
	    (rc = xs_transaction_end(t, true)))
		return selftest_fail(ctx, "aborted transaction: %d", rc);
	kfree(xs_read(XBT_NIL, BASE "/aborted", &rc));
	if (rc != -ENOENT)
		return selftest_fail(ctx, "a write in an aborted transaction is visible (%d)", rc);
	return SELFTEST_SUCCESS;
}

SELFTEST(xs_transaction)
{
	enum selftest_result r = xs_selftest_need_store(ctx);

	if (r != SELFTEST_SUCCESS)
		return r;
	r = xs_transactions(ctx);
	xs_rm(XBT_NIL, BASE);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx, "conflict -> -EAGAIN, retried once and committed; abort "
				  "discards");
}

SELFTEST(xs_timeout)
{
	enum selftest_result r = xs_selftest_need_store(ctx);
	struct xs_seg seg = {"domid", 6};
	uint64_t t0, took, timeouts = xs_stats.timeouts, domid;
	struct xs_reply reply;
	int rc;

	if (r != SELFTEST_SUCCESS)
		return r;
	t0 = sched_clock();
	rc = xs_talk_timeout(XBT_NIL, XS_READ, &seg, 1, &reply, 300 * NSEC_PER_MSEC, true);
	took = sched_clock() - t0;
	if (rc == 0)
		kfree(reply.body);
	if (rc != -ETIMEDOUT)
		return selftest_fail(ctx, "a lost reply gave %d, not -ETIMEDOUT", rc);
	if (took < 300 * NSEC_PER_MSEC || took > 3 * NSEC_PER_SEC)
		return selftest_fail(ctx, "gave up after %lu ms, not 300", took / NSEC_PER_MSEC);
	if (xs_stats.timeouts != timeouts + 1)
		return selftest_fail(ctx, "the timeout was not counted");
	if ((rc = xs_read_u64(XBT_NIL, "domid", &domid)))
		return selftest_fail(ctx, "the request after a lost reply failed: %d", rc);
	return selftest_pass(ctx, "lost reply: -ETIMEDOUT after %lu ms; the next request works",
			     took / NSEC_PER_MSEC);
}
