/*
 * The generic network-device layer: a list of devices, their counters,
 * and the one listener (the TCP/IP stack) told when devices come and go.
 */
#include <amphi/errno.h>
#include <amphi/netdev.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>

static struct netdev *netdev_head;
static struct spinlock netdev_lock = SPINLOCK_INIT;
static const struct netdev_listener *listener;

int netdev_register(struct netdev *dev)
{
	unsigned long flags;
	const uint8_t *m = dev->mac;

	if (!dev->ops || !dev->ops->xmit || !dev->mtu)
		return -EINVAL;
	if (netdev_find(dev->name))
		return -EEXIST;
	flags = spin_lock_irqsave(&netdev_lock);
	dev->next = netdev_head;
	netdev_head = dev;
	spin_unlock_irqrestore(&netdev_lock, flags);
	pr_info("net: %s: %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u queue%s%s%s%s\n", dev->name,
		m[0], m[1], m[2], m[3], m[4], m[5], dev->mtu, dev->nqueues,
		dev->nqueues == 1 ? "" : "s", dev->features & NETDEV_F_SG ? ", sg" : "",
		dev->features & NETDEV_F_TX_CSUM ? ", tx-csum" : "",
		dev->features & NETDEV_F_RX_CSUM ? ", rx-csum" : "");
	if (listener && listener->added)
		listener->added(dev);
	return 0;
}

void netdev_unregister(struct netdev *dev)
{
	unsigned long flags;
	struct netdev **p;

	if (listener && listener->removed)
		listener->removed(dev);
	flags = spin_lock_irqsave(&netdev_lock);
	for (p = &netdev_head; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	spin_unlock_irqrestore(&netdev_lock, flags);
	pr_info("net: %s: removed\n", dev->name);
}

void netdev_set_link(struct netdev *dev, bool up)
{
	if (dev->link_up == up)
		return;
	dev->link_up = up;
	pr_info("net: %s: link %s\n", dev->name, up ? "up" : "down");
	if (listener && listener->link_changed)
		listener->link_changed(dev);
}

void netdev_rx(struct netdev *dev, const struct netdev_frame *f)
{
	if (!dev->rx) {
		dev->stats.rx_dropped++;
		return;
	}
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += f->len;
	dev->rx(dev, f);
}

int netdev_xmit(struct netdev *dev, const struct netdev_frame *f)
{
	int rc = dev->ops->xmit(dev, f);

	if (rc == 0) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += f->len;
	} else if (rc == -EAGAIN) {
		dev->stats.tx_dropped++;
	} else {
		dev->stats.tx_errors++;
	}
	return rc;
}

void netdev_listen(const struct netdev_listener *l)
{
	struct netdev *d;

	listener = l;
	for (d = netdev_head; d; d = d->next)
		if (l->added)
			l->added(d);
}

struct netdev *netdev_find(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&netdev_lock);
	struct netdev *d;

	for (d = netdev_head; d && strcmp(d->name, name); d = d->next)
		;
	spin_unlock_irqrestore(&netdev_lock, flags);
	return d;
}

struct netdev *netdev_list(void)
{
	return netdev_head;
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
