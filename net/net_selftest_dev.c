/*
 * A selftest of the glue between lwIP and struct netdev, with no NIC: a
 * pretend device whose "wire" ends in a mirror that answers ARP for
 * 192.0.2.2 (TEST-NET-1, never routed) and sends every IPv4 packet for it
 * straight back with source and destination swapped, so that the stack
 * talks to itself through the device: ping, UDP echo and a TCP transfer
 * all cross it in both directions.  It runs twice, as a device with
 * scatter-gather and checksum offload and as one with neither, so both
 * transmit paths, CSUM_PARTIAL frames in both directions, and link and
 * address handling all run natively.
 *
 * Once, the mirror holds an echo reply back until the next one, so that
 * ping's count of late replies is tested too; once more it holds the reply
 * to a lone request for LINGER_HOLD_MS, which ping must wait out.
 *
 * The mirror answers from inside xmit: that is thread context, where
 * netdev_rx() may be called, and the glue only queues what it receives.
 * xmit runs under lwIP's core lock, on whatever CPU sends; the thread
 * that lets a held reply go takes that lock too, so the mirror's state is
 * only ever touched under it.
 */
#include <amphi/net.h>
#include <amphi/netdev.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>

#include "lwip/api.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net_priv.h"

#define LINGER_HOLD_MS 300
/* The wait for each of two pings whose first reply is held back: the
 * held one comes late whatever this is (it waits for the second ping, a
 * second later); the second only needs to come within it, which a
 * loaded emulated host once missed at 100 ms. */
#define HELD_WAIT_MS 500
#define US 0xc0000201u	 /* 192.0.2.1, the stack's side */
#define PEER 0xc0000202u /* 192.0.2.2, the responder */
static const uint8_t peer_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};

struct responder {
	uint8_t buf[1514];
	unsigned partial_seen, bad_csum, answered;
	/* Holds back the echo reply with sequence number 1 until the next
	 * reply passes, to make a late reply. */
	bool hold_seq1;
	uint8_t held[1514];
	uint32_t held_len;
	unsigned held_late;
	volatile bool releaser_done;
};
static struct responder resp;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

static void deliver_from(struct netdev *dev, uint8_t *buf, uint32_t len, unsigned flags,
			 uint16_t start, uint16_t off)
{
	struct netdev_frame f = {.nfrags = 1, .len = len, .flags = flags};

	f.frag[0].data = buf;
	f.frag[0].len = len;
	f.csum_start = start;
	f.csum_offset = off;
	resp.answered++;
	netdev_rx(dev, &f);
}

static void deliver(struct netdev *dev, uint32_t len, unsigned flags, uint16_t start, uint16_t off)
{
	deliver_from(dev, resp.buf, len, flags, start, off);
}

/* Delivers the held echo reply, if there is one, as a late reply. */
static void release_held(struct netdev *dev)
{
	if (!resp.held_len)
		return;
	deliver_from(dev, resp.held, resp.held_len, 0, 0, 0);
	resp.held_len = 0;
	resp.held_late++;
}

/* With hold_seq1, the echo reply of sequence number 1 waits in `held`
 * and goes just before the next reply: true when this one was held. */
static bool hold_echo_reply(struct netdev *dev, const uint8_t *b, uint32_t len)
{
	const uint8_t *icmp = b + ETH_HLEN + (b[ETH_HLEN] & 15) * 4u;

	if (!resp.hold_seq1 || b[ETH_HLEN + 9] != 1 || icmp + 8 > b + len || icmp[0] != 0)
		return false;
	if (icmp[6] == 0 && icmp[7] == 1 && !resp.held_len) {
		memcpy(resp.held, b, len);
		resp.held_len = len;
		return true;
	}
	release_held(dev);
	return false;
}

/* A thread that lets the held reply go after LINGER_HOLD_MS. */
static void release_held_later(void *arg)
{
	struct netdev *dev = arg;

	sleep_ns(LINGER_HOLD_MS * NSEC_PER_MSEC);
	LOCK_TCPIP_CORE();
	release_held(dev);
	UNLOCK_TCPIP_CORE();
	resp.releaser_done = true;
}

static void answer_arp(struct netdev *dev, uint8_t *b)
{
	uint8_t *a = b + ETH_HLEN;

	if (a[7] != 1 || get32(a + 24) != PEER) /* a request for us? */
		return;
	a[7] = 2;
	memcpy(a + 18, a + 8, 10); /* they become the target */
	memcpy(a + 8, peer_mac, ETH_ALEN);
	a[14] = 192, a[15] = 0, a[16] = 2, a[17] = 2;
	memcpy(b, a + 18, ETH_ALEN);
	memcpy(b + ETH_ALEN, peer_mac, ETH_ALEN);
	deliver(dev, ETH_HLEN + 28, 0, 0, 0);
}

/* Is the TCP or UDP checksum of a complete frame right?  Recomputes it
 * into a copy (other frames pass). */
static bool l4_csum_ok(const uint8_t *b, uint32_t len)
{
	static uint8_t copy[1514];
	uint32_t ihl = (b[ETH_HLEN] & 15) * 4u;
	uint32_t field = ETH_HLEN + ihl + (b[ETH_HLEN + 9] == 6 ? 16 : 6);
	uint16_t start, off;

	memcpy(copy, b, len);
	if (field + 2 > len)
		return true;
	copy[field] = copy[field + 1] = 0;
	if (!net_csum_partial_prepare(copy, len, len, &start, &off))
		return true;
	return !netdev_csum_complete(copy, len, start, off) && !memcmp(copy + field, b + field, 2);
}

/* The mirror: a packet for 192.0.2.2 comes back with its addresses
 * swapped, so the stack receives it as sent by 192.0.2.2 to itself.  A
 * connection to 192.0.2.2:P thus reaches our own listener on P, and both
 * of its directions cross the device.  Swapping the addresses changes no
 * checksum, partial or complete. */
static void mirror_ip(struct netdev *dev, uint32_t len, const struct netdev_frame *f)
{
	uint8_t *b = resp.buf, *ip = b + ETH_HLEN;
	unsigned flags = f->flags & NETDEV_FRAME_CSUM_PARTIAL;

	if (len < ETH_HLEN + 20 || get32(ip + 16) != PEER)
		return;
	if (!flags && !l4_csum_ok(b, len))
		resp.bad_csum++;
	if (flags && !(dev->features & NETDEV_F_RX_CSUM) &&
	    netdev_csum_complete(b, len, f->csum_start, f->csum_offset))
		return;
	swap_bytes(ip + 12, ip + 16, 4);
	memcpy(b, b + ETH_ALEN, ETH_ALEN);
	memcpy(b + ETH_ALEN, peer_mac, ETH_ALEN);
	if (!(dev->features & NETDEV_F_RX_CSUM))
		flags = 0;
	if (!hold_echo_reply(dev, b, len))
		deliver(dev, len, flags, f->csum_start, f->csum_offset);
}

static int resp_xmit(struct netdev *dev, const struct netdev_frame *f)
{
	uint32_t len = 0;

	if (f->nfrags > 1 && !(dev->features & NETDEV_F_SG))
		return -22;
	if (f->len > sizeof(resp.buf))
		return -22;
	for (unsigned i = 0; i < f->nfrags; i++) {
		memcpy(resp.buf + len, f->frag[i].data, f->frag[i].len);
		len += f->frag[i].len;
	}
	if (len != f->len)
		return -22;
	if (f->flags & NETDEV_FRAME_CSUM_PARTIAL) {
		if (!(dev->features & NETDEV_F_TX_CSUM) ||
		    (uint32_t)f->csum_start + f->csum_offset + 2 > len)
			return -22;
		resp.partial_seen++;
	}
	if (resp.buf[12] == 0x08 && resp.buf[13] == 0x06)
		answer_arp(dev, resp.buf);
	else if (resp.buf[12] == 0x08 && resp.buf[13] == 0x00)
		mirror_ip(dev, len, f);
	return 0;
}

static const struct netdev_ops resp_ops = {.xmit = resp_xmit};

static enum selftest_result one_device(struct selftest_ctx *ctx, unsigned features)
{
	static struct netdev dev;
	enum selftest_result res = SELFTEST_SUCCESS;
	ip4_addr_t a, m;
	struct netif *n;
	const char *why;
	char said[100];
	int replies;
	uint64_t freed;

	memset(&dev, 0, sizeof(dev));
	memset(&resp, 0, sizeof(resp));
	strlcpy(dev.name, "selftest0", sizeof(dev.name));
	memcpy(dev.mac, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	dev.mtu = 1500;
	dev.features = features;
	dev.nqueues = 1;
	dev.ops = &resp_ops;
	if (netdev_register(&dev))
		return selftest_error(ctx, "could not register the pretend device");
	if (!(n = net_glue_netif(&dev))) {
		res = selftest_fail(ctx, "the stack did not attach to the device");
		goto out;
	}
	ip4_addr_set_u32(&a, lwip_htonl(US));
	ip4_addr_set_u32(&m, lwip_htonl(0xffffff00u));
	LOCK_TCPIP_CORE();
	netif_set_addr(n, &a, &m, NULL);
	UNLOCK_TCPIP_CORE();
	/* Link down: lwIP must not send at all. */
	if (net_ping(PEER, 1, 1000, 0, true, &why) > 0) {
		res = selftest_fail(ctx, "a reply came over a link that is down");
		goto out;
	}
	netdev_set_link(&dev, true);
	if ((replies = net_ping(PEER, 2, SELFTEST_PING_WAIT_MS, 0, true, &why)) != 2) {
		res = selftest_fail(ctx, "features %#x: ping 192.0.2.2: %s", features,
				    replies < 0 ? why : "replies missing");
		goto out;
	}
	/* The first reply held back past its wait still counts. */
	resp.hold_seq1 = true;
	replies = net_ping(PEER, 2, HELD_WAIT_MS, 0, true, &why);
	if (replies != 2 || resp.held_late != 1) {
		resp.hold_seq1 = false;
		res = selftest_fail(ctx, "a reply held back past its wait: %d replies, %u late",
				    replies, resp.held_late);
		goto out;
	}
	/* The last reply, held past its wait, is waited for a while longer. */
	resp.releaser_done = false;
	if (!thread_create_on("ping-release", release_held_later, &dev, CPUMASK_ALL)) {
		resp.hold_seq1 = false;
		res = selftest_error(ctx, "no memory for a thread");
		goto out;
	}
	replies = net_ping(PEER, 1, 100, 10 * LINGER_HOLD_MS, true, &why);
	while (!resp.releaser_done)
		sleep_ns(10 * NSEC_PER_MSEC);
	resp.hold_seq1 = false;
	if (replies != 1 || resp.held_late != 2) {
		res = selftest_fail(ctx, "the last reply held %u ms: %d replies, %u late",
				    LINGER_HOLD_MS, replies, resp.held_late);
		goto out;
	}
	if ((res = net_selftest_udp(ctx, PEER)))
		goto out;
	if ((res = net_selftest_tcp(ctx, PEER, 5002, 128 * 1024, said, sizeof(said))))
		goto out;
	if (resp.bad_csum || (features & NETDEV_F_TX_CSUM ? !resp.partial_seen : resp.partial_seen))
		res = selftest_fail(ctx, "features %#x: %u bad UDP checksums, %u partial frames",
				    features, resp.bad_csum, resp.partial_seen);
	else if (!dev.stats.tx_packets || dev.stats.rx_packets != resp.answered)
		res = selftest_fail(ctx, "features %#x: counters tx %lu rx %lu, %u answered",
				    features, (unsigned long)dev.stats.tx_packets,
				    (unsigned long)dev.stats.rx_packets, resp.answered);
out:
	freed = net_glue_freed;
	netdev_unregister(&dev);
	for (int i = 0; i < 100 && net_glue_freed == freed; i++)
		sleep_ns(10 * NSEC_PER_MSEC);
	if (res == SELFTEST_SUCCESS && net_glue_freed == freed)
		res =
		    selftest_fail(ctx, "the removed interface's memory was not let go within 1 s");
	return res;
}

SELFTEST(net_netdev)
{
	enum selftest_result r;

	if (!net_is_up())
		return selftest_fail(ctx, "the stack is not running");
	if ((r = one_device(ctx, NETDEV_F_SG | NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM)))
		return r;
	if ((r = one_device(ctx, 0)))
		return r;
	return selftest_pass(ctx, "ARP, ping, UDP echo and 128 KiB of TCP through a pretend "
				  "device, with and without scatter-gather and checksum offload");
}
