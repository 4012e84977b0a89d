/*
 * What the toolstack asks of this domain through the store.  `xl shutdown`
 * and `xl reboot` write a request into control/shutdown, `xl sysrq` a key
 * into control/sysrq; the guest acknowledges by emptying the node, which it
 * does in a transaction with the read, redone when another writer got in
 * first, so a request is taken once and never lost.  Only then does it act,
 * after printing what was asked, so that a test can find the request in
 * the console log.  The node's value is the toolstack's (or anyone's with
 * write access), so it is matched against known requests only: an unknown
 * one is reported and cleared, never acted on.  control/feature-* tell xl
 * which requests we answer; we advertise only those we carry out.
 *
 * The requests are taken in watch callbacks, which run one at a time in
 * the xenstore watch thread; the selftests, in threads that may be on any
 * other CPU, read the counts of what was taken (one writer, whole 64-bit
 * words) and sleep on control_wq, woken after each count, with a deadline.
 * No event handler of ours is involved: the store's is the client's.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/sysrq.h>
#include <amphi/time.h>
#include <asm/xen/xen.h>
#include <drivers/xen/control.h>
#include <drivers/xen/xenstore.h>

#define SHUTDOWN_NODE "control/shutdown"
#define SYSRQ_NODE "control/sysrq"
#define TXN_TRIES 16

static int control_state = -ENOSYS; /* xen_control_init's result */
static struct {
	volatile uint64_t shutdowns, unknown, sysrq[128], sysrq_other;
} seen;
static struct wait_queue control_wq = WAIT_QUEUE_INIT;

/* A request was taken and counted: tells whoever waits for it. */
static void counted(volatile uint64_t *count)
{
	(*count)++;
	wq_wake_all(&control_wq);
}

/* The node's value fit to print: at most 32 characters, the unprintable
 * ones as '?'. */
static const char *printable(const char *s, char buf[33])
{
	size_t i;

	for (i = 0; i < 32 && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* One try at reading `node` and emptying it in a transaction: 1 with the
 * value in *out, 0 when it is empty or absent, or a negative errno
 * (-EAGAIN: another writer got in first, redo it). */
static int take_once(const char *node, char **out)
{
	xs_transaction_t t;
	int rc = xs_transaction_start(&t);
	char *v;

	if (rc)
		return rc;
	v = xs_read(t, node, &rc);
	if (!v || !v[0]) {
		/* Nothing asked (an absent node is nothing too), or a failure. */
		int ret = !v && rc != -ENOENT ? rc : 0;

		kfree(v);
		xs_transaction_end(t, true);
		return ret;
	}
	rc = xs_write(t, node, "");
	if (rc) {
		kfree(v);
		xs_transaction_end(t, true);
		return rc;
	}
	rc = xs_transaction_end(t, false);
	if (rc) {
		kfree(v);
		return rc;
	}
	*out = v;
	return 1;
}

/* The pending request in `node`, taken (the node emptied): a kmalloc'd
 * string, or NULL when there is none or the store failed (reported). */
static char *take_request(const char *node)
{
	char *v = NULL;
	int rc = -EAGAIN;

	for (int i = 0; i < TXN_TRIES && rc == -EAGAIN; i++)
		rc = take_once(node, &v);
	if (rc < 0)
		pr_err("control: cannot take the request in %s (%d)\n", node, rc);
	return rc > 0 ? v : NULL;
}

static void act_poweroff(void)
{
	power_off(POWER_SUCCESS);
}

static void act_reboot(void)
{
	restart();
}

/* A failed power off is SHUTDOWN_crash for a domU (xen_power_off). */
static void act_crash(void)
{
	power_off(POWER_FAILURE);
}

struct control_action {
	const char *request;
	const char *what;
	void (*act)(void);
};

/* Answered only where the platform can suspend (xen_suspend_supported);
 * elsewhere the request is refused as unknown.  A suspend that fails
 * leaves the domain as it was, and xl says the save failed. */
static void act_suspend(void)
{
	int rc = xen_suspend();

	if (rc)
		pr_err("control: suspend failed (%d): the domain goes on as it was\n", rc);
}

static const struct control_action shutdown_actions[] = {
    {"suspend", "suspending", act_suspend},
    {"poweroff", "powering off", act_poweroff},
    {"halt", "halting (a power off)", act_poweroff},
    {"reboot", "rebooting", act_reboot},
    {"crash", "crashing on request (SHUTDOWN_crash)", act_crash},
};

static bool action_offered(const struct control_action *a)
{
	return a->act != act_suspend || xen_suspend_supported();
}

static const struct control_action *find_action(const char *req)
{
	for (size_t i = 0; i < ARRAY_SIZE(shutdown_actions); i++)
		if (!strcmp(req, shutdown_actions[i].request) &&
		    action_offered(&shutdown_actions[i]))
			return &shutdown_actions[i];
	return NULL;
}

static void shutdown_changed(struct xs_watch *w, const char *path)
{
	char shown[33];
	char *req = take_request(SHUTDOWN_NODE);
	const struct control_action *a;

	if (!req)
		return;
	a = find_action(req);
	if (a) {
		counted(&seen.shutdowns);
		pr_notice("control: the toolstack asked for \"%s\": %s\n", a->request, a->what);
		kfree(req);
		a->act();
		return;
	}
	counted(&seen.unknown);
	pr_warn("control: unknown shutdown request \"%s\" cleared, not acted on\n",
		printable(req, shown));
	kfree(req);
}

static void sysrq_changed(struct xs_watch *w, const char *path)
{
	char shown[33];
	char *req = take_request(SYSRQ_NODE);

	if (!req)
		return;
	if (strlen(req) == 1 && (unsigned char)req[0] < 128 && sysrq_known(req[0])) {
		counted(&seen.sysrq[(unsigned char)req[0]]);
		pr_notice("control: sysrq '%c' from the toolstack\n", req[0]);
		sysrq_handle(req[0]);
	} else {
		counted(&seen.sysrq_other);
		pr_warn("control: sysrq \"%s\" is not a key we handle (h lists them); cleared\n",
			printable(req, shown));
	}
	kfree(req);
}

static struct xs_watch shutdown_watch = {.path = SHUTDOWN_NODE, .callback = shutdown_changed};
static struct xs_watch sysrq_watch = {.path = SYSRQ_NODE, .callback = sysrq_changed};

static void control_advertise(void)
{
	int rc;

	if ((rc = xs_write(XBT_NIL, "control/feature-poweroff", "1")) ||
	    (rc = xs_write(XBT_NIL, "control/feature-reboot", "1")) ||
	    (xen_suspend_supported() && (rc = xs_write(XBT_NIL, "control/feature-suspend", "1"))))
		pr_warn("control: cannot advertise our features (%d): xl may not use the PV "
			"protocol\n",
			rc);
}

/* Watches first, features after: a request sent as soon as xl sees the
 * features is already watched for. */
int xen_control_init(void)
{
	int rc;

	if (!xs_available())
		return control_state = -ENODEV;
	if ((rc = xs_watch_register(&shutdown_watch)))
		return control_state = rc;
	if ((rc = xs_watch_register(&sysrq_watch))) {
		xs_watch_unregister(&shutdown_watch);
		return control_state = rc;
	}
	control_advertise();
	pr_info("control: answering poweroff, reboot, halt, crash%s and sysrq from the toolstack\n",
		xen_suspend_supported() ? ", suspend" : "");
	return control_state = 0;
}

/* A restored domain's store holds none of what we wrote: the features
 * again (the watches are sent again by the store client). */
void xen_control_resume(void)
{
	if (!control_state)
		control_advertise();
}

static enum selftest_result need_control(struct selftest_ctx *ctx)
{
	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: no toolstack to ask anything");
	if (hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0: no toolstack writes a control node for it");
	if (!xs_available())
		return selftest_skip(ctx, "no xenstore: no control node");
	if (control_state)
		return selftest_fail(ctx, "xen_control_init failed or did not run (%d)",
				     control_state);
	return SELFTEST_SUCCESS;
}

/* Writes `value` to `node` and waits, at most 5 s, until *counter moved
 * (the request was taken, the node emptied in the same transaction) and
 * checks that the node is empty; the time taken in ms, or -1. */
static long request_and_wait(const char *node, const char *value, volatile uint64_t *counter)
{
	uint64_t before = *counter, t0 = sched_clock();
	int rc = xs_write(XBT_NIL, node, value);
	bool cleared;
	char *v;

	if (rc || !wait_event_deadline(&control_wq, *counter != before, t0 + 5 * NSEC_PER_SEC))
		return -1;
	v = xs_read(XBT_NIL, node, &rc);
	cleared = v && !v[0];
	kfree(v);
	return cleared ? (long)((sched_clock() - t0) / NSEC_PER_MSEC) : -1;
}

static bool feature_advertised(const char *node)
{
	int err;
	char *v = xs_read(XBT_NIL, node, &err);
	bool ok = v && !strcmp(v, "1");

	kfree(v);
	return ok;
}

SELFTEST(xen_control_sysrq)
{
	enum selftest_result r = need_control(ctx);
	long ms;

	if (r != SELFTEST_SUCCESS)
		return r;
	if (!feature_advertised("control/feature-poweroff") ||
	    !feature_advertised("control/feature-reboot"))
		return selftest_fail(ctx, "control/feature-poweroff or feature-reboot is not 1");
	ms = request_and_wait(SYSRQ_NODE, "h", &seen.sysrq['h']);
	if (ms < 0)
		return selftest_fail(ctx, "sysrq 'h' written to %s: not handled and cleared in 5 s",
				     SYSRQ_NODE);
	return selftest_pass(ctx, "features advertised; sysrq 'h' handled and %s cleared in %ld ms",
			     SYSRQ_NODE, ms);
}

/* Requests we must not act on: an unknown one, and one a byte away from
 * a known one ("suspend" itself only where it is not offered).  Acting
 * on any would end this boot, and the test with it. */
SELFTEST(xen_control_unknown)
{
	enum selftest_result r = need_control(ctx);
	const char *near = xen_suspend_supported() ? "suspend!" : "suspend";
	long unknown_ms, near_ms;

	if (r != SELFTEST_SUCCESS)
		return r;
	unknown_ms = request_and_wait(SHUTDOWN_NODE, "selftest-no-such-request", &seen.unknown);
	if (unknown_ms < 0)
		return selftest_fail(ctx, "an unknown request was not reported and cleared in 5 s");
	near_ms = request_and_wait(SHUTDOWN_NODE, near, &seen.unknown);
	if (near_ms < 0)
		return selftest_fail(ctx, "\"%s\" was not refused and cleared in 5 s", near);
	return selftest_pass(ctx,
			     "unknown request cleared in %ld ms, \"%s\" refused and cleared "
			     "in %ld ms, neither acted on",
			     unknown_ms, near, near_ms);
}
