/*
 * The Xen block frontend's handshake with its backend, through xenbus.
 * Probe only allocates: the ring is offered when the backend reaches
 * InitWait (the order Linux's blkback expects), and the disk's geometry
 * and features are read when it reaches Connected, both from the watch
 * thread, so nothing here waits for a watch inside probe.  The disk then
 * appears as an ordinary block device named after its virtual device
 * number, the way Linux names it, and a watch on the backend's "sectors"
 * node reports an online resize.
 *
 * Going away follows the backend: at its Closing the disk is taken from
 * the block layer and every request failed, and we answer Closed; only
 * at its Closed, once it has unmapped everything, are rings, event
 * channels and grants released.  A backend that then waits again
 * (InitWait, as blkback does when told we are Initialising, or after a
 * toolstack reset) is connected to afresh.  The memory of a removed
 * disk stays until the last blkdev_get() holder lets go.
 *
 * All of this runs in the xenbus thread; only the switch between live
 * and not live is seen by submitters on other CPUs, and it is made under
 * the queues' locks (blkfront_set_live).
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include "blkfront.h"

static unsigned blkfront_devices, blkfront_connected;

/* "xvd" + a, ..., z, aa, ..., zz, aaa...: the bijective base-26 index. */
static void blkfront_letters(unsigned idx, char *out)
{
	char tmp[8];
	int n = 0;

	idx++;
	while (idx && n < 7) {
		idx--;
		tmp[n++] = (char)('a' + idx % 26);
		idx /= 26;
	}
	while (n)
		*out++ = tmp[--n];
	*out = 0;
}

/* The Linux name of a virtual device number (docs/misc/vbd-interface):
 * the extended form (bit 28) holds the disk in bits 8..27; otherwise the
 * major says xvd (202), hd (3, 22) or sd (8), all named xvd here. */
int blkfront_name(uint32_t vdevice, char *buf, size_t len)
{
	unsigned disk, part, major = vdevice >> 8, minor = vdevice & 0xff;
	char letters[8];

	if (vdevice & (1u << 28)) {
		disk = (vdevice & ((1u << 28) - 1)) >> 8;
		part = vdevice & 0xff;
	} else if (major == 202 || major == 8) {
		disk = minor >> 4;
		part = minor & 15;
	} else if (major == 3 || major == 22) {
		disk = (minor >> 6) + (major == 22 ? 2 : 0);
		part = minor & 63;
	} else {
		return -EINVAL;
	}
	if (disk >= 26 * 26 * 26 + 26 * 26 + 26)
		return -EINVAL;
	blkfront_letters(disk, letters);
	if (part)
		snprintf(buf, len, "xvd%s%u", letters, part);
	else
		snprintf(buf, len, "xvd%s", letters);
	return 0;
}

unsigned blkfront_count(unsigned *connected)
{
	*connected = READ_ONCE(blkfront_connected);
	return READ_ONCE(blkfront_devices);
}

/* Offers the rings and event channels (backend InitWait). */
static int blkfront_talk(struct blkfront_info *info)
{
	int rc;

	blkfront_rings_free(info);
	blkfront_choose_rings(info);
	info->broken = false;
	if ((rc = blkfront_rings_setup(info)))
		return rc;
	rc = xs_transact(blkfront_write_offer, info);
	return rc ? rc : xenbus_switch_state(info->xdev, XenbusStateInitialised);
}

static void blkfront_sectors_changed(struct xs_watch *w, const char *changed)
{
	struct blkfront_info *info = w->data;
	uint64_t sectors = 0, dev_sectors;
	const char *why;
	int rc;

	(void)changed;
	if (!info->registered)
		return;
	rc = xs_read_u64(XBT_NIL, info->sectors_path, &sectors);
	if (blkif_be_resize(rc, sectors, info->bdev.sector_size, &dev_sectors, &why)) {
		pr_err("blkfront: %s: backend's new sectors (%d, %llu) refused: %s\n",
		       info->xdev->nodename, rc, (unsigned long long)sectors, why);
		return;
	}
	blkdev_set_capacity(&info->bdev, dev_sectors);
}

/* Reads the disk's geometry (blkif_be_geometry judges it): 0, or why it
 * cannot be used. */
static int blkfront_read_geometry(struct blkfront_info *info)
{
	const char *be = info->xdev->otherend;
	uint64_t sectors = 0, ssize = 0, vinfo = 0;
	struct blkif_geometry g;
	const char *why;
	char path[128];
	char *mode;
	int rc, rc_ssize;

	snprintf(path, sizeof(path), "%s/sectors", be);
	rc = xs_read_u64(XBT_NIL, path, &sectors);
	snprintf(path, sizeof(path), "%s/sector-size", be);
	rc_ssize = xs_read_u64(XBT_NIL, path, &ssize);
	if (blkif_be_geometry(rc, sectors, rc_ssize, ssize, &g, &why)) {
		pr_err("blkfront: %s: backend's sectors (%d, %llu) and sector-size (%d, %llu) "
		       "refused: %s\n",
		       info->xdev->nodename, rc, (unsigned long long)sectors, rc_ssize,
		       (unsigned long long)ssize, why);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/info", be);
	xs_read_u64(XBT_NIL, path, &vinfo);
	info->bdev.sector_size = g.sector_size;
	info->bdev.sectors = g.sectors;
	info->bdev.read_only = (vinfo & VDISK_READONLY) != 0;
	snprintf(path, sizeof(path), "%s/mode", be);
	if ((mode = xs_read(XBT_NIL, path, &rc))) {
		if (mode[0] == 'r' && mode[1] != 'w')
			info->bdev.read_only = true;
		kfree(mode);
	}
	return 0;
}

static void blkfront_watch_sectors(struct blkfront_info *info)
{
	snprintf(info->sectors_path, sizeof(info->sectors_path), "%s/sectors",
		 info->xdev->otherend);
	info->sectors_watch = (struct xs_watch){
	    .path = info->sectors_path, .callback = blkfront_sectors_changed, .data = info};
	info->watching = xs_watch_register(&info->sectors_watch) == 0;
}

/* The new domain's backend Connected (blkfront_suspend.c): the disk it
 * serves must be the one we had, the features are whatever it offers. */
static void blkfront_reconnect(struct blkfront_info *info)
{
	uint64_t sectors = info->bdev.sectors;
	int rc;

	if ((rc = blkfront_read_geometry(info)) || info->bdev.sectors < sectors)
		pr_warn("blkfront: %s: the restored domain's disk %s (%d)\n", info->bdev.name,
			rc ? "has no readable geometry" : "is smaller", rc);
	blkfront_choose_features(info);
	blkfront_set_live(info, true, true);
	pr_info("blkfront: %s: queues %u, ring pages %u, %s%u segments, %s grants\n",
		info->bdev.name, info->nr_queues, info->ring_pages,
		info->indirect ? "indirect " : "", info->max_segs,
		info->persistent ? "persistent" : "per-request");
	xenbus_switch_state(info->xdev, XenbusStateConnected);
	info->generation++;
	blkfront_watch_sectors(info);
	blkfront_resume_connected(info);
}

/* Backend Connected: the disk becomes a block device. */
static void blkfront_connect(struct blkfront_info *info)
{
	int rc;

	if (info->registered && !info->resuming) {
		/* Connected again after a resize: re-read the size. */
		blkfront_sectors_changed(&info->sectors_watch, NULL);
		return;
	}
	if (info->resuming) {
		blkfront_reconnect(info);
		return;
	}
	if ((rc = blkfront_read_geometry(info))) {
		pr_err("blkfront: %s: cannot read the disk's geometry (%d)\n", info->xdev->nodename,
		       rc);
		return;
	}
	blkfront_choose_features(info);
	blkfront_set_live(info, true, true);
	if ((rc = blkdev_register(&info->bdev))) {
		pr_err("blkfront: %s: cannot register %s (%d)\n", info->xdev->nodename,
		       info->bdev.name, rc);
		blkfront_set_live(info, false, false);
		return;
	}
	pr_info("blkfront: %s: queues %u, ring pages %u, %s%u segments, %s grants\n",
		info->bdev.name, info->nr_queues, info->ring_pages,
		info->indirect ? "indirect " : "", info->max_segs,
		info->persistent ? "persistent" : "per-request");
	xenbus_switch_state(info->xdev, XenbusStateConnected);
	blkfront_connected++;
	info->generation++;
	blkfront_watch_sectors(info);
}

/* Stops I/O and takes the block device away (backend closing, or
 * remove); the rings stay until the backend has let go of them. */
static void blkfront_disconnect(struct blkfront_info *info)
{
	bool was_registered = info->registered;

	if (info->watching)
		xs_watch_unregister(&info->sectors_watch);
	info->watching = false;
	/* From here on a request is refused; those queued before are failed
	 * below. */
	blkfront_set_live(info, false, false);
	if (was_registered) {
		blkdev_unregister(&info->bdev);
		blkfront_connected--;
	}
	if (info->rings_up)
		blkfront_fail_all(info, -EIO);
}

/* The backend is Closed: it unmapped the rings and, with persistent
 * grants, our data pages, so everything can be ended and freed now. */
static void blkfront_closed(struct blkfront_info *info)
{
	unsigned before = gnttab_deferred_count(), after;

	if (info->rings_up) {
		blkfront_rings_free(info);
		/* The reaper may finish older deferrals meanwhile. */
		after = gnttab_deferred_count();
		pr_info("blkfront: %s: closed: rings, event channels and grants released (%u "
			"deferred)\n",
			info->xdev->nodename, after > before ? after - before : 0);
	}
}

/* The steps of the common frontend state machine (xenbus/frontend.c). */
static int blkfront_fe_offer(struct xenbus_device *dev)
{
	return blkfront_talk(dev->priv);
}

static void blkfront_fe_connected(struct xenbus_device *dev)
{
	blkfront_connect(dev->priv);
}

static void blkfront_fe_disconnect(struct xenbus_device *dev)
{
	blkfront_disconnect(dev->priv);
}

static void blkfront_fe_release(struct xenbus_device *dev)
{
	blkfront_closed(dev->priv);
}

/* Set by blkfront_restart(): it closed the device to connect again. */
static bool blkfront_fe_want_reconnect(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev->priv;
	bool want = info->want_reconnect;

	info->want_reconnect = false;
	return want;
}

static const struct xenbus_frontend_ops blkfront_fe_ops = {
    .name = "blkfront",
    .offer = blkfront_fe_offer,
    .connected = blkfront_fe_connected,
    .disconnect = blkfront_fe_disconnect,
    .release = blkfront_fe_release,
    .want_reconnect = blkfront_fe_want_reconnect,
};

static void blkfront_otherend_changed(struct xenbus_device *dev, enum xenbus_state state)
{
	xenbus_frontend_changed(dev, state, &blkfront_fe_ops);
}

static int blkfront_probe(struct xenbus_device *dev)
{
	struct blkfront_info *info;
	char path[96];
	uint64_t vdev;
	int rc;

	snprintf(path, sizeof(path), "%s/virtual-device", dev->nodename);
	if ((rc = xs_read_u64(XBT_NIL, path, &vdev)))
		return rc;
	if (!(info = kmalloc(sizeof(*info))))
		return -ENOMEM;
	memset(info, 0, sizeof(*info));
	info->xdev = dev;
	info->vdevice = (uint32_t)vdev;
	if (vdev > 0xffffffffull ||
	    blkfront_name(info->vdevice, info->bdev.name, sizeof(info->bdev.name))) {
		pr_err("blkfront: %s: cannot name virtual device %llu\n", dev->nodename,
		       (unsigned long long)vdev);
		kfree(info);
		return -EINVAL;
	}
	info->bdev.ops = &blkfront_blkdev_ops;
	info->bdev.priv = info;
	dev->priv = info;
	blkfront_devices++;
	return 0;
}

static void blkfront_remove(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev->priv;

	if (!info)
		return;
	blkfront_disconnect(info);
	blkfront_closed(info);
	blkfront_devices--;
	dev->priv = NULL;
	info->xdev = NULL;
	/* Someone may still hold the disk (blkdev_get): its requests fail
	 * from now on, and the memory goes with the last holder. */
	blkdev_retire(&info->bdev);
}

XENBUS_DRIVER(blkfront_driver) = {
    .type = "vbd",
    .probe = blkfront_probe,
    .otherend_changed = blkfront_otherend_changed,
    .remove = blkfront_remove,
    .suspend = blkfront_suspend,
    .resume = blkfront_resume,
};

static struct blkfront_info *blkfront_find_info(const char *name)
{
	for (struct xenbus_device *d = xenbus_devices(); d; d = d->next) {
		struct blkfront_info *info = d->priv;

		if (d->driver == &blkfront_driver && info && !strcmp(info->bdev.name, name))
			return info;
	}
	return NULL;
}

int blkfront_restart(const char *name)
{
	struct blkfront_info *info = blkfront_find_info(name);

	if (!info)
		return -ENODEV;
	if (!info->connected)
		return -EBUSY;
	info->want_reconnect = true;
	pr_info("blkfront: %s: closing to connect again\n", info->xdev->nodename);
	return xenbus_switch_state(info->xdev, XenbusStateClosing);
}

unsigned blkfront_generation(const char *name)
{
	struct blkfront_info *info = blkfront_find_info(name);

	return info ? info->generation : 0;
}

int blkfront_get_stats(const char *name, struct blkfront_stats *st)
{
	struct blkfront_info *info = blkfront_find_info(name);

	if (!info || !info->connected)
		return -ENODEV;
	*st = (struct blkfront_stats){.nr_queues = info->nr_queues,
				      .ring_pages = info->ring_pages,
				      .max_segs = info->max_segs,
				      .indirect = info->indirect,
				      .persistent = info->persistent};
	for (unsigned i = 0; i < info->nr_queues; i++) {
		st->requests[i] = info->queue[i].requests;
		st->cpu[i] = info->queue[i].cpu;
		st->irq_cpus[i] = READ_ONCE(info->queue[i].irq_cpus);
		st->indirect_requests += info->queue[i].indirect_requests;
		st->grants_reused += info->queue[i].grants_reused;
	}
	return 0;
}
