/*
 * Xenbus: finds the devices the toolstack gave this domain under
 * device/<type>/<id>, hands each to the driver of its type, and follows
 * its backend's state.
 *
 * One watch on the bus root is the whole of hot-plug: it fires once at
 * registration and on every change below the root, and each event is
 * turned back into a question about the store ("which devices exist
 * now?") rather than trusted as a description of what changed, since
 * events may be spurious or merged.  The answer is compared with the
 * devices we know: new ones are probed, vanished ones removed.  Events
 * name the path that changed, so most of them only need one device or
 * one type looked at.
 *
 * The device list changes under the bus lock, in the watch thread after
 * start-up, so a probe or remove never races another.  A backend's state
 * comes through a watch on <otherend>/state; a backend whose directory
 * vanished reads as Closed, so the driver always hears that its backend
 * has gone.  A device whose backend nodes are not there yet is simply not
 * created: the write that completes it brings another event.
 */
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include "xenbus_bus.h"

extern struct xenbus_driver *const __xenbus_drivers_start[], *const __xenbus_drivers_end[];

static void xenbus_bus_changed(struct xs_watch *w, const char *path);

struct xenbus_bus xenbus_main_bus = {
    .root = "device",
    .lock = MUTEX_INIT,
    .watch = {.path = "device", .callback = xenbus_bus_changed, .data = &xenbus_main_bus},
};

struct xenbus_device *xenbus_devices(void)
{
	return xenbus_main_bus.devices;
}

void xenbus_bus_lock(struct xenbus_bus *bus)
{
	mutex_lock(&bus->lock);
}

void xenbus_bus_unlock(struct xenbus_bus *bus)
{
	mutex_unlock(&bus->lock);
}

static struct xenbus_driver *xenbus_driver_for(const char *type)
{
	for (struct xenbus_driver *const *d = __xenbus_drivers_start; d < __xenbus_drivers_end; d++)
		if (!strcmp((*d)->type, type))
			return *d;
	return NULL;
}

/* What a hostile value could put on the console is kept out of the report. */
static void xenbus_printable(char *dst, size_t size, const char *v)
{
	size_t i;

	for (i = 0; i + 1 < size && v[i]; i++)
		dst[i] = v[i] >= ' ' && v[i] <= '~' ? v[i] : '?';
	dst[i] = '\0';
}

/* A state node's value; Unknown for anything that is not a state, said
 * once per device (a backend may go on writing it). */
static enum xenbus_state xenbus_read_state(struct xenbus_device *dev, const char *node,
					   bool missing_is_closed)
{
	enum xenbus_state state = XenbusStateUnknown;
	const char *why;
	char shown[24];
	int rc;
	char *v = xs_read(XBT_NIL, node, &rc);

	if (!v)
		return rc == -ENOENT && missing_is_closed ? XenbusStateClosed : XenbusStateUnknown;
	if (xenbus_state_parse(v, strlen(v), &state, &why)) {
		state = XenbusStateUnknown;
		if (!__atomic_exchange_n(&dev->state_refused, true, __ATOMIC_RELAXED)) {
			xenbus_printable(shown, sizeof(shown), v);
			pr_err("xenbus: %s: %s is \"%s\", %s: taken as Unknown (said once)\n",
			       dev->nodename, node, shown, why);
		}
	}
	kfree(v);
	return state;
}

enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev)
{
	char node[sizeof(dev->otherend) + 8];

	snprintf(node, sizeof(node), "%s/state", dev->otherend);
	return xenbus_read_state(dev, node, true);
}

/* In a transaction that first checks the node is still there, so that a
 * device being torn down is not brought back by its own state write. */
static int xenbus_write_state(const char *node, enum xenbus_state state)
{
	xs_transaction_t t;
	int rc, err;

	if ((rc = xs_transaction_start(&t)))
		return rc;
	kfree(xs_read(t, node, &err));
	if (err || (err = xs_printf(t, node, "%d", state))) {
		xs_transaction_end(t, true);
		return err;
	}
	return xs_transaction_end(t, false);
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	char node[sizeof(dev->nodename) + 8];
	int rc, tries = 0;

	snprintf(node, sizeof(node), "%s/state", dev->nodename);
	while ((rc = xenbus_write_state(node, state)) == -EAGAIN && ++tries < 10)
		;
	if (rc)
		pr_err("xenbus: %s: cannot switch to %s (%d)\n", dev->nodename,
		       xenbus_state_name(state), rc);
	else
		dev->state = state;
	return rc;
}

/* --- one device ------------------------------------------------------ */

static void xenbus_otherend_changed(struct xs_watch *w, const char *path)
{
	struct xenbus_device *dev = w->data;
	enum xenbus_state state = xenbus_read_otherend_state(dev);

	if (dev->driver->otherend_changed)
		dev->driver->otherend_changed(dev, state);
}

static int xenbus_watch_otherend(struct xenbus_device *dev)
{
	size_t len = strlen(dev->otherend) + sizeof("/state");
	char *path = kmalloc(len);
	int rc;

	if (!path)
		return -ENOMEM;
	snprintf(path, len, "%s/state", dev->otherend);
	dev->otherend_watch =
	    (struct xs_watch){.path = path, .callback = xenbus_otherend_changed, .data = dev};
	if ((rc = xs_watch_register(&dev->otherend_watch))) {
		kfree(path);
		dev->otherend_watch.path = NULL;
	}
	return rc;
}

/* Reads "backend" and "backend-id"; -ENOENT while they are not written. */
static int xenbus_read_otherend(struct xenbus_device *dev)
{
	char node[sizeof(dev->nodename) + 16];
	uint64_t id = 0;
	char *be;
	int rc;

	snprintf(node, sizeof(node), "%s/backend", dev->nodename);
	if (!(be = xs_read(XBT_NIL, node, &rc)))
		return rc;
	if (strlcpy(dev->otherend, be, sizeof(dev->otherend)) >= sizeof(dev->otherend) ||
	    !xs_wire_path_ok(be))
		rc = -EINVAL;
	kfree(be);
	snprintf(node, sizeof(node), "%s/backend-id", dev->nodename);
	if (!rc && !(rc = xs_read_u64(XBT_NIL, node, &id)) && id >= 0x7ff0)
		rc = -EINVAL;
	dev->otherend_id = (int)id;
	return rc;
}

static void xenbus_probe_driver(struct xenbus_device *dev)
{
	struct xenbus_driver *drv = xenbus_driver_for(dev->type);
	int rc;

	if (!drv) {
		pr_info("xenbus: %s: no driver for type %s\n", dev->nodename, dev->type);
		return;
	}
	if ((rc = drv->probe(dev))) {
		pr_err("xenbus: %s: probe failed (%d)\n", dev->nodename, rc);
		return;
	}
	dev->driver = drv;
	if ((rc = xenbus_watch_otherend(dev)))
		pr_err("xenbus: %s: cannot watch %s/state (%d)\n", dev->nodename, dev->otherend,
		       rc);
}

/* A device without a driver stays known, so that every later event does
 * not probe it again; the shell shows it. */
static void xenbus_add_device(struct xenbus_bus *bus, const char *type, const char *id)
{
	struct xenbus_device *dev = kmalloc(sizeof(*dev));
	char node[sizeof(dev->nodename) + 8];
	int n, rc;

	if (!dev)
		return;
	*dev = (struct xenbus_device){0};
	n = snprintf(dev->nodename, sizeof(dev->nodename), "%s/%s/%s", bus->root, type, id);
	if (n >= (int)sizeof(dev->nodename) ||
	    strlcpy(dev->type, type, sizeof(dev->type)) >= sizeof(dev->type)) {
		pr_err("xenbus: %s/%s/%s: name too long, ignored\n", bus->root, type, id);
		kfree(dev);
		return;
	}
	if ((rc = xenbus_read_otherend(dev))) {
		if (rc != -ENOENT)
			pr_err("xenbus: %s: bad backend nodes (%d)\n", dev->nodename, rc);
		kfree(dev);
		return;
	}
	snprintf(node, sizeof(node), "%s/state", dev->nodename);
	dev->state = xenbus_read_state(dev, node, false);
	dev->next = bus->devices;
	bus->devices = dev;
	pr_info("xenbus: %s: backend %s (domain %d)\n", dev->nodename, dev->otherend,
		dev->otherend_id);
	xenbus_probe_driver(dev);
}

static void xenbus_remove_device(struct xenbus_bus *bus, struct xenbus_device *dev)
{
	struct xenbus_device **p = &bus->devices;

	while (*p && *p != dev)
		p = &(*p)->next;
	if (*p)
		*p = dev->next;
	pr_info("xenbus: %s: removed\n", dev->nodename);
	if (dev->otherend_watch.path) {
		xs_watch_unregister(&dev->otherend_watch);
		kfree((char *)dev->otherend_watch.path);
	}
	if (dev->driver && dev->driver->remove)
		dev->driver->remove(dev);
	kfree(dev);
}

/* --- following the store --------------------------------------------- */

static struct xenbus_device *xenbus_find(struct xenbus_bus *bus, const char *type, const char *id)
{
	size_t rl = strlen(bus->root), tl = strlen(type);

	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		if (!strncmp(d->nodename, bus->root, rl) && d->nodename[rl] == '/' &&
		    !strncmp(d->nodename + rl + 1, type, tl) && d->nodename[rl + 1 + tl] == '/' &&
		    !strcmp(d->nodename + rl + 2 + tl, id))
			return d;
	return NULL;
}

static bool xenbus_name_in(const char *names, unsigned int count, const char *name)
{
	for (unsigned int i = 0; i < count; i++, names += strlen(names) + 1)
		if (!strcmp(names, name))
			return true;
	return false;
}

/* The id part of a known device's node name. */
static const char *xenbus_dev_id(const struct xenbus_device *dev)
{
	const char *slash = dev->nodename;

	for (const char *p = dev->nodename; *p; p++)
		if (*p == '/')
			slash = p;
	return slash + 1;
}

/* Brings one type's devices in line with <root>/<type>. */
static void xenbus_scan_type(struct xenbus_bus *bus, const char *type)
{
	char dir[sizeof(((struct xenbus_device *)0)->nodename)];
	unsigned int count = 0;
	char *ids = NULL;
	int rc = 0;

	if (snprintf(dir, sizeof(dir), "%s/%s", bus->root, type) < (int)sizeof(dir))
		ids = xs_directory(XBT_NIL, dir, &count, &rc);
	if (!ids && rc != -ENOENT)
		return; /* unknown, not gone: keep what we have */
	for (struct xenbus_device *d = bus->devices, *next; d; d = next) {
		next = d->next;
		if (!strcmp(d->type, type) && !xenbus_name_in(ids, count, xenbus_dev_id(d)))
			xenbus_remove_device(bus, d);
	}
	const char *id = ids;
	for (unsigned int i = 0; i < count; i++, id += strlen(id) + 1)
		if (!xenbus_find(bus, type, id))
			xenbus_add_device(bus, type, id);
	kfree(ids);
}

static void xenbus_scan_all(struct xenbus_bus *bus)
{
	unsigned int count = 0;
	int rc = 0;
	char *types = xs_directory(XBT_NIL, bus->root, &count, &rc);
	const char *type = types;

	if (!types && rc != -ENOENT)
		return;
	for (struct xenbus_device *d = bus->devices, *next; d; d = next) {
		next = d->next;
		if (!xenbus_name_in(types, count, d->type))
			xenbus_remove_device(bus, d);
	}
	for (unsigned int i = 0; i < count; i++, type += strlen(type) + 1)
		xenbus_scan_type(bus, type);
	kfree(types);
}

/* "<root>/<type>/<id>/...": looks at that type only.  A type longer than
 * any we keep cannot be a device of ours. */
static void xenbus_bus_changed(struct xs_watch *w, const char *path)
{
	struct xenbus_bus *bus = w->data;
	size_t rl = strlen(bus->root), tl;
	char type[sizeof(((struct xenbus_device *)0)->type)];

	xenbus_bus_lock(bus);
	if (strncmp(path, bus->root, rl) || path[rl] != '/') {
		xenbus_scan_all(bus);
	} else {
		path += rl + 1;
		for (tl = 0; path[tl] && path[tl] != '/'; tl++)
			;
		if (tl > 0 && tl < sizeof(type)) {
			memcpy(type, path, tl);
			type[tl] = '\0';
			xenbus_scan_type(bus, type);
		}
	}
	xenbus_bus_unlock(bus);
}

static unsigned int xenbus_count(struct xenbus_bus *bus, bool with_driver)
{
	unsigned int n = 0;

	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		n += !with_driver || d->driver;
	return n;
}

int xenbus_bus_start(struct xenbus_bus *bus)
{
	int rc;

	if (!xs_available())
		return -ENODEV;
	xenbus_bus_lock(bus);
	xenbus_scan_all(bus);
	xenbus_bus_unlock(bus);
	bus->watch.path = bus->root;
	bus->watch.callback = xenbus_bus_changed;
	bus->watch.data = bus;
	if ((rc = xs_watch_register(&bus->watch)))
		return rc;
	bus->started = true;
	return 0;
}

void xenbus_bus_stop(struct xenbus_bus *bus)
{
	if (bus->started)
		xs_watch_unregister(&bus->watch);
	bus->started = false;
	xenbus_bus_lock(bus);
	while (bus->devices)
		xenbus_remove_device(bus, bus->devices);
	xenbus_bus_unlock(bus);
}

/* --- across a suspend ------------------------------------------------ */

/* In a new domain the backend is another one (its directory names our
 * new domain id) and our state node says Initialising again: the device
 * follows the new backend from there, the driver having let go of its
 * old rings, ports and grants without telling Xen. */
static void xenbus_resume_new(struct xenbus_device *d)
{
	int rc;

	if (d->otherend_watch.path) {
		xs_watch_unregister(&d->otherend_watch);
		kfree((char *)d->otherend_watch.path);
		d->otherend_watch.path = NULL;
	}
	d->state = XenbusStateInitialising;
	if ((rc = xenbus_read_otherend(d)))
		pr_err("xenbus: %s: no backend in the new domain (%d)\n", d->nodename, rc);
	d->driver->resume(d, true);
	if (!rc && (rc = xenbus_watch_otherend(d)))
		pr_err("xenbus: %s: cannot watch %s/state (%d)\n", d->nodename, d->otherend, rc);
}

static void xenbus_resume_upto(struct xenbus_bus *bus, struct xenbus_device *stop, bool new_domain)
{
	for (struct xenbus_device *d = bus->devices; d && d != stop; d = d->next) {
		if (!d->driver || !d->driver->resume)
			continue;
		if (new_domain)
			xenbus_resume_new(d);
		else
			d->driver->resume(d, false);
	}
}

static int xenbus_suspend_one(struct xenbus_device *d)
{
	int rc;

	if (!d->driver)
		return 0;
	if (!d->driver->suspend) {
		pr_err("xenbus: %s: its driver cannot suspend yet: not suspending\n", d->nodename);
		return -EOPNOTSUPP;
	}
	if ((rc = d->driver->suspend(d)))
		pr_err("xenbus: %s: would not suspend (%d)\n", d->nodename, rc);
	return rc;
}

int xenbus_suspend(void)
{
	struct xenbus_bus *bus = &xenbus_main_bus;
	int rc;

	if (!bus->started)
		return 0;
	xenbus_bus_lock(bus);
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		if ((rc = xenbus_suspend_one(d))) {
			xenbus_resume_upto(bus, d, false);
			xenbus_bus_unlock(bus);
			return rc;
		}
	return 0;
}

void xenbus_resume(bool new_domain)
{
	struct xenbus_bus *bus = &xenbus_main_bus;

	if (!bus->started)
		return;
	xenbus_resume_upto(bus, NULL, new_domain);
	xenbus_bus_unlock(bus);
}

int xenbus_probe_init(void)
{
	struct xenbus_bus *bus = &xenbus_main_bus;
	int rc = xenbus_bus_start(bus);

	if (rc)
		return rc;
	pr_info("xenbus: %u device(s) under %s, %u with a driver; %ld driver(s) built in\n",
		xenbus_count(bus, false), bus->root, xenbus_count(bus, true),
		(long)(__xenbus_drivers_end - __xenbus_drivers_start));
	return 0;
}
