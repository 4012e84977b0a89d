/*
 * The Xen network frontend's handshake with its backend, through xenbus,
 * in the order Linux's netback expects: when the backend reaches InitWait
 * we read what it offers (rx-copy is required; scatter-gather, checksum
 * offload, split event channels and several queues are used when
 * offered), set up the rings, write their references, post the receive
 * buffers and say Connected.  When the backend is Connected too the vif
 * becomes a network device named eth<N>, with the MAC the toolstack wrote.
 * A backend that closes takes the device away; one that comes back to
 * InitWait is connected again.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <drivers/xen/netif_check.h>
#include "netfront.h"

static unsigned netfront_devices, netfront_nconnected;

unsigned netfront_count(unsigned *connected)
{
	*connected = READ_ONCE(netfront_nconnected);
	return READ_ONCE(netfront_devices);
}

/* A flag the backend may write (netif_be_flag judges it): `absent` when
 * it wrote none, `refused`, said, when it wrote something else than 0 or 1. */
static bool netfront_be_flag(struct netfront_info *info, const char *node, bool absent,
			     bool refused)
{
	char path[128];
	uint64_t v = 0;
	const char *why;
	bool on;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", info->xdev->otherend, node);
	rc = xs_read_u64(XBT_NIL, path, &v);
	on = netif_be_flag(rc, v, absent, refused, &why);
	if (why)
		pr_err("netfront: %s: backend's %s (%d, %llu) refused: %s: taken as %d\n",
		       info->xdev->nodename, node, rc, (unsigned long long)v, why, on);
	return on;
}

/* What the backend offers, bounded.  A feature flag it garbled is off;
 * feature-no-csum-offload, which turns one off, is on. */
static void netfront_read_features(struct netfront_info *info)
{
	char path[128];
	uint64_t maxq = 0;
	const char *why;
	int rc;

	info->sg = netfront_be_flag(info, "feature-sg", false, false);
	info->split_evtchn = netfront_be_flag(info, "feature-split-event-channels", false, false);
	/* Missing means on (netif.h). */
	info->tx_csum = !netfront_be_flag(info, "feature-no-csum-offload", false, true);
	snprintf(path, sizeof(path), "%s/multi-queue-max-queues", info->xdev->otherend);
	rc = xs_read_u64(XBT_NIL, path, &maxq);
	info->nqueues = netif_be_queues(rc, maxq, NETFRONT_MAX_QUEUES, &why);
	if (why)
		pr_err("netfront: %s: backend's multi-queue-max-queues (%d, %llu) refused: %s: "
		       "using 1 queue\n",
		       info->xdev->nodename, rc, (unsigned long long)maxq, why);
}

/* Writes one queue's rings and channels under `dir`. */
static int netfront_write_queue(xs_transaction_t t, struct netfront_info *info, const char *dir,
				struct netfront_queue *q)
{
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "%s/tx-ring-ref", dir);
	if ((rc = xs_printf(t, path, "%u", q->tx_ring_ref)))
		return rc;
	snprintf(path, sizeof(path), "%s/rx-ring-ref", dir);
	if ((rc = xs_printf(t, path, "%u", q->rx_ring_ref)))
		return rc;
	if (info->split_evtchn) {
		snprintf(path, sizeof(path), "%s/event-channel-tx", dir);
		if ((rc = xs_printf(t, path, "%d", q->evtchn_tx)))
			return rc;
		snprintf(path, sizeof(path), "%s/event-channel-rx", dir);
		return xs_printf(t, path, "%d", q->evtchn_rx);
	}
	snprintf(path, sizeof(path), "%s/event-channel", dir);
	return xs_printf(t, path, "%d", q->evtchn_tx);
}

/* Removes what an earlier connection offered: keys for more queues or
 * for split channels than this one has would otherwise describe rings
 * and channels that no longer exist, and the backend would map them. */
static int netfront_clear_keys(xs_transaction_t t, const char *dir)
{
	static const char *const nodes[] = {
	    "multi-queue-num-queues",
	    "tx-ring-ref",
	    "rx-ring-ref",
	    "event-channel",
	    "event-channel-tx",
	    "event-channel-rx",
	    "queue-0",
	    "queue-1",
	    "queue-2",
	    "queue-3",
	};
	char path[128];
	int rc = 0;

	_Static_assert(NETFRONT_MAX_QUEUES <= 4, "netfront_clear_keys names 4 queues");
	for (unsigned i = 0; i < ARRAY_SIZE(nodes) && (!rc || rc == -ENOENT); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, nodes[i]);
		rc = xs_rm(t, path);
	}
	return rc == -ENOENT ? 0 : rc;
}

/* An xs_transact() body: arg is the struct netfront_info. */
static int netfront_write_keys(xs_transaction_t t, void *arg)
{
	struct netfront_info *info = arg;
	static const char *const flags[][2] = {
	    {"request-rx-copy", "1"},
	    {"feature-rx-notify", "1"},
	    {"feature-sg", "1"},
	    {"feature-no-csum-offload", "0"},
	    {"feature-gso-tcpv4", "0"},
	    {"feature-gso-tcpv6", "0"},
	    {"feature-ipv6-csum-offload", "0"},
	};
	const char *dir = info->xdev->nodename;
	char path[128], qdir[96];
	int rc;

	if ((rc = netfront_clear_keys(t, dir)))
		return rc;
	if (info->nqueues == 1) {
		if ((rc = netfront_write_queue(t, info, dir, &info->queue[0])))
			return rc;
	} else {
		snprintf(path, sizeof(path), "%s/multi-queue-num-queues", dir);
		if ((rc = xs_printf(t, path, "%u", info->nqueues)))
			return rc;
		for (unsigned i = 0; i < info->nqueues; i++) {
			snprintf(qdir, sizeof(qdir), "%s/queue-%u", dir, i);
			if ((rc = netfront_write_queue(t, info, qdir, &info->queue[i])))
				return rc;
		}
	}
	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, flags[i][0]);
		if ((rc = xs_write(t, path, flags[i][1])))
			return rc;
	}
	return 0;
}

/* Backend InitWait: offer the rings, post buffers, say Connected. */
static int netfront_talk(struct netfront_info *info)
{
	int rc;

	if (!netfront_be_flag(info, "feature-rx-copy", false, false)) {
		pr_err("netfront: %s: backend does not offer rx-copy, the only receive mode "
		       "supported\n",
		       info->xdev->nodename);
		return -ENOSYS;
	}
	netfront_read_features(info);
	info->broken = false;
	if ((rc = netfront_rings_setup(info)))
		return rc;
	if ((rc = xs_transact(netfront_write_keys, info)) || (rc = netfront_start(info)))
		goto fail;
	return xenbus_switch_state(info->xdev, XenbusStateConnected);
fail:
	netfront_rings_free(info);
	return rc;
}

static void netfront_connected(struct netfront_info *info)
{
	struct netdev *nd = &info->ndev;
	bool reconnect = info->registered;
	int rc;

	if (!info->rings_ready)
		return;
	info->connected = true;
	if (!info->registered) {
		nd->features = (info->sg ? NETDEV_F_SG : 0) |
			       (info->tx_csum ? NETDEV_F_TX_CSUM : 0) | NETDEV_F_RX_CSUM;
		nd->nqueues = info->nqueues;
		if (!info->sg && nd->mtu > 1500)
			nd->mtu = 1500;
		nd->ops = &netfront_netdev_ops;
		nd->priv = info;
		if ((rc = netdev_register(nd))) {
			pr_err("netfront: %s: cannot register %s (%d)\n", info->xdev->nodename,
			       nd->name, rc);
			return;
		}
		info->registered = true;
		netfront_nconnected++;
		pr_info("netfront: %s: %s, %u queue%s, %s event channels%s%s\n",
			info->xdev->nodename, nd->name, info->nqueues,
			info->nqueues == 1 ? "" : "s", info->split_evtchn ? "split" : "shared",
			info->sg ? ", scatter-gather" : "",
			info->tx_csum ? ", checksum offload" : "");
	}
	/* A garbled carrier is taken as none written: the link is up. */
	netdev_set_link(nd, netfront_be_flag(info, "carrier", true, true));
	/* Still registered: a restore or migration brought it back behind
	 * another backend, whose bridge port nobody has sent to yet. */
	if (reconnect)
		netdev_notify_peers(nd);
}

/* Stops I/O and takes the device away (backend closing, or remove); the
 * rings stay until the backend has let go of them.  Receive stops before
 * the device goes, so the stack is handed nothing after. */
static void netfront_disconnect(struct netfront_info *info)
{
	if (info->registered)
		netdev_set_link(&info->ndev, false);
	if (info->rings_ready)
		netfront_stop(info);
	if (info->registered) {
		netdev_unregister(&info->ndev);
		info->ndev.rx = NULL;
		info->registered = false;
		netfront_nconnected--;
	}
	info->connected = false;
}

/* The backend is Closed: every grant can be ended and the rings freed. */
static void netfront_release(struct netfront_info *info)
{
	if (info->rings_ready)
		netfront_rings_free(info);
}

/* The steps of the common frontend state machine (xenbus/frontend.c). */
static int netfront_fe_offer(struct xenbus_device *dev)
{
	return netfront_talk(dev->priv);
}

static void netfront_fe_connected(struct xenbus_device *dev)
{
	netfront_connected(dev->priv);
}

static void netfront_fe_disconnect(struct xenbus_device *dev)
{
	netfront_disconnect(dev->priv);
}

static void netfront_fe_release(struct xenbus_device *dev)
{
	netfront_release(dev->priv);
}

static const struct xenbus_frontend_ops netfront_fe_ops = {
    .name = "netfront",
    .offer = netfront_fe_offer,
    .connected = netfront_fe_connected,
    .disconnect = netfront_fe_disconnect,
    .release = netfront_fe_release,
};

static void netfront_otherend_changed(struct xenbus_device *dev, enum xenbus_state state)
{
	xenbus_frontend_changed(dev, state, &netfront_fe_ops);
}

static int netfront_probe(struct xenbus_device *dev)
{
	struct netfront_info *info;
	const char *id = dev->nodename + strlen(dev->nodename);
	char path[96], *mac;
	uint64_t mtu = 0;
	const char *why;
	unsigned handle = 0;
	int rc;

	while (id > dev->nodename && id[-1] != '/')
		id--;
	for (; *id >= '0' && *id <= '9' && handle < 100000; id++)
		handle = handle * 10 + (unsigned)(*id - '0');
	if (!(info = kmalloc(sizeof(*info))))
		return -ENOMEM;
	memset(info, 0, sizeof(*info));
	info->xdev = dev;
	info->rx_stopped = true;
	snprintf(info->ndev.name, sizeof(info->ndev.name), "eth%u", handle);
	snprintf(path, sizeof(path), "%s/mac", dev->nodename);
	if (!(mac = xs_read(XBT_NIL, path, &rc))) {
		pr_err("netfront: %s: no mac in the store (%d)\n", dev->nodename, rc);
		kfree(info);
		return rc;
	}
	if (netif_parse_mac(mac, info->ndev.mac)) {
		pr_err("netfront: %s: the store's mac '%s' is not a unicast Ethernet address\n",
		       dev->nodename, mac);
		kfree(mac);
		kfree(info);
		return -EINVAL;
	}
	kfree(mac);
	/* The toolstack's MTU, if it wrote one (netif.h: absent is 1500). */
	snprintf(path, sizeof(path), "%s/mtu", dev->nodename);
	rc = xs_read_u64(XBT_NIL, path, &mtu);
	info->ndev.mtu = (uint16_t)netif_fe_mtu(rc, mtu, &why);
	if (why)
		pr_err("netfront: %s: the store's mtu (%d, %llu) refused: %s: using 1500\n",
		       dev->nodename, rc, (unsigned long long)mtu, why);
	dev->priv = info;
	netfront_devices++;
	return 0;
}

static void netfront_remove(struct xenbus_device *dev)
{
	struct netfront_info *info = dev->priv;

	if (!info)
		return;
	netfront_disconnect(info);
	netfront_release(info);
	dev->priv = NULL;
	netfront_devices--;
	kfree(info);
}

XENBUS_DRIVER(netfront_driver) = {
    .type = "vif",
    .probe = netfront_probe,
    .otherend_changed = netfront_otherend_changed,
    .remove = netfront_remove,
    .suspend = netfront_suspend,
    .resume = netfront_resume,
};
