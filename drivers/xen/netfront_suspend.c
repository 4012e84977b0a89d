/*
 * netfront across a suspend of the domain.  A network frontend may lose
 * frames (TCP sends them again, as it does for any lost on the wire), so
 * nothing is drained: the suspend only stops sending (a frame offered
 * meanwhile is refused as on a link that is down), and the receive side
 * keeps running.  Cancelled, sending starts again.  In a new domain the
 * backend is another one and the rings, their event channels and every
 * grant were left behind: the receive thread stops, the rings are freed
 * without closing ports Xen no longer knows (ending a grant in the new,
 * empty table always succeeds, so every page comes back), and the device
 * follows the new backend's handshake from Initialising, its receive
 * buffers posted afresh.  The network device stays registered through
 * it all, so the stack keeps its addresses and connections, and its link
 * stays up: to lwIP a link that is down is no route, which ends every
 * TCP connection that sends meanwhile ("no route to host"), while a frame
 * the device refuses is only a loss that TCP repairs.  The new backend's
 * carrier, read once it connects, says what the link is from then on.
 */
#include <amphi/printk.h>
#include "netfront.h"

int netfront_suspend(struct xenbus_device *dev)
{
	struct netfront_info *info = dev->priv;

	if (!info)
		return 0;
	info->suspended = info->connected;
	info->connected = false;
	return 0;
}

static void netfront_forget_rings(struct netfront_info *info)
{
	for (unsigned i = 0; i < NETFRONT_MAX_QUEUES; i++)
		info->queue[i].evtchn_tx = info->queue[i].evtchn_rx = -1;
	netfront_rings_free(info);
}

void netfront_resume(struct xenbus_device *dev, bool new_domain)
{
	struct netfront_info *info = dev->priv;

	if (!info)
		return;
	if (!new_domain) {
		info->connected = info->suspended;
		info->suspended = false;
		return;
	}
	info->suspended = false;
	if (info->rings_ready) {
		netfront_stop(info);
		netfront_forget_rings(info);
	}
	pr_info("netfront: %s: reconnecting to the restored domain's backend\n",
		info->xdev->nodename);
}
