/*
 * The generic network-device layer: a list of devices, their counters,
 * and the one listener (the TCP/IP stack) told when devices come and go.
 *
 * Devices come and go from drivers' threads (xenbus's, a selftest's) on
 * any CPU, while the shell walks them: one mutex covers the list, the
 * listener and each device's link state, held across the listener's
 * calls so that the stack sees a device added, changed and removed in
 * that order and a walker never meets a device half gone.  The listener
 * may sleep under it (it takes lwIP's core lock).  The data path
 * (netdev_rx, netdev_xmit) takes no lock here: its counters are atomic,
 * since a driver's interrupt, its receive thread and the stack's
 * transmit may bump them on different CPUs at once.
 */
#include <amphi/errno.h>
#include <amphi/mutex.h>
#include <amphi/netdev.h>
#include <amphi/printk.h>
#include <amphi/string.h>

static struct netdev *netdev_head;
static struct mutex netdev_mutex = MUTEX_INIT;
static const struct netdev_listener *listener;

/* netdev_mutex held. */
static struct netdev *netdev_lookup(const char *name)
{
	struct netdev *d;

	for (d = netdev_head; d && strcmp(d->name, name); d = d->next)
		;
	return d;
}

static void netdev_announce(const struct netdev *dev)
{
	const uint8_t *m = dev->mac;

	pr_info("net: %s: %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u queue%s%s%s%s\n", dev->name,
		m[0], m[1], m[2], m[3], m[4], m[5], dev->mtu, dev->nqueues,
		dev->nqueues == 1 ? "" : "s", dev->features & NETDEV_F_SG ? ", sg" : "",
		dev->features & NETDEV_F_TX_CSUM ? ", tx-csum" : "",
		dev->features & NETDEV_F_RX_CSUM ? ", rx-csum" : "");
}

int netdev_register(struct netdev *dev)
{
	if (!dev->ops || !dev->ops->xmit || !dev->mtu)
		return -EINVAL;
	mutex_lock(&netdev_mutex);
	if (netdev_lookup(dev->name)) {
		mutex_unlock(&netdev_mutex);
		return -EEXIST;
	}
	dev->next = netdev_head;
	netdev_head = dev;
	netdev_announce(dev);
	if (listener && listener->added)
		listener->added(dev);
	mutex_unlock(&netdev_mutex);
	return 0;
}

void netdev_unregister(struct netdev *dev)
{
	struct netdev **p;

	mutex_lock(&netdev_mutex);
	if (listener && listener->removed)
		listener->removed(dev);
	for (p = &netdev_head; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	mutex_unlock(&netdev_mutex);
	pr_info("net: %s: removed\n", dev->name);
}

void netdev_set_link(struct netdev *dev, bool up)
{
	mutex_lock(&netdev_mutex);
	if (dev->link_up != up) {
		WRITE_ONCE(dev->link_up, up);
		pr_info("net: %s: link %s\n", dev->name, up ? "up" : "down");
		if (listener && listener->link_changed)
			listener->link_changed(dev);
	}
	mutex_unlock(&netdev_mutex);
}

void netdev_notify_peers(struct netdev *dev)
{
	mutex_lock(&netdev_mutex);
	if (dev->link_up && listener && listener->notify_peers)
		listener->notify_peers(dev);
	mutex_unlock(&netdev_mutex);
}

void netdev_rx(struct netdev *dev, const struct netdev_frame *f)
{
	void (*rx)(struct netdev *, const struct netdev_frame *) =
	    __atomic_load_n(&dev->rx, __ATOMIC_ACQUIRE);

	if (!rx) {
		netdev_count(&dev->stats.rx_dropped, 1);
		return;
	}
	netdev_count(&dev->stats.rx_packets, 1);
	netdev_count(&dev->stats.rx_bytes, f->len);
	rx(dev, f);
}

int netdev_xmit(struct netdev *dev, const struct netdev_frame *f)
{
	int rc = dev->ops->xmit(dev, f);

	if (rc == 0) {
		netdev_count(&dev->stats.tx_packets, 1);
		netdev_count(&dev->stats.tx_bytes, f->len);
	} else if (rc == -EAGAIN) {
		netdev_count(&dev->stats.tx_dropped, 1);
	} else {
		netdev_count(&dev->stats.tx_errors, 1);
	}
	return rc;
}

void netdev_listen(const struct netdev_listener *l)
{
	struct netdev *d;

	mutex_lock(&netdev_mutex);
	listener = l;
	for (d = netdev_head; d; d = d->next)
		if (l->added)
			l->added(d);
	mutex_unlock(&netdev_mutex);
}

struct netdev *netdev_find(const char *name)
{
	struct netdev *d;

	mutex_lock(&netdev_mutex);
	d = netdev_lookup(name);
	mutex_unlock(&netdev_mutex);
	return d;
}

void netdev_for_each(void (*fn)(struct netdev *dev, void *arg), void *arg)
{
	mutex_lock(&netdev_mutex);
	for (struct netdev *d = netdev_head; d; d = d->next)
		fn(d, arg);
	mutex_unlock(&netdev_mutex);
}

int netdev_csum_complete(void *buf, uint32_t len, uint16_t csum_start, uint16_t csum_offset)
{
	uint8_t *p = buf;
	uint32_t sum = 0, i;
	uint16_t c;

	if ((uint32_t)csum_start + csum_offset + 2 > len || csum_offset & 1)
		return -EINVAL;
	/* The field holds the pseudo-header sum; fold the rest in with it. */
	for (i = csum_start; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	p[csum_start + csum_offset] = c >> 8;
	p[csum_start + csum_offset + 1] = c & 0xff;
	return 0;
}
