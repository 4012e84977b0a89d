/*
 * Selftests of the stack that need no network device: TCP and UDP over
 * lwIP's loopback interface (so natively, where no NIC exists, the stack
 * still proves itself), and the checksum offload arithmetic the glue and
 * netdev_csum_complete() share with drivers.
 */
#include <amphi/errno.h>
#include <amphi/net.h>
#include <amphi/netdev.h>
#include <amphi/printf.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>

#include "lwip/api.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/ip4.h"
#include "net_priv.h"

#define LOOP_ADDR 0x7f000001u
#define LOOP_PORT 5001
#define LOOP_BYTES (256u * 1024)
#define LOOP_SEED 20261121u /* any will do */

struct sink_run {
	struct netconn *listener;
	struct net_xfer x;
	const char *why;
	int rc;
	sys_sem_t done;
};

static void sink_thread(void *arg)
{
	struct sink_run *r = arg;

	r->rc = net_sink_serve(r->listener, 10000, 10000, &r->x, &r->why);
	sys_sem_signal(&r->done);
}

/* A sink thread listening on `port` and a source sending it `bytes` to
 * addr:port; the two must agree on the count and the digest. */
enum selftest_result net_selftest_tcp(struct selftest_ctx *ctx, uint32_t addr, uint16_t port,
				      uint32_t bytes, char *said, size_t said_len)
{
	static struct sink_run r; /* the sink thread may outlive a failed test */
	struct net_xfer src;
	char h1[65], h2[65];
	const char *why;

	memset(&r, 0, sizeof(r));
	if (!(r.listener = net_sink_listen(port, &why)))
		return selftest_fail(ctx, "listen on port %u: %s", port, why);
	sys_sem_new(&r.done, 0);
	if (!thread_create_on("net-sink", sink_thread, &r, CPUMASK_ALL))
		return selftest_error(ctx, "no memory for the sink thread");
	if (net_source(addr, port, bytes, LOOP_SEED, 10000, &src, &why))
		return selftest_fail(ctx, "source: %s after %lu bytes", why,
				     (unsigned long)src.bytes);
	if (sys_arch_sem_wait(&r.done, 20000) == SYS_ARCH_TIMEOUT)
		return selftest_fail(ctx, "the sink did not finish within 20 s");
	if (r.rc)
		return selftest_fail(ctx, "sink: %s after %lu bytes", r.why,
				     (unsigned long)r.x.bytes);
	sha256_hex(src.digest, h1);
	sha256_hex(r.x.digest, h2);
	if (src.bytes != bytes || r.x.bytes != bytes || strcmp(h1, h2))
		return selftest_fail(ctx,
				     "sent %lu bytes sha256 %.16s..., received %lu sha256 %.16s...",
				     (unsigned long)src.bytes, h1, (unsigned long)r.x.bytes, h2);
	snprintf(said, said_len, "TCP %u KiB in %lu ms, sha256 %.12s... both ends", bytes >> 10,
		 (unsigned long)(src.ns / NSEC_PER_MSEC), h1);
	return SELFTEST_SUCCESS;
}

/* One datagram to the echo service on port 7 at addr and back, whole. */
enum selftest_result net_selftest_udp(struct selftest_ctx *ctx, uint32_t addr)
{
	static const char msg[] = "amphi udp echo";
	struct netconn *c = netconn_new(NETCONN_UDP);
	struct netbuf *out = netbuf_new(), *in = NULL;
	enum selftest_result res = SELFTEST_SUCCESS;
	char got[sizeof(msg)], as[16];
	ip4_addr_t a;
	err_t err;

	ip4_addr_set_u32(&a, lwip_htonl(addr));
	ip4addr_ntoa_r(&a, as, sizeof(as));
	if (!c || !out) {
		res = selftest_error(ctx, "no memory for a UDP netconn");
		goto out;
	}
	netconn_set_recvtimeout(c, 2000);
	if ((err = netbuf_ref(out, msg, sizeof(msg))) != ERR_OK ||
	    (err = netconn_sendto(c, out, &a, 7)) != ERR_OK) {
		res = selftest_fail(ctx, "udp send to %s:7: %s", as, net_err_str(err));
		goto out;
	}
	if ((err = netconn_recv(c, &in)) != ERR_OK) {
		res = selftest_fail(ctx, "no udp echo from %s:7: %s", as, net_err_str(err));
		goto out;
	}
	if (netbuf_len(in) != sizeof(msg) || netbuf_copy(in, got, sizeof(got)) != sizeof(msg) ||
	    memcmp(got, msg, sizeof(msg)))
		res = selftest_fail(ctx, "the udp echo from %s came back different (%u bytes)", as,
				    (unsigned)netbuf_len(in));
out:
	if (in)
		netbuf_delete(in);
	if (out)
		netbuf_delete(out);
	if (c)
		netconn_delete(c);
	return res;
}

SELFTEST(net_loopback)
{
	enum selftest_result r;
	char said[100];
	const char *why;
	int n;

	if (!net_is_up())
		return selftest_fail(ctx, "the stack is not running");
	if ((r = net_selftest_tcp(ctx, LOOP_ADDR, LOOP_PORT, LOOP_BYTES, said, sizeof(said))) !=
	    SELFTEST_SUCCESS)
		return r;
	if ((r = net_selftest_udp(ctx, LOOP_ADDR)) != SELFTEST_SUCCESS)
		return r;
	if ((n = net_ping(LOOP_ADDR, 1, SELFTEST_PING_WAIT_MS, 0, true, &why)) != 1)
		return selftest_fail(ctx, "ping 127.0.0.1: %s", n < 0 ? why : "no reply");
	return selftest_pass(ctx, "%s; UDP echo and ping over 127.0.0.1", said);
}

/* A frame prepared for CSUM_PARTIAL and then completed as a device (or
 * netdev_csum_complete) would must carry the checksum lwIP computes in
 * software, for TCP and UDP, even and odd lengths. */
/* NULL when right, else what is wrong (in a static buffer). */
static const char *csum_case(uint8_t proto, uint32_t payload)
{
	static char why[96];
	uint8_t f[ETH_HLEN + 20 + 20 + 64];
	uint32_t l4 = (proto == 6 ? 20 : 8) + payload, len = ETH_HLEN + 20 + l4;
	uint32_t field = proto == 6 ? 16 : 6;
	uint8_t *ip = f + ETH_HLEN, *t = ip + 20;
	uint16_t start, off, want, got;
	ip4_addr_t src, dst;
	struct pbuf *p;

	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	ip[0] = 0x45, ip[2] = (uint8_t)((20 + l4) >> 8), ip[3] = (uint8_t)(20 + l4);
	ip[8] = 64, ip[9] = proto;
	memcpy(ip + 12, "\xa9\xfe\x01\x02\xa9\xfe\x00\x01", 8);
	for (uint32_t i = 0; i < l4; i++)
		t[i] = (uint8_t)(i * 37 + 11);
	t[field] = t[field + 1] = 0;
	if (proto == 17)
		t[4] = (uint8_t)(l4 >> 8), t[5] = (uint8_t)l4;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (!(p = pbuf_alloc(PBUF_RAW, (u16_t)l4, PBUF_RAM)))
		return "no pbuf";
	pbuf_take(p, t, (u16_t)l4);
	want = inet_chksum_pseudo(p, proto, (u16_t)l4, &src, &dst);
	pbuf_free(p);
	if (!net_csum_partial_prepare(f, len, len, &start, &off) || start != ETH_HLEN + 20 ||
	    off != field)
		return "a TCP or UDP frame was not prepared as partial";
	if (netdev_csum_complete(f, len, start, off))
		return "netdev_csum_complete refused a prepared frame";
	got = (uint16_t)(t[field] | t[field + 1] << 8); /* as stored: network order */
	if (got != want) {
		snprintf(why, sizeof(why), "proto %u, %u bytes: %04x, lwIP says %04x", proto, l4,
			 got, want);
		return why;
	}
	return NULL;
}

SELFTEST(net_csum_offload)
{
	static const uint32_t sizes[] = {0, 1, 17, 64};
	uint8_t small[20] = {0};
	const char *why;

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		if ((why = csum_case(6, sizes[i])) || (why = csum_case(17, sizes[i])))
			return selftest_fail(ctx, "%s", why);
	/* Offsets past the end, and an odd offset, are refused. */
	if (netdev_csum_complete(small, 20, 10, 9) != -EINVAL ||
	    netdev_csum_complete(small, 20, 18, 2) != -EINVAL)
		return selftest_fail(ctx, "netdev_csum_complete took impossible offsets");
	return selftest_pass(ctx, "TCP and UDP pseudo-header sums completed as lwIP computes them");
}
