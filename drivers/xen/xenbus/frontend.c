/*
 * The state machine every xenbus frontend follows against its backend,
 * written once: drivers say what to do at each step (offer the rings,
 * use the device, stop, release) and this says when.
 *
 *   backend InitWait   -> offer (from Initialising, or from Closed: a
 *                         backend the toolstack reset waits for us again)
 *   backend Connected  -> connected, once we have offered
 *   backend Closing    -> disconnect, then we say Closing and Closed
 *   backend Closed     -> disconnect and release; if the driver wants to
 *                         connect again, Initialising asks the backend
 *                         to wait for us (InitWait) once more
 *
 * The watch reports a state again when any node of the backend changes,
 * so every step tolerates its own repeat.
 */
#include <amphi/printk.h>
#include <drivers/xen/xenbus.h>

void xenbus_frontend_changed(struct xenbus_device *dev, enum xenbus_state state,
			     const struct xenbus_frontend_ops *ops)
{
	int rc;

	switch (state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising && dev->state != XenbusStateClosed)
			break;
		if (dev->state == XenbusStateClosed)
			pr_info("%s: %s: backend waits again: reconnecting\n", ops->name,
				dev->nodename);
		if ((rc = ops->offer(dev))) {
			pr_err("%s: %s: cannot connect to the backend (%d)\n", ops->name,
			       dev->nodename, rc);
			if (ops->release)
				ops->release(dev);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		break;
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialised || dev->state == XenbusStateConnected)
			ops->connected(dev);
		break;
	case XenbusStateClosing:
		if (dev->state == XenbusStateClosed)
			break;
		pr_info("%s: %s: backend closing\n", ops->name, dev->nodename);
		ops->disconnect(dev);
		if (dev->state != XenbusStateClosing)
			xenbus_switch_state(dev, XenbusStateClosing);
		xenbus_switch_state(dev, XenbusStateClosed);
		break;
	case XenbusStateClosed:
		/* A repeat of Closed after we asked to connect again. */
		if (dev->state == XenbusStateInitialising)
			break;
		ops->disconnect(dev);
		if (ops->release)
			ops->release(dev);
		if (dev->state != XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateClosed);
		if (ops->want_reconnect && ops->want_reconnect(dev))
			xenbus_switch_state(dev, XenbusStateInitialising);
		break;
	default:
		break;
	}
}
