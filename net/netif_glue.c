/*
 * The glue between lwIP's network interfaces and struct netdev: one lwIP
 * netif per device, made when the device registers (a netdev_listener).
 *
 * Transmit runs wherever lwIP outputs, always under lwIP's core lock, so
 * one bounce buffer per interface is enough.  A frame goes to the device
 * as the pbuf chain's own pieces when it takes scatter-gather, else copied
 * into that buffer.  For a device that checksums TCP and UDP itself, lwIP
 * leaves those checksums out; we put the pseudo-header sum in the field
 * and mark the frame CSUM_PARTIAL, as Linux does for such devices.  The
 * first bytes of the frame, up to the checksum field, then go from a copy,
 * so lwIP's own buffers (kept for retransmission) are never written.
 *
 * Receive comes from the driver's thread: the frame is copied into a pbuf
 * and queued to lwIP's tcpip thread.  A CSUM_PARTIAL frame is copied into
 * one contiguous pbuf and completed there before lwIP checks it.
 *
 * Those threads run on any CPU, so this file's own state (which device
 * ip= went to, each interface's device) is read and written under lwIP's
 * core lock; devices come and go under the device layer's mutex, and a
 * driver receives only between them, once rx is published.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/net.h>
#include <amphi/netdev.h>
#include <amphi/params.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>

#include "net_priv.h"

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

struct net_if {
	struct netif netif;
	struct netdev *dev;
	uint8_t *txbuf; /* mtu + Ethernet header */
};

/* Which device ip= went to, for `net show`. */
static struct netdev *ip_dev;

static void glue_addr(ip4_addr_t *a, uint32_t host)
{
	ip4_addr_set_u32(a, lwip_htonl(host));
}

/* --- transmit -------------------------------------------------------- */

static uint32_t sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	return sum;
}

bool net_csum_partial_prepare(uint8_t *hdr, uint32_t len, uint32_t frame_len, uint16_t *start,
			      uint16_t *offset)
{
	uint32_t ihl, l4len, sum, field;
	uint8_t proto;

	if (len < ETH_HLEN + 20 || hdr[12] != 0x08 || hdr[13] != 0x00 || (hdr[14] >> 4) != 4)
		return false;
	ihl = (hdr[14] & 15) * 4u;
	proto = hdr[14 + 9];
	/* A fragment cannot be checksummed by itself: lwIP left 0 in a
	 * fragmented UDP datagram's field, which IPv4 reads as "no checksum". */
	if (ihl < 20 || (hdr[14 + 6] & 0x3f) || hdr[14 + 7])
		return false;
	if (proto == 6)
		field = 16;
	else if (proto == 17)
		field = 6;
	else
		return false;
	l4len = ((uint32_t)hdr[14 + 2] << 8 | hdr[14 + 3]) - ihl;
	if (ETH_HLEN + ihl + field + 2 > len || ETH_HLEN + ihl + l4len > frame_len)
		return false;
	sum = sum16(hdr + 14 + 12, 8, 0) + proto + l4len; /* addresses, protocol, length */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	hdr[ETH_HLEN + ihl + field] = (uint8_t)(sum >> 8);
	hdr[ETH_HLEN + ihl + field + 1] = (uint8_t)sum;
	*start = (uint16_t)(ETH_HLEN + ihl);
	*offset = (uint16_t)field;
	return true;
}

/* The chain's bytes from `skip` on, as fragments after those already in f;
 * false when they would not fit. */
static bool add_frags(struct netdev_frame *f, struct pbuf *p, uint32_t skip)
{
	for (; p; p = p->next) {
		if (skip >= p->len) {
			skip -= p->len;
			continue;
		}
		if (f->nfrags == NETDEV_MAX_FRAGS)
			return false;
		f->frag[f->nfrags].data = (uint8_t *)p->payload + skip;
		f->frag[f->nfrags++].len = p->len - skip;
		skip = 0;
	}
	return true;
}

static err_t glue_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_if *ni = netif->state;
	struct netdev *dev = ni->dev;
	struct netdev_frame f;
	uint8_t hdr[NET_CSUM_HDR_MAX];
	uint32_t hlen = MIN((uint32_t)p->tot_len, sizeof(hdr));
	int rc;

	if (!dev)
		return ERR_IF; /* removed: a frame queued before may still answer */

	memset(&f, 0, sizeof(f));
	f.len = p->tot_len;
	if (dev->features & NETDEV_F_TX_CSUM) {
		pbuf_copy_partial(p, hdr, (u16_t)hlen, 0);
		if (net_csum_partial_prepare(hdr, hlen, p->tot_len, &f.csum_start, &f.csum_offset))
			f.flags |= NETDEV_FRAME_CSUM_PARTIAL;
	}
	if (dev->features & NETDEV_F_SG) {
		if (f.flags & NETDEV_FRAME_CSUM_PARTIAL) {
			f.frag[0].data = hdr;
			f.frag[0].len = hlen;
			f.nfrags = 1;
		}
		if (!add_frags(&f, p, f.nfrags ? hlen : 0))
			f.nfrags = 0; /* too many pieces: copy instead */
	}
	if (!f.nfrags) {
		if (p->tot_len > (uint32_t)dev->mtu + ETH_HLEN) {
			netdev_count(&dev->stats.tx_errors, 1);
			return ERR_IF;
		}
		pbuf_copy_partial(p, ni->txbuf, p->tot_len, 0);
		if (f.flags & NETDEV_FRAME_CSUM_PARTIAL)
			memcpy(ni->txbuf, hdr, hlen);
		f.frag[0].data = ni->txbuf;
		f.frag[0].len = p->tot_len;
		f.nfrags = 1;
	}
	/* A full device drops the frame, as a full NIC queue would: TCP
	 * sends it again, and nothing here may block under the core lock. */
	rc = netdev_xmit(dev, &f);
	return rc == 0 || rc == -EAGAIN ? ERR_OK : ERR_IF;
}

/* --- receive --------------------------------------------------------- */

static void glue_rx(struct netdev *dev, const struct netdev_frame *f)
{
	struct net_if *ni = dev->stack_priv;
	bool partial = f->flags & NETDEV_FRAME_CSUM_PARTIAL;
	struct pbuf *p;
	uint32_t off = 0;

	if (!ni || f->len > 0xffff || f->len < ETH_HLEN) {
		netdev_count(&dev->stats.rx_errors, 1);
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)f->len, partial ? PBUF_RAM : PBUF_POOL);
	if (!p) {
		netdev_count(&dev->stats.rx_dropped, 1);
		return;
	}
	for (unsigned i = 0; i < f->nfrags && off < f->len; i++) {
		uint32_t n = MIN(f->frag[i].len, f->len - off);

		pbuf_take_at(p, f->frag[i].data, (u16_t)n, (u16_t)off);
		off += n;
	}
	if (off != f->len ||
	    (partial && netdev_csum_complete(p->payload, f->len, f->csum_start, f->csum_offset))) {
		netdev_count(&dev->stats.rx_errors, 1);
		pbuf_free(p);
		return;
	}
	if (ni->netif.input(p, &ni->netif) != ERR_OK) {
		netdev_count(&dev->stats.rx_dropped, 1);
		pbuf_free(p);
	}
}

/* --- devices coming and going ---------------------------------------- */

static err_t glue_netif_init(struct netif *netif)
{
	struct net_if *ni = netif->state;
	struct netdev *dev = ni->dev;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_ALEN;
	memcpy(netif->hwaddr, dev->mac, ETH_ALEN);
	netif->mtu = dev->mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = glue_linkoutput;
	if (dev->features & NETDEV_F_TX_CSUM)
		NETIF_SET_CHECKSUM_CTRL(netif,
					NETIF_CHECKSUM_ENABLE_ALL &
					    ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP));
	return ERR_OK;
}

/* ip= goes to the device it names, or else to the first one we see. */
static bool ip_param_wants(struct netdev *dev)
{
	if (!param_ip.configured || ip_dev)
		return false;
	return param_ip.device[0] ? !strcmp(param_ip.device, dev->name) : true;
}

/* Core lock held. */
static void apply_ip_param(struct net_if *ni)
{
	ip4_addr_t a, m, g;
	char as[16], gs[16];

	glue_addr(&a, param_ip.addr);
	glue_addr(&m, param_ip.netmask);
	glue_addr(&g, param_ip.gateway);
	netif_set_addr(&ni->netif, &a, &m, &g);
	netif_set_default(&ni->netif);
	if (param_ip.hostname[0])
		netif_set_hostname(&ni->netif, param_ip.hostname);
	ip_dev = ni->dev;
	ip4addr_ntoa_r(&a, as, sizeof(as));
	ip4addr_ntoa_r(&g, gs, sizeof(gs));
	pr_info("net: %s: %s/%u gateway %s\n", ni->dev->name, as,
		32 - __builtin_ctz(param_ip.netmask), param_ip.gateway ? gs : "none");
}

static void glue_added(struct netdev *dev)
{
	struct net_if *ni = kmalloc(sizeof(*ni));
	uint8_t *txbuf = kmalloc((size_t)dev->mtu + ETH_HLEN);

	if (!ni || !txbuf) {
		kfree(ni);
		kfree(txbuf);
		pr_err("net: %s: out of memory; the stack will not use it\n", dev->name);
		return;
	}
	memset(ni, 0, sizeof(*ni));
	ni->dev = dev;
	ni->txbuf = txbuf;
	LOCK_TCPIP_CORE();
	if (!netif_add(&ni->netif, NULL, NULL, NULL, ni, glue_netif_init, tcpip_input)) {
		UNLOCK_TCPIP_CORE();
		pr_err("net: %s: lwIP would not add it\n", dev->name);
		kfree(txbuf);
		kfree(ni);
		return;
	}
	if (ip_param_wants(dev))
		apply_ip_param(ni);
	netif_set_up(&ni->netif);
	if (dev->link_up)
		netif_set_link_up(&ni->netif);
	/* The driver may be receiving already (on another CPU): glue_rx
	 * must find stack_priv set once it finds rx. */
	dev->stack_priv = ni;
	__atomic_store_n(&dev->rx, glue_rx, __ATOMIC_RELEASE);
	UNLOCK_TCPIP_CORE();
}

uint64_t net_glue_freed;

static void glue_free(void *arg)
{
	struct net_if *ni = arg;

	kfree(ni->txbuf);
	kfree(ni);
	net_glue_freed++;
}

/*
 * The interface leaves lwIP at once and loses its device, so nothing is
 * sent to a device that is going.  Its memory goes once the tcpip thread
 * has taken what was queued before: frames received earlier still name
 * it, and the free is queued behind them.  The driver has stopped
 * receiving before it unregisters, so nothing is queued after.
 */
static void glue_removed(struct netdev *dev)
{
	struct net_if *ni = dev->stack_priv;

	if (!ni)
		return;
	__atomic_store_n(&dev->rx, NULL, __ATOMIC_RELEASE);
	dev->stack_priv = NULL;
	LOCK_TCPIP_CORE();
	netif_remove(&ni->netif);
	ni->dev = NULL;
	if (ip_dev == dev)
		ip_dev = NULL;
	UNLOCK_TCPIP_CORE();
	if (tcpip_callback(glue_free, ni) != ERR_OK)
		pr_err("net: %s: could not queue the interface's release: its memory stays\n",
		       dev->name);
}

static void glue_link_changed(struct netdev *dev)
{
	struct net_if *ni = dev->stack_priv;

	if (!ni)
		return;
	LOCK_TCPIP_CORE();
	if (dev->link_up)
		netif_set_link_up(&ni->netif);
	else
		netif_set_link_down(&ni->netif);
	UNLOCK_TCPIP_CORE();
}

/* A gratuitous ARP, so that the switch in front of the device and its
 * peers learn where the address went (lwIP sends one itself only when the
 * link comes up, and a reconnect keeps it up). */
static void glue_notify_peers(struct netdev *dev)
{
	struct net_if *ni = dev->stack_priv;

	if (!ni)
		return;
	LOCK_TCPIP_CORE();
	if (netif_is_up(&ni->netif) && !ip4_addr_isany_val(*netif_ip4_addr(&ni->netif)))
		etharp_gratuitous(&ni->netif);
	UNLOCK_TCPIP_CORE();
}

static const struct netdev_listener glue_listener = {
    .added = glue_added,
    .removed = glue_removed,
    .link_changed = glue_link_changed,
    .notify_peers = glue_notify_peers,
};

void net_glue_start(void)
{
	netdev_listen(&glue_listener);
}

/* For `net show`; the shell is its only caller, so one buffer will do.
 * ip_dev is read under the core lock, which its removal takes. */
const char *net_ip_param_state(void)
{
	static char buf[80];

	if (!param_ip.configured)
		return "no ip= address given: interfaces stay unconfigured";
	LOCK_TCPIP_CORE();
	if (ip_dev)
		snprintf(buf, sizeof(buf), "ip= applied to %s", ip_dev->name);
	else if (param_ip.device[0])
		snprintf(buf, sizeof(buf), "ip= names %s, which is not present (yet)",
			 param_ip.device);
	else
		snprintf(buf, sizeof(buf), "ip= given, no device present yet");
	UNLOCK_TCPIP_CORE();
	return buf;
}

struct netif *net_glue_netif(struct netdev *dev)
{
	struct net_if *ni = dev->stack_priv;

	return ni ? &ni->netif : NULL;
}
