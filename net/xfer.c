/*
 * Moving data to measure and check the stack: a TCP sink, a TCP source
 * sending a reproducible pattern, and ICMP echo.  Both ends hash what they
 * move with SHA-256, so one line from each says whether every byte
 * arrived intact.  Used by the `net` shell command and the selftests.
 */
#include <amphi/mm.h>
#include <amphi/net.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/string.h>
#include <amphi/time.h>

#include "lwip/api.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip.h"
#include "net_priv.h"

/* A multiple of 8, so the pattern runs on exactly from chunk to chunk. */
#define CHUNK 4096

/* Sets *why from an lwIP error and returns -1.  The messages are static
 * strings: the sink and the source may fail at once, in two threads. */
static int failed(const char **why, err_t err)
{
	*why = net_err_str(err);
	return -1;
}

struct netconn *net_sink_listen(uint16_t port, const char **why)
{
	struct netconn *l = netconn_new(NETCONN_TCP);
	err_t err;

	if (!l) {
		failed(why, ERR_MEM);
		return NULL;
	}
	if ((err = netconn_bind(l, IP4_ADDR_ANY, port)) != ERR_OK ||
	    (err = netconn_listen(l)) != ERR_OK) {
		netconn_delete(l);
		failed(why, err);
		return NULL;
	}
	return l;
}

/* Reads until the peer closes; the listener is always deleted. */
int net_sink_serve(struct netconn *l, uint32_t accept_ms, uint32_t stall_ms, struct net_xfer *x,
		   const char **why)
{
	struct sha256 sha;
	struct netconn *c;
	struct netbuf *b;
	uint64_t t0;
	err_t err;

	memset(x, 0, sizeof(*x));
	netconn_set_recvtimeout(l, (int)accept_ms);
	err = netconn_accept(l, &c);
	netconn_delete(l); /* one connection only */
	if (err == ERR_TIMEOUT) {
		*why = "nothing connected within the accept timeout";
		return -1;
	}
	if (err != ERR_OK)
		return failed(why, err);
	sha256_init(&sha);
	t0 = time_now_ns();
	netconn_set_recvtimeout(c, (int)stall_ms);
	while ((err = netconn_recv(c, &b)) == ERR_OK) {
		void *data;
		u16_t len;

		do {
			netbuf_data(b, &data, &len);
			sha256_update(&sha, data, len);
			x->bytes += len;
		} while (netbuf_next(b) >= 0);
		netbuf_delete(b);
	}
	x->ns = time_now_ns() - t0;
	netconn_close(c);
	netconn_delete(c);
	if (err == ERR_TIMEOUT) {
		*why = "the connection stalled (no data for the stall timeout)";
		return -1;
	}
	if (err != ERR_CLSD)
		return failed(why, err);
	sha256_final(&sha, x->digest);
	return 0;
}

int net_source(uint32_t addr, uint16_t port, uint64_t bytes, uint64_t seed, uint32_t stall_ms,
	       struct net_xfer *x, const char **why)
{
	struct net_pattern pat = {seed};
	struct netconn *c = netconn_new(NETCONN_TCP);
	uint8_t *buf = kmalloc(CHUNK);
	struct sha256 sha;
	ip4_addr_t a;
	uint64_t t0;
	err_t err = ERR_MEM;

	memset(x, 0, sizeof(*x));
	if (!c || !buf)
		goto out;
	ip4_addr_set_u32(&a, lwip_htonl(addr));
	netconn_set_sendtimeout(c, (int)stall_ms);
	t0 = time_now_ns();
	if ((err = netconn_connect(c, &a, port)) != ERR_OK)
		goto out;
	sha256_init(&sha);
	while (x->bytes < bytes) {
		size_t n = (size_t)MIN((uint64_t)CHUNK, bytes - x->bytes);

		net_pattern_fill(&pat, buf, n);
		sha256_update(&sha, buf, n);
		/* With a send timeout lwIP writes what fits before it expires
		 * and says how much; a timeout with nothing written is an
		 * error (ERR_WOULDBLOCK). */
		for (size_t off = 0; off < n;) {
			size_t done = 0;

			if ((err = netconn_write_partly(c, buf + off, n - off, NETCONN_COPY,
							&done)) != ERR_OK)
				goto out;
			off += done;
			x->bytes += done;
		}
	}
	err = netconn_close(c);
	x->ns = time_now_ns() - t0;
	sha256_final(&sha, x->digest);
out:
	if (c)
		netconn_delete(c);
	kfree(buf);
	return err == ERR_OK ? 0 : failed(why, err);
}

/* --- ping ------------------------------------------------------------ */

#define PING_DATA 56
#define PING_ID 0xa3f1
#define PING_MAX 1024 /* requests one net_ping sends at most */

/* Which requests of one net_ping have had their reply. */
struct ping_run {
	uint64_t answered[PING_MAX / 64];
	unsigned replies;
	bool quiet;
	char addr[16];
};

/* Counts the reply to request `seq` once; false for a duplicate or a
 * sequence number never sent. */
static bool ping_answer(struct ping_run *r, u16_t seq, u16_t sent_seq)
{
	uint64_t bit;

	if (seq < 1 || seq > sent_seq)
		return false;
	bit = 1ULL << (seq % 64);
	if (r->answered[seq / 64] & bit)
		return false;
	r->answered[seq / 64] |= bit;
	r->replies++;
	return true;
}

/*
 * Waits up to `ms` from `sent` for the echo reply to `seq`; its round trip
 * in ns, or 0.  As ping does, a late reply to any of the `sent_seq`
 * requests so far still counts (printed without a round trip: we keep no
 * send time but the last); the wait also ends once all of them have one.
 * A `seq` of 0 waits for late replies only.
 */
static uint64_t ping_wait(struct netconn *c, struct ping_run *r, u16_t seq, u16_t sent_seq,
			  uint64_t sent, uint32_t ms)
{
	uint64_t deadline = sent + ms * NSEC_PER_MSEC, now;
	struct netbuf *b;

	while ((now = time_now_ns()) < deadline) {
		uint8_t pkt[20 + 60 + sizeof(struct icmp_echo_hdr)];
		struct icmp_echo_hdr *e;
		u16_t len, got;
		unsigned ihl;

		netconn_set_recvtimeout(c, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
		if (netconn_recv(c, &b) != ERR_OK)
			return 0;
		/* A raw ICMP connection gets whole IP packets, ours included. */
		len = netbuf_copy(b, pkt, sizeof(pkt));
		netbuf_delete(b);
		ihl = (pkt[0] & 15) * 4u;
		if (len < ihl + sizeof(*e))
			continue;
		e = (struct icmp_echo_hdr *)(pkt + ihl);
		if (e->type != ICMP_ER || e->id != lwip_htons(PING_ID))
			continue;
		got = lwip_ntohs(e->seqno);
		if (!ping_answer(r, got, sent_seq))
			continue;
		if (got == seq)
			return time_now_ns() - sent;
		if (!r->quiet)
			kprintf("net: late reply from %s: seq=%u\n", r->addr, got);
		if (r->replies == sent_seq)
			return 0;
	}
	return 0;
}

static err_t ping_send(struct netconn *c, const ip4_addr_t *a, u16_t seq)
{
	struct netbuf *b = netbuf_new();
	struct icmp_echo_hdr *e;
	err_t err;

	if (!b || !(e = netbuf_alloc(b, sizeof(*e) + PING_DATA))) {
		netbuf_delete(b);
		return ERR_MEM;
	}
	e->type = ICMP_ECHO;
	e->code = 0;
	e->chksum = 0;
	e->id = lwip_htons(PING_ID);
	e->seqno = lwip_htons(seq);
	for (int i = 0; i < PING_DATA; i++)
		((uint8_t *)(e + 1))[i] = (uint8_t)i;
	e->chksum = inet_chksum(e, sizeof(*e) + PING_DATA);
	err = netconn_sendto(c, b, a, 0);
	netbuf_delete(b);
	return err;
}

int net_ping(uint32_t addr, unsigned count, uint32_t wait_ms, uint32_t linger_ms, bool quiet,
	     const char **why)
{
	struct netconn *c = netconn_new_with_proto_and_callback(NETCONN_RAW, IP_PROTO_ICMP, NULL);
	struct ping_run r = {.quiet = quiet};
	ip4_addr_t a;

	if (!c)
		return failed(why, ERR_MEM);
	ip4_addr_set_u32(&a, lwip_htonl(addr));
	ip4addr_ntoa_r(&a, r.addr, sizeof(r.addr));
	uint64_t sent = 0;

	count = MIN(count, (unsigned)PING_MAX - 1);
	for (unsigned seq = 1; seq <= count; seq++) {
		uint64_t rtt;
		err_t err;

		sent = time_now_ns();
		err = ping_send(c, &a, (u16_t)seq);

		if (err != ERR_OK) {
			netconn_delete(c);
			return failed(why, err);
		}
		rtt = ping_wait(c, &r, (u16_t)seq, (u16_t)seq, sent, wait_ms);
		if (rtt && !quiet)
			kprintf("net: reply from %s: seq=%u time=%lu.%03lu ms\n", r.addr, seq,
				rtt / NSEC_PER_MSEC, rtt % NSEC_PER_MSEC / NSEC_PER_USEC);
		else if (!rtt && !quiet)
			kprintf("net: no reply from %s yet: seq=%u\n", r.addr, seq);
		/* One request a second, as ping does. */
		if (seq < count && time_now_ns() - sent < NSEC_PER_SEC)
			sleep_ns(NSEC_PER_SEC - (time_now_ns() - sent));
	}
	/* Then, as ping -c does, a while for the replies still out. */
	if (r.replies < count && linger_ms > wait_ms)
		ping_wait(c, &r, 0, (u16_t)count, sent, linger_ms);
	netconn_delete(c);
	return (int)r.replies;
}
