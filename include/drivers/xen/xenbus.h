/*
 * Xenbus, the device model Xen's split drivers live in (drivers/xen/xenbus/).
 * A frontend driver names the device type it serves ("vbd", "vif"...);
 * the bus finds devices under device/<type>/<id> at boot and, through a
 * watch, whenever one is added or removed, and probes the matching driver
 * by itself.  Each device follows the xenbus state machine (Initialising,
 * InitWait, Initialised, Connected, Closing, Closed) against its backend,
 * whose state node is watched; a backend that closes or vanishes is
 * reported to the driver, which then removes the device.
 */
#ifndef DRIVERS_XEN_XENBUS_H
#define DRIVERS_XEN_XENBUS_H
#include <amphi/types.h>
#include <xen/io/xenbus.h>
#include <drivers/xen/xenbus_state.h>
#include <drivers/xen/xenstore.h>

struct xenbus_driver;

struct xenbus_device {
	char nodename[64];  /* device/vbd/51712 */
	char type[16];	    /* vbd */
	char otherend[96];  /* the backend's directory, from "backend" */
	int otherend_id;    /* the backend's domain, from "backend-id" */
	enum xenbus_state state;
	bool state_refused; /* nonsense in a state node was said */
	struct xenbus_driver *driver;
	void *priv;
	struct xs_watch otherend_watch;
	struct xenbus_device *next;
};

struct xenbus_driver {
	const char *type;
	/* A device appeared; 0 when the driver takes it.  Runs with the bus
	 * lock held, in the booting thread for devices present at boot and
	 * in the watch thread for those plugged later, so it must not wait
	 * for a watch callback (otherend_changed included). */
	int (*probe)(struct xenbus_device *dev);
	/* The backend moved to `state` (Closing or Closed also when its
	 * directory vanished).  Called from the watch thread, once when the
	 * driver is bound and on every event on the backend's state node,
	 * so the same state may be reported twice. */
	void (*otherend_changed)(struct xenbus_device *dev, enum xenbus_state state);
	/* The device is going away: release everything. */
	void (*remove)(struct xenbus_device *dev);
	/* Across a suspend of the domain (optional: a driver without them
	 * makes the domain refuse to suspend).  suspend stops the device's
	 * I/O, keeping what is in flight, or says why it cannot (then
	 * nothing is suspended); resume goes on, with new_domain when the
	 * backend, the event channels and the grants are all new. */
	int (*suspend)(struct xenbus_device *dev);
	void (*resume)(struct xenbus_device *dev, bool new_domain);
};

/* Drivers register themselves at link time, the way a driver module
 * declares the device type it serves. */
#define XENBUS_DRIVER(name)                                                                \
	static struct xenbus_driver name;                                                  \
	static struct xenbus_driver *const xenbus_driver_ptr_##name                        \
		__section(".xenbus_drivers") __used __aligned(8) = &name;                  \
	static struct xenbus_driver name

/* A frontend's steps; the common state machine (xenbus/frontend.c) calls
 * them from the watch thread as the backend moves.  offer sets up and
 * publishes what the backend needs and switches our state (Initialised,
 * or Connected when nothing more is to come); connected makes the device
 * usable; disconnect stops its I/O and takes it away (it may run when
 * already done); release frees what offer allocated (optional);
 * want_reconnect, after the backend closed, says whether to ask it to
 * wait for us again (optional). */
struct xenbus_frontend_ops {
	const char *name;
	int (*offer)(struct xenbus_device *dev);
	void (*connected)(struct xenbus_device *dev);
	void (*disconnect)(struct xenbus_device *dev);
	void (*release)(struct xenbus_device *dev);
	bool (*want_reconnect)(struct xenbus_device *dev);
};
/* A driver's otherend_changed hands the state on to this. */
void xenbus_frontend_changed(struct xenbus_device *dev, enum xenbus_state state,
			     const struct xenbus_frontend_ops *ops);

/* Across a suspend: every bound device's driver suspends, the device
 * list held still until xenbus_resume (0, or the first refusal, with
 * the ones done resumed again). */
int xenbus_suspend(void);
void xenbus_resume(bool new_domain);
/* Enumerates device/ and starts watching it (after xs_init). */
int xenbus_probe_init(void);
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev);
/* Devices the bus knows, for the shell. */
struct xenbus_device *xenbus_devices(void);

#endif
