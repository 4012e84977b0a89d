/*
 * A xenbus bus instance (xenbus.c): the store directory its devices live
 * under, the watch that follows it and the devices found there.  The
 * kernel's bus is rooted at "device"; the selftest runs a second instance
 * of the same code under a directory a domU may write, since a domU may
 * only read its own device/ directory.
 */
#ifndef XENBUS_XENBUS_BUS_H
#define XENBUS_XENBUS_BUS_H
#include "xs_internal.h"

struct xenbus_bus {
	const char *root; /* "device": devices are <root>/<type>/<id> */
	struct xs_watch watch;
	/* The devices, changed only with `lock` held (a mutex: probing and
	 * removing talk to the store).  Zeroed is unlocked. */
	struct xenbus_device *devices;
	struct mutex lock;
	bool started;
};

extern struct xenbus_bus xenbus_main_bus;

/* Probes what is under bus->root and watches it from then on. */
int xenbus_bus_start(struct xenbus_bus *bus);
/* Stops watching and removes every device (drivers' remove() runs). */
void xenbus_bus_stop(struct xenbus_bus *bus);
/* Holds the device list still, e.g. while the shell prints it. */
void xenbus_bus_lock(struct xenbus_bus *bus);
void xenbus_bus_unlock(struct xenbus_bus *bus);

#endif
