/*
 * Xenstore watches.  Each registered watch gets a token of its own (a
 * number, never reused), which is how an event finds its watch: two
 * watches on the same path stay apart, and an event for a watch that was
 * just removed finds nothing and is dropped.
 *
 * The ring reader only queues events; a watch thread runs the callbacks,
 * one at a time and in arrival order.  Callbacks may therefore talk to the
 * store (the reader keeps delivering their replies) and may register or
 * remove watches, their own included.  Removing a watch from another
 * thread waits until its callback is not running, so once
 * xs_watch_unregister() returns the watch's memory may be reused.
 *
 * The queue is bounded: a store flooding us with events loses some of
 * them (counted) rather than exhausting the heap.
 *
 * The reader queues, the watch thread takes, and any thread on any CPU
 * registers and removes watches, all at once: the watch list, the event
 * queue, the running watch and the next token are under the spinlock
 * xs_watch_lock (no event handler takes it; interrupts are off while it
 * is held only so that its holder is not preempted).  Callbacks run with
 * no lock held.
 */
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include "xs_internal.h"

#define XS_EVENTS_MAX 256

struct xs_event {
	struct xs_event *next;
	unsigned long token;
	char path[];
};

/* All of these under xs_watch_lock. */
static struct spinlock xs_watch_lock = SPINLOCK_INIT;
static struct xs_watch *xs_watches;
static struct xs_event *xs_ev_head, **xs_ev_tail = &xs_ev_head;
static unsigned int xs_ev_count;
static struct xs_watch *xs_running;
static unsigned long xs_next_token = 1;

static struct wait_queue xs_ev_wq = WAIT_QUEUE_INIT;
static struct wait_queue xs_running_wq = WAIT_QUEUE_INIT;
static struct thread *xs_watch_thread;

static bool xs_token_parse(const char *s, unsigned long *out)
{
	size_t len = strlen(s);
	uint64_t v;

	if (len == 0 || len > 20 || s[0] < '0' || s[0] > '9')
		return false;
	if (parse_u64(s, len, &v) != len)
		return false;
	*out = v;
	return true;
}

int xs_watch_event(const char *body, uint32_t len)
{
	const char *path, *token;
	struct xs_event *ev;
	unsigned long tok, flags;
	bool full;

	if (xs_wire_watch_event(body, len, &path, &token) || !xs_token_parse(token, &tok))
		return -EBADMSG;
	if (!(ev = kmalloc(sizeof(*ev) + strlen(path) + 1)))
		return -ENOMEM;
	ev->next = NULL;
	ev->token = tok;
	strlcpy(ev->path, path, strlen(path) + 1);
	flags = spin_lock_irqsave(&xs_watch_lock);
	if (!(full = xs_ev_count >= XS_EVENTS_MAX)) {
		*xs_ev_tail = ev;
		xs_ev_tail = &ev->next;
		xs_ev_count++;
	}
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	if (full) {
		kfree(ev);
		return -ENOSPC;
	}
	wq_wake_one(&xs_ev_wq);
	return 0;
}

/* xs_watch_lock held. */
static struct xs_watch *xs_watch_find(unsigned long token)
{
	for (struct xs_watch *w = xs_watches; w; w = w->next)
		if (w->token == token)
			return w;
	return NULL;
}

/* Takes the next event, if any, and marks its watch as running (*w NULL
 * when it was removed meanwhile). */
static struct xs_event *xs_ev_next(struct xs_watch **w)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);
	struct xs_event *ev = xs_ev_head;

	if (ev) {
		if ((xs_ev_head = ev->next) == NULL)
			xs_ev_tail = &xs_ev_head;
		xs_ev_count--;
		*w = xs_running = xs_watch_find(ev->token);
	}
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	return ev;
}

static void xs_ev_done(void)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);

	xs_running = NULL;
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	wq_wake_all(&xs_running_wq);
}

static void xs_watch_loop(void *arg)
{
	for (;;) {
		struct xs_watch *w;
		struct xs_event *ev;

		wait_event(&xs_ev_wq, (ev = xs_ev_next(&w)) != NULL);
		if (w)
			w->callback(w, ev->path);
		else
			xs_stat_add(&xs_stats.watch_dropped, 1);
		xs_ev_done();
		kfree(ev);
	}
}

/* The watch thread runs on any CPU: the callbacks (xenbus, the
 * frontends, the balloon, control, vCPU hotplug) lock what they share with
 * their event handlers and threads, wherever those run. */
int xs_watch_init(void)
{
	xs_watch_thread = thread_create_on("xs-watch", xs_watch_loop, NULL, CPUMASK_ALL);
	return xs_watch_thread ? 0 : -ENOMEM;
}

static int xs_watch_req(uint32_t type, struct xs_watch *w)
{
	char token[24];
	struct xs_seg segs[2];
	struct xs_reply r;
	int rc;

	snprintf(token, sizeof(token), "%lu", w->token);
	segs[0] = (struct xs_seg){w->path, strlen(w->path) + 1};
	segs[1] = (struct xs_seg){token, strlen(token) + 1};
	if ((rc = xs_talk(XBT_NIL, type, segs, 2, &r)))
		return rc;
	rc = xs_wire_ok(r.body, r.len);
	kfree(r.body);
	return rc;
}

static bool xs_watch_unlink(struct xs_watch *w)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);
	struct xs_watch **p = &xs_watches;
	bool found;

	while (*p && *p != w)
		p = &(*p)->next;
	found = *p != NULL;
	if (found)
		*p = w->next;
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	return found;
}

/* Gives w a fresh token and links it; false when it is already linked. */
static bool xs_watch_link(struct xs_watch *w)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);
	bool linked = false;

	for (struct xs_watch *o = xs_watches; o; o = o->next)
		linked |= o == w;
	if (!linked) {
		w->token = xs_next_token++;
		w->next = xs_watches;
		xs_watches = w;
	}
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	return !linked;
}

int xs_watch_register(struct xs_watch *w)
{
	int rc;

	if (!w->path || !w->callback || !xs_wire_path_ok(w->path))
		return -EINVAL;
	/* Linked before the store hears of it: the first event comes at once. */
	if (!xs_watch_link(w))
		return -EEXIST;
	if ((rc = xs_watch_req(XS_WATCH, w)))
		xs_watch_unlink(w);
	return rc;
}

/* A new domain's store knows none of our watches: each is sent again.
 * Taken from the list one at a time (by token, so that one unregistered
 * meanwhile is simply not found), since a request sleeps. */
static struct xs_watch *xs_watch_after(unsigned long token)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);
	struct xs_watch *next = NULL;

	for (struct xs_watch *w = xs_watches; w; w = w->next)
		if (w->token > token && (!next || w->token < next->token))
			next = w;
	spin_unlock_irqrestore(&xs_watch_lock, flags);
	return next;
}

void xs_watch_resume(void)
{
	unsigned int sent = 0, failed = 0;
	unsigned long token = 0;
	int rc;

	for (struct xs_watch *w; (w = xs_watch_after(token));) {
		token = w->token;
		if ((rc = xs_watch_req(XS_WATCH, w))) {
			failed++;
			pr_err("xenstore: watch on %s not sent again (%d)\n", w->path, rc);
		} else {
			sent++;
		}
	}
	pr_info("xenstore: %u watch(es) sent again to the new store%s\n", sent,
		failed ? ", some failed" : "");
}

static bool xs_watch_idle(struct xs_watch *w)
{
	unsigned long flags = spin_lock_irqsave(&xs_watch_lock);
	bool idle = xs_running != w;

	spin_unlock_irqrestore(&xs_watch_lock, flags);
	return idle;
}

/* Events already queued for it find no watch and are dropped. */
int xs_watch_unregister(struct xs_watch *w)
{
	int rc;

	if (!xs_watch_unlink(w))
		return -ENOENT;
	rc = xs_watch_req(XS_UNWATCH, w);
	if (thread_current() != xs_watch_thread)
		wait_event(&xs_running_wq, xs_watch_idle(w));
	return rc;
}
