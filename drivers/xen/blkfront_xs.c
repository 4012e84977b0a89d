/*
 * The Xen block frontend's handshake with its backend, through xenbus.
 * Probe only allocates: the ring is offered when the backend reaches
 * InitWait (the order Linux's blkback expects), and the disk's geometry
 * and features are read when it reaches Connected, both from the watch
 * thread, so nothing here waits for a watch inside probe.  The disk then
 * appears as an ordinary block device named after its virtual device
 * number, the way Linux names it, and a watch on the backend's "sectors"
 * node reports an online resize.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <xen/io/protocols.h>
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

static int blkfront_read_flag(struct blkfront_info *info, const char *node)
{
	char path[128];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "%s/%s", info->xdev->otherend, node);
	return xs_read_u64(XBT_NIL, path, &v) == 0 && v != 0;
}

/* Offers the ring and event channel in one transaction (backend InitWait). */
static int blkfront_talk(struct blkfront_info *info)
{
	const char *dir = info->xdev->nodename;
	xs_transaction_t t;
	char path[96];
	int rc;

	if ((rc = blkfront_ring_setup(info)))
		return rc;
	do {
		if ((rc = xs_transaction_start(&t)))
			return rc;
		snprintf(path, sizeof(path), "%s/ring-ref", dir);
		rc = xs_printf(t, path, "%u", info->ring_ref);
		snprintf(path, sizeof(path), "%s/event-channel", dir);
		rc = rc ? rc : xs_printf(t, path, "%d", info->evtchn);
		snprintf(path, sizeof(path), "%s/protocol", dir);
		rc = rc ? rc : xs_write(t, path, XEN_IO_PROTO_ABI_NATIVE);
		if (rc) {
			xs_transaction_end(t, true);
			return rc;
		}
		rc = xs_transaction_end(t, false);
	} while (rc == -EAGAIN);
	return rc ? rc : xenbus_switch_state(info->xdev, XenbusStateInitialised);
}

/* Linux's blkback counts "sectors" in 512-byte units whatever the
 * sector-size (the note in blkif.h on frontend bugs), so we do too. */
static uint64_t blkfront_to_dev_sectors(struct blkfront_info *info, uint64_t sectors)
{
	return sectors / (info->bdev.sector_size / 512);
}

static void blkfront_sectors_changed(struct xs_watch *w, const char *changed)
{
	struct blkfront_info *info = w->data;
	uint64_t sectors;

	(void)changed;
	if (!info->registered || xs_read_u64(XBT_NIL, info->sectors_path, &sectors))
		return;
	blkdev_set_capacity(&info->bdev, blkfront_to_dev_sectors(info, sectors));
}

/* Reads the disk's geometry: 0, or why it cannot be used. */
static int blkfront_read_geometry(struct blkfront_info *info)
{
	const char *be = info->xdev->otherend;
	uint64_t sectors, ssize = 512, vinfo = 0;
	char path[128];
	char *mode;
	int rc;

	snprintf(path, sizeof(path), "%s/sectors", be);
	if ((rc = xs_read_u64(XBT_NIL, path, &sectors)))
		return rc;
	snprintf(path, sizeof(path), "%s/sector-size", be);
	xs_read_u64(XBT_NIL, path, &ssize);
	snprintf(path, sizeof(path), "%s/info", be);
	xs_read_u64(XBT_NIL, path, &vinfo);
	if (ssize < 512 || ssize > 4096 || (ssize & (ssize - 1))) {
		pr_err("blkfront: %s: backend gave an unusable sector-size %llu\n",
		       info->xdev->nodename, (unsigned long long)ssize);
		return -EINVAL;
	}
	info->bdev.sector_size = (uint32_t)ssize;
	info->bdev.sectors = blkfront_to_dev_sectors(info, sectors);
	info->bdev.read_only = (vinfo & VDISK_READONLY) != 0;
	snprintf(path, sizeof(path), "%s/mode", be);
	if ((mode = xs_read(XBT_NIL, path, &rc))) {
		if (mode[0] == 'r' && mode[1] != 'w')
			info->bdev.read_only = true;
		kfree(mode);
	}
	info->bdev.max_sectors = BLKFRONT_SEGS * 4096 / info->bdev.sector_size;
	return 0;
}

/* Backend Connected: the disk becomes a block device. */
static void blkfront_connect(struct blkfront_info *info)
{
	int rc;

	if (info->registered) {
		/* Connected again after a resize: re-read the size. */
		blkfront_sectors_changed(&info->sectors_watch, NULL);
		return;
	}
	if ((rc = blkfront_read_geometry(info))) {
		pr_err("blkfront: %s: cannot read the disk's geometry (%d)\n", info->xdev->nodename,
		       rc);
		return;
	}
	info->bdev.can_flush = blkfront_read_flag(info, "feature-flush-cache");
	info->feature_barrier =
	    !info->bdev.can_flush && blkfront_read_flag(info, "feature-barrier");
	info->bdev.can_flush |= info->feature_barrier;
	info->bdev.can_discard = blkfront_read_flag(info, "feature-discard");
	info->bdev.ops = &blkfront_blkdev_ops;
	info->bdev.priv = info;
	info->connected = true;
	info->registered = true;
	if ((rc = blkdev_register(&info->bdev))) {
		pr_err("blkfront: %s: cannot register %s (%d)\n", info->xdev->nodename,
		       info->bdev.name, rc);
		info->registered = info->connected = false;
		return;
	}
	xenbus_switch_state(info->xdev, XenbusStateConnected);
	blkfront_connected++;
	snprintf(info->sectors_path, sizeof(info->sectors_path), "%s/sectors",
		 info->xdev->otherend);
	info->sectors_watch = (struct xs_watch){
	    .path = info->sectors_path, .callback = blkfront_sectors_changed, .data = info};
	info->watching = xs_watch_register(&info->sectors_watch) == 0;
}

/* Stops I/O and takes the block device away (backend closing, or remove). */
static void blkfront_disconnect(struct blkfront_info *info)
{
	if (info->watching)
		xs_watch_unregister(&info->sectors_watch);
	info->watching = false;
	if (info->registered) {
		blkdev_unregister(&info->bdev);
		blkfront_connected--;
	}
	info->connected = false;
	info->registered = false;
	blkfront_fail_all(info, -EIO);
}

static void blkfront_otherend_changed(struct xenbus_device *dev, enum xenbus_state state)
{
	struct blkfront_info *info = dev->priv;
	int rc;

	switch (state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising)
			break;
		if ((rc = blkfront_talk(info))) {
			pr_err("blkfront: %s: cannot offer the ring (%d)\n", dev->nodename, rc);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		break;
	case XenbusStateConnected:
		blkfront_connect(info);
		break;
	case XenbusStateClosing:
		pr_info("blkfront: %s: backend closing\n", dev->nodename);
		blkfront_disconnect(info);
		if (dev->state != XenbusStateClosing && dev->state != XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateClosing);
		xenbus_switch_state(dev, XenbusStateClosed);
		break;
	case XenbusStateClosed:
		blkfront_disconnect(info);
		if (dev->state != XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateClosed);
		break;
	default:
		break;
	}
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
	info->evtchn = -1;
	if (vdev > 0xffffffffull ||
	    blkfront_name(info->vdevice, info->bdev.name, sizeof(info->bdev.name))) {
		pr_err("blkfront: %s: cannot name virtual device %llu\n", dev->nodename,
		       (unsigned long long)vdev);
		kfree(info);
		return -EINVAL;
	}
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
	blkfront_ring_free(info);
	blkfront_devices--;
	dev->priv = NULL;
	kfree(info);
}

XENBUS_DRIVER(blkfront_driver) = {
    .type = "vbd",
    .probe = blkfront_probe,
    .otherend_changed = blkfront_otherend_changed,
    .remove = blkfront_remove,
};
