/*
 * Selftest of xenbus hot-plug against the real store of a domU.  A test
 * driver for a made-up device type is linked in like any other; the test
 * writes a device for it the way a toolstack would (backend, backend-id
 * and state, in one transaction) and checks that the bus's own watch
 * probes it with no call from the test, that backend state changes reach
 * the driver, that values that are no state reach it as Unknown and are
 * reported once for the device, that a vanished backend reads as Closed,
 * and that removing
 * the device node removes the device.
 *
 * A domU may only read its device/ directory (the toolstack owns it), so
 * the test runs a second instance of the bus code rooted at a directory
 * it owns, data/amphi-xenbus/device; the "backend" is a node there too.
 */
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include "xenbus_bus.h"
#include "xs_selftest.h"

#define XBT_ROOT "data/amphi-xenbus"
#define XBT_BUS XBT_ROOT "/device"
#define XBT_TYPE "amphitest"
#define XBT_DEV XBT_BUS "/" XBT_TYPE "/0"
#define XBT_BACK XBT_ROOT "/backend/0"
#define XBT_WAIT_NS (5 * NSEC_PER_SEC)

static struct xenbus_test {
	volatile unsigned int probes, changes, removes;
	volatile enum xenbus_state last;
	struct xenbus_device *volatile dev;
	enum xenbus_state want;
	struct wait_queue wq;
} xbt;

static struct xenbus_bus xbt_bus = {.root = XBT_BUS, .lock = MUTEX_INIT};

static int xbt_probe(struct xenbus_device *dev)
{
	xbt.probes++;
	xbt.dev = dev;
	wq_wake_all(&xbt.wq);
	return 0;
}

static void xbt_otherend_changed(struct xenbus_device *dev, enum xenbus_state state)
{
	xbt.changes++;
	xbt.last = state;
	wq_wake_all(&xbt.wq);
}

static void xbt_remove(struct xenbus_device *dev)
{
	xbt.removes++;
	xbt.dev = NULL;
	wq_wake_all(&xbt.wq);
}

XENBUS_DRIVER(xenbus_test_driver) = {
    .type = XBT_TYPE,
    .probe = xbt_probe,
    .otherend_changed = xbt_otherend_changed,
    .remove = xbt_remove,
};

/* The driver's calls come from the watch thread, perhaps on another CPU:
 * each sets its fields, then wakes xbt.wq. */
#define xbt_wait(cond) wait_event_deadline(&xbt.wq, (cond), sched_clock() + XBT_WAIT_NS)

static bool xbt_probed(void)
{
	return xbt.probes > 0;
}

static bool xbt_in_state(void)
{
	return xbt.changes > 0 && xbt.last == xbt.want;
}

static bool xbt_removed(void)
{
	return xbt.removes > 0;
}

/* The toolstack's part: all of the device's nodes appear at once. */
static int xbt_create_device(void)
{
	xs_transaction_t t;
	int rc;

	do {
		if ((rc = xs_transaction_start(&t)))
			return rc;
		if ((rc = xs_printf(t, XBT_DEV "/backend", "/local/domain/%d/" XBT_BACK,
				    xs_domid())) ||
		    (rc = xs_printf(t, XBT_DEV "/backend-id", "%d", xs_domid())) ||
		    (rc = xs_write(t, XBT_DEV "/state", "1"))) {
			xs_transaction_end(t, true);
			return rc;
		}
	} while ((rc = xs_transaction_end(t, false)) == -EAGAIN);
	return rc;
}

static enum selftest_result xbt_check_device(struct selftest_ctx *ctx)
{
	struct xenbus_device *dev = xbt.dev;
	char want[96];

	snprintf(want, sizeof(want), "/local/domain/%d/" XBT_BACK, xs_domid());
	if (strcmp(dev->nodename, XBT_DEV) || strcmp(dev->type, XBT_TYPE))
		return selftest_fail(ctx, "probed %s of type %s", dev->nodename, dev->type);
	if (strcmp(dev->otherend, want) || dev->otherend_id != xs_domid())
		return selftest_fail(ctx, "backend %s in domain %d, not %s", dev->otherend,
				     dev->otherend_id, want);
	if (dev->state != XenbusStateInitialising)
		return selftest_fail(ctx, "own state read as %s", xenbus_state_name(dev->state));
	return SELFTEST_SUCCESS;
}

/* The backend writes values that are no state: each reaches the driver
 * as Unknown, and the bus says so once for the device, not once each. */
static enum selftest_result xbt_nonsense(struct selftest_ctx *ctx)
{
	static const char *const bad[] = {"99", "banana", "9"};
	unsigned long reports;
	int rc = 0;

	printk_expect_errors(true);
	reports = printk_error_reports(true);
	xbt.want = XenbusStateUnknown;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad) && !rc; i++) {
		xbt.changes = 0;
		if ((rc = xs_write(XBT_NIL, XBT_BACK "/state", bad[i])) ||
		    !xbt_wait(xbt_in_state()))
			rc = rc ? rc : -ETIMEDOUT;
	}
	/* Back to Connected: every event before it has been handled. */
	xbt.want = XenbusStateConnected;
	if (!rc && ((rc = xs_write(XBT_NIL, XBT_BACK "/state", "4")) || !xbt_wait(xbt_in_state())))
		rc = rc ? rc : -ETIMEDOUT;
	reports = printk_error_reports(true) - reports;
	printk_expect_errors(false);
	if (rc)
		return selftest_fail(ctx,
				     "a nonsense state not reported to the driver as Unknown "
				     "(%d, last %s)",
				     rc, xenbus_state_name(xbt.last));
	if (reports != 1)
		return selftest_fail(ctx, "%lu error reports for 3 nonsense states, expected 1",
				     reports);
	return SELFTEST_SUCCESS;
}

/* The backend moves to Connected, we follow, then it vanishes. */
static enum selftest_result xbt_states(struct selftest_ctx *ctx)
{
	int rc;

	xbt.want = XenbusStateInitialising;
	if (!xbt_wait(xbt_in_state()))
		return selftest_fail(ctx, "no otherend_changed(Initialising) on probe");
	xbt.want = XenbusStateConnected;
	if ((rc = xs_write(XBT_NIL, XBT_BACK "/state", "4")) || !xbt_wait(xbt_in_state()))
		return selftest_fail(ctx, "backend Connected not reported (%d, last %s)", rc,
				     xenbus_state_name(xbt.last));
	if ((rc = xenbus_switch_state(xbt.dev, XenbusStateConnected)))
		return selftest_fail(ctx, "switch_state: %d", rc);
	if (!xs_selftest_expect(ctx, XBT_DEV "/state", "4"))
		return SELFTEST_FAILURE;
	if (xbt_nonsense(ctx) != SELFTEST_SUCCESS)
		return SELFTEST_FAILURE;
	xbt.want = XenbusStateClosed;
	if ((rc = xs_rm(XBT_NIL, XBT_ROOT "/backend")) || !xbt_wait(xbt_in_state()))
		return selftest_fail(ctx, "vanished backend not reported Closed (%d, last %s)", rc,
				     xenbus_state_name(xbt.last));
	if (xenbus_read_otherend_state(xbt.dev) != XenbusStateClosed)
		return selftest_fail(ctx, "a vanished backend does not read as Closed");
	return SELFTEST_SUCCESS;
}

static enum selftest_result xbt_run(struct selftest_ctx *ctx, uint64_t *probe_ns)
{
	enum selftest_result r;
	uint64_t t0;
	int rc;

	if ((rc = xs_write(XBT_NIL, XBT_BACK "/state", "1")) || (rc = xs_mkdir(XBT_NIL, XBT_BUS)))
		return selftest_error(ctx, "cannot prepare " XBT_ROOT ": %d", rc);
	if ((rc = xenbus_bus_start(&xbt_bus)))
		return selftest_fail(ctx, "bus start: %d", rc);
	if (xbt.probes)
		return selftest_fail(ctx, "probed before there was a device");
	t0 = sched_clock();
	if ((rc = xbt_create_device()))
		return selftest_error(ctx, "cannot write the device: %d", rc);
	if (!xbt_wait(xbt_probed()))
		return selftest_fail(ctx, "the hot-plug watch did not probe within 5 s");
	*probe_ns = sched_clock() - t0;
	if ((r = xbt_check_device(ctx)) != SELFTEST_SUCCESS ||
	    (r = xbt_states(ctx)) != SELFTEST_SUCCESS)
		return r;
	if ((rc = xs_rm(XBT_NIL, XBT_BUS "/" XBT_TYPE)) || !xbt_wait(xbt_removed()))
		return selftest_fail(ctx, "removing the device node did not remove it (%d)", rc);
	if (xbt_bus.devices || xbt.probes != 1 || xbt.removes != 1)
		return selftest_fail(ctx, "after removal: %u probes, %u removes, list %s",
				     xbt.probes, xbt.removes,
				     xbt_bus.devices ? "not empty" : "empty");
	return SELFTEST_SUCCESS;
}

SELFTEST(xenbus_hotplug)
{
	enum selftest_result r = xs_selftest_need_store(ctx);
	uint64_t probe_ns = 0;

	if (r != SELFTEST_SUCCESS)
		return r;
	xs_rm(XBT_NIL, XBT_ROOT);
	xbt = (struct xenbus_test){.last = XenbusStateUnknown};
	r = xbt_run(ctx, &probe_ns);
	xenbus_bus_stop(&xbt_bus);
	xs_rm(XBT_NIL, XBT_ROOT);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(
	    ctx,
	    "probed by the watch %lu ms after the device was written; "
	    "Initialising, Connected, 3 nonsense states = Unknown (reported once), "
	    "vanished = Closed; removed with its node",
	    probe_ns / NSEC_PER_MSEC);
}
