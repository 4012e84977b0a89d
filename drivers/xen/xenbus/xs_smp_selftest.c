/*
 * The xenstore client under load from every CPU at once: two threads per
 * online CPU (one kept on it, one free to move), each doing many round
 * trips on keys of its own under data/amphi-smp/<n> (write, read back,
 * list, remove, read the absence) with a watch on its directory that is
 * removed and registered again as it goes.  Every answer is checked
 * against what that thread alone wrote, and every watch event must name a
 * path of its own thread: a reply handed to the wrong waiter, a lost
 * wake-up, two requests mixed in the ring or a watch list torn by two
 * CPUs shows up as a wrong value, an -ETIMEDOUT or a stranger's event.
 *
 * The threads start rounds for a fixed time, not a fixed count, so that a
 * loaded host (these run under emulation beside other work) costs rounds,
 * not a false failure; the same work by one thread alone first gives the
 * rate to compare.  Every request has its own deadline (the client's 10 s)
 * and the whole run one more, so a hang is a failure with a reason, never
 * a hung boot.  Without a store (natively, or a dom0 with no xenstored) it
 * skips and says why.
 */
#include <amphi/cpu.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include "xs_internal.h"
#include "xs_selftest.h"

#define XS_SMP_BASE "data/amphi-smp"
#define XS_SMP_ROUNDS_MAX 60
#define XS_SMP_REWATCH_EVERY 5 /* rounds between a watch's removal and return */
#define XS_SMP_BIG_EVERY 4     /* rounds between values longer than the ring */
#define XS_SMP_BIG_LEN 1500
/* How long rounds are started: alone, then all threads at once. */
#define XS_SMP_ALONE_NS (2 * NSEC_PER_SEC)
#define XS_SMP_RUN_NS (8 * NSEC_PER_SEC)
/* After that, the round in flight and the last event may take this long:
 * a few requests, even one that meets its own timeout. */
#define XS_SMP_GRACE_NS (3 * XS_REPLY_TIMEOUT_NS)
#define XS_SMP_MAX_THREADS (2 * NR_CPUS)

struct xs_smp_worker {
	unsigned int n, rounds, requests, events;
	char dir[40], key[48], done_key[48];
	char *value; /* XS_SMP_BIG_LEN + 1 */
	struct xs_watch watch;
	volatile bool done_seen;
	bool pinned;
	const char *volatile doing; /* what it is at, for a report of a hang */
	cpumask_t ran_on;
	uint64_t migrations;
};

static struct {
	struct xs_smp_worker w[XS_SMP_MAX_THREADS];
	uint64_t until, deadline; /* no round starts after until; all back by deadline */
	volatile bool stop;
	struct spinlock fail_lock;
	char failure[128]; /* the first failure, under fail_lock */
	unsigned int finished;
	struct wait_queue done_wq, event_wq;
} xs_smp;

static void xs_smp_fail(struct xs_smp_worker *w, const char *fmt, ...) __printf(2, 3);

static void xs_smp_fail(struct xs_smp_worker *w, const char *fmt, ...)
{
	unsigned long flags = spin_lock_irqsave(&xs_smp.fail_lock);
	va_list ap;

	if (!xs_smp.failure[0]) {
		int n = snprintf(xs_smp.failure, sizeof(xs_smp.failure), "thread %u: ", w->n);

		va_start(ap, fmt);
		vsnprintf(xs_smp.failure + n, sizeof(xs_smp.failure) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	xs_smp.stop = true;
	spin_unlock_irqrestore(&xs_smp.fail_lock, flags);
}

/* From the watch thread: only this worker's own paths may come. */
static void xs_smp_watch_fired(struct xs_watch *xw, const char *path)
{
	struct xs_smp_worker *w = xw->data;
	size_t len = strlen(w->dir);

	w->events++;
	if (strncmp(path, w->dir, len) || (path[len] != '\0' && path[len] != '/'))
		xs_smp_fail(w, "its watch on %s fired for %.40s", w->dir, path);
	if (!strcmp(path, w->done_key))
		w->done_seen = true;
	wq_wake_all(&xs_smp.event_wq);
}

/* A value of its own for each round: who, which round, then filler;
 * every XS_SMP_BIG_EVERY rounds one longer than the ring. */
static void xs_smp_make_value(struct xs_smp_worker *w, unsigned int round)
{
	size_t len =
	    round % XS_SMP_BIG_EVERY == 0 ? XS_SMP_BIG_LEN : 16 + (round * 37 + w->n * 11) % 200;
	size_t at = (size_t)snprintf(w->value, XS_SMP_BIG_LEN + 1, "t%u r%u ", w->n, round);

	for (; at < len; at++)
		w->value[at] = (char)('a' + (at + w->n + round) % 26);
	w->value[len] = '\0';
}

/* Counts the request it is about to make, and says what it is. */
static void xs_smp_step(struct xs_smp_worker *w, const char *doing)
{
	w->requests++;
	w->doing = doing;
}

static bool xs_smp_expect_value(struct xs_smp_worker *w)
{
	int err;
	char *v;
	bool ok;

	xs_smp_step(w, "read");
	v = xs_read(XBT_NIL, w->key, &err);
	ok = v && !strcmp(v, w->value);
	if (!v)
		xs_smp_fail(w, "read %s: %d", w->key, err);
	else if (!ok)
		xs_smp_fail(w, "read %s: \"%.24s\" (%zu bytes), not \"%.24s\" (%zu)", w->key, v,
			    strlen(v), w->value, strlen(w->value));
	kfree(v);
	return ok;
}

static bool xs_smp_expect_listing(struct xs_smp_worker *w)
{
	unsigned int count = 0;
	char *names;
	int err;
	bool ok;

	xs_smp_step(w, "directory");
	names = xs_directory(XBT_NIL, w->dir, &count, &err);
	ok = names && count == 1 && !strcmp(names, "k");
	if (!ok)
		xs_smp_fail(w, "directory %s: %d, %u names (%.20s), not just \"k\"", w->dir,
			    names ? 0 : err, names ? count : 0, names && count ? names : "");
	kfree(names);
	return ok;
}

static bool xs_smp_expect_gone(struct xs_smp_worker *w)
{
	int err = 0;
	char *v;

	xs_smp_step(w, "read after rm");
	v = xs_read(XBT_NIL, w->key, &err);
	if (v || err != -ENOENT)
		xs_smp_fail(w, "read %s after rm: %d%s", w->key, err, v ? ", a value" : "");
	kfree(v);
	return !v && err == -ENOENT;
}

static bool xs_smp_round(struct xs_smp_worker *w, unsigned int round)
{
	int rc;

	xs_smp_make_value(w, round);
	xs_smp_step(w, "write");
	if ((rc = xs_write(XBT_NIL, w->key, w->value))) {
		xs_smp_fail(w, "round %u: write %s: %d", round, w->key, rc);
		return false;
	}
	if (!xs_smp_expect_value(w) || !xs_smp_expect_listing(w))
		return false;
	xs_smp_step(w, "rm");
	if ((rc = xs_rm(XBT_NIL, w->key))) {
		xs_smp_fail(w, "round %u: rm %s: %d", round, w->key, rc);
		return false;
	}
	return xs_smp_expect_gone(w);
}

static bool xs_smp_rewatch(struct xs_smp_worker *w)
{
	int rc;

	xs_smp_step(w, "unwatch");
	if (!(rc = xs_watch_unregister(&w->watch))) {
		xs_smp_step(w, "watch");
		rc = xs_watch_register(&w->watch);
	}
	if (rc) {
		xs_smp_fail(w, "watch %s removed and registered again: %d", w->dir, rc);
		return false;
	}
	return true;
}

/* Its last write must reach its watch. */
static void xs_smp_finish(struct xs_smp_worker *w)
{
	int rc;

	xs_smp_step(w, "write done");
	if ((rc = xs_write(XBT_NIL, w->done_key, "1"))) {
		xs_smp_fail(w, "write %s: %d", w->done_key, rc);
		return;
	}
	w->doing = "wait for the done event";
	if (!wait_event_deadline(&xs_smp.event_wq, w->done_seen || xs_smp.stop, xs_smp.deadline))
		xs_smp_fail(w, "no watch event for %s before the deadline (%u events)", w->done_key,
			    w->events);
}

static void xs_smp_worker_run(void *arg)
{
	struct xs_smp_worker *w = arg;
	unsigned int round;
	int rc;

	xs_smp_step(w, "watch");
	if ((rc = xs_watch_register(&w->watch)))
		xs_smp_fail(w, "watch %s: %d", w->dir, rc);
	for (round = 1; round <= XS_SMP_ROUNDS_MAX && !xs_smp.stop; round++) {
		w->ran_on |= cpumask_of(smp_processor_id());
		if (round > 1 && sched_clock() > xs_smp.until)
			break;
		if (!xs_smp_round(w, round))
			break;
		w->rounds++;
		if (round % XS_SMP_REWATCH_EVERY == 0)
			xs_smp_rewatch(w);
	}
	if (!xs_smp.stop)
		xs_smp_finish(w);
	xs_smp_step(w, "unwatch at the end");
	xs_watch_unregister(&w->watch);
	w->doing = "finished";
	w->migrations = thread_migrations(thread_current());
	__atomic_fetch_add(&xs_smp.finished, 1, __ATOMIC_RELEASE);
	wq_wake_all(&xs_smp.done_wq);
}

static bool xs_smp_worker_init(struct xs_smp_worker *w, unsigned int n)
{
	*w = (struct xs_smp_worker){.n = n, .pinned = n % 2 == 0, .doing = "starting"};
	snprintf(w->dir, sizeof(w->dir), XS_SMP_BASE "/%u", n);
	snprintf(w->key, sizeof(w->key), "%s/k", w->dir);
	snprintf(w->done_key, sizeof(w->done_key), "%s/done", w->dir);
	w->watch = (struct xs_watch){.path = w->dir, .callback = xs_smp_watch_fired, .data = w};
	return (w->value = kmalloc(XS_SMP_BIG_LEN + 1)) != NULL;
}

/* Thread 2c stays on CPU c, thread 2c+1 may run on any CPU. */
static unsigned int xs_smp_start(unsigned int want)
{
	cpumask_t all = xs_cpus();
	unsigned int made = 0, cpu = 0;

	for (; made < want; made++) {
		struct xs_smp_worker *w = &xs_smp.w[made];

		while (!(all & cpumask_of(cpu)))
			cpu++;
		if (!xs_smp_worker_init(w, made) ||
		    !thread_create_on("xs-smp", xs_smp_worker_run, w,
				      w->pinned ? cpumask_of(cpu) : all))
			break;
		if (!w->pinned)
			cpu++;
	}
	return made;
}

static unsigned int xs_smp_finished(void)
{
	return __atomic_load_n(&xs_smp.finished, __ATOMIC_ACQUIRE);
}

/* Requests a second, in tenths: a loaded host can make it less than one. */
static uint64_t xs_smp_rate(uint64_t requests, uint64_t took)
{
	return took ? requests * 10 * NSEC_PER_SEC / took : 0;
}

static void xs_smp_set_time(uint64_t run_ns)
{
	xs_smp.until = sched_clock() + run_ns;
	xs_smp.deadline = xs_smp.until + XS_SMP_GRACE_NS;
}

/* The same work by one thread alone first, for the rate to compare. */
static uint64_t xs_smp_alone(void)
{
	struct xs_smp_worker *w = &xs_smp.w[0];
	uint64_t t0 = sched_clock();

	xs_smp_set_time(XS_SMP_ALONE_NS);
	if (!xs_smp_worker_init(w, 0))
		return 0;
	xs_smp_worker_run(w);
	kfree(w->value);
	xs_rm(XBT_NIL, XS_SMP_BASE);
	xs_smp.finished = 0;
	return xs_smp_rate(w->requests, sched_clock() - t0);
}

/* The first thread not back, and what it was doing. */
static const struct xs_smp_worker *xs_smp_straggler(unsigned int made)
{
	for (unsigned int i = 0; i < made; i++)
		if (strcmp(xs_smp.w[i].doing, "finished"))
			return &xs_smp.w[i];
	return NULL;
}

static unsigned int xs_smp_fewest_rounds(unsigned int made)
{
	unsigned int fewest = ~0u;

	for (unsigned int i = 0; i < made; i++)
		fewest = MIN(fewest, xs_smp.w[i].rounds);
	return made ? fewest : 0;
}

static enum selftest_result xs_smp_report(struct selftest_ctx *ctx, unsigned int made,
					  uint64_t took, uint64_t alone)
{
	unsigned int requests = 0, events = 0, least = ~0u, most = 0;
	cpumask_t pinned_on = 0;
	uint64_t moved = 0;

	for (unsigned int i = 0; i < made; i++) {
		struct xs_smp_worker *w = &xs_smp.w[i];

		requests += w->requests;
		events += w->events;
		least = MIN(least, w->events);
		most = MAX(most, w->rounds);
		if (w->pinned)
			pinned_on |= w->ran_on;
		else
			moved += w->migrations;
	}
	if (pinned_on != xs_cpus())
		return selftest_fail(ctx, "the pinned threads ran on CPUs 0x%lx, not 0x%lx",
				     (unsigned long)pinned_on, (unsigned long)xs_cpus());
	return selftest_pass(ctx,
			     "%u threads on %u CPUs, %u-%u rounds each: %u requests, %lu.%lu/s "
			     "(alone %lu.%lu/s), all right; %u watch events (>= %u each), none "
			     "foreign; %lu moves",
			     made, nr_cpus_online(), xs_smp_fewest_rounds(made), most, requests,
			     xs_smp_rate(requests, took) / 10, xs_smp_rate(requests, took) % 10,
			     alone / 10, alone % 10, events, least, moved);
}

static void xs_smp_cleanup(unsigned int made)
{
	for (unsigned int i = 0; i < made; i++)
		kfree(xs_smp.w[i].value);
	xs_rm(XBT_NIL, XS_SMP_BASE);
}

SELFTEST(xs_smp)
{
	enum selftest_result r = xs_selftest_need_store(ctx);
	unsigned int want = 2 * nr_cpus_online(), made;
	uint64_t t0, alone;
	bool all_back;

	if (r != SELFTEST_SUCCESS)
		return r;
	xs_rm(XBT_NIL, XS_SMP_BASE);
	xs_smp.stop = false;
	xs_smp.failure[0] = '\0';
	xs_smp.finished = 0;
	alone = xs_smp_alone();
	t0 = sched_clock();
	xs_smp_set_time(XS_SMP_RUN_NS);
	made = xs_smp.failure[0] ? 0 : xs_smp_start(want);
	all_back = wait_event_deadline(&xs_smp.done_wq, xs_smp_finished() == made,
				       xs_smp.deadline + NSEC_PER_SEC);
	if (!all_back) {
		const struct xs_smp_worker *w = xs_smp_straggler(made);

		return selftest_fail(
		    ctx,
		    "%u of %u threads back within %lu s (%u+ rounds each); "
		    "thread %u at \"%s\" after %u requests; %s",
		    xs_smp_finished(), made, (XS_SMP_RUN_NS + XS_SMP_GRACE_NS) / NSEC_PER_SEC + 1,
		    xs_smp_fewest_rounds(made), w ? w->n : 0, w ? w->doing : "?",
		    w ? w->requests : 0, xs_smp.failure[0] ? xs_smp.failure : "none failed");
	}
	xs_smp_cleanup(made);
	if (xs_smp.failure[0])
		return selftest_fail(ctx, "%s", xs_smp.failure);
	if (made < want)
		return selftest_error(ctx, "only %u of %u threads could be started", made, want);
	return xs_smp_report(ctx, made, sched_clock() - t0, alone);
}
