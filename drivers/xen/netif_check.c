/*
 * netfront's judgement of what its backend and the toolstack hand it
 * (netif_check.h): the backend is another domain and may be buggy or
 * hostile, so a transmit response is checked against the slots in flight,
 * a receive frame response by response (its slot, its fragment inside
 * the page, its extra-info chain, its length in slots), a published index
 * against what we pushed, and a xenstore value against what any real
 * backend or toolstack would write.  Pure code, shared by the kernel, the
 * host tests and the fuzz targets: no state, no printing, no Xen calls,
 * only the protocol's constants.
 */
#include <amphi/errno.h>
#include <amphi/string.h>
#include <drivers/xen/netif_check.h>

#define NETIF_PAGE 4096u
#define NETIF_ETH_HLEN 14u
/* No backend would offer more queues than this. */
#define NETIF_BE_MAX_QUEUES 256
/* The smallest MTU IPv4 allows, the largest a 16-bit frame length holds. */
#define NETIF_MTU_MIN 68
#define NETIF_MTU_MAX (65535 - NETIF_ETH_HLEN)

_Static_assert(sizeof(netif_rx_response_t) == 8 && sizeof(struct netif_extra_info) == 8,
	       "a response and an extra-info are read as one 8-byte word");

enum netif_tx_verdict netif_tx_rsp_check(bool *busy, unsigned nr, uint16_t id, int16_t status,
					 const char **why)
{
	*why = NULL;
	/* What answers the extra-info slot of a request; we send none, but
	 * it names no slot and harms nothing. */
	if (status == NETIF_RSP_NULL)
		return NETIF_TX_NULL;
	if (id >= nr) {
		*why = "an id beyond the ring";
		return NETIF_TX_BREACH;
	}
	if (!busy[id]) {
		*why = "an id not in flight (a duplicate, or a response nobody asked for)";
		return NETIF_TX_BREACH;
	}
	busy[id] = false;
	if (status == NETIF_RSP_OKAY)
		return NETIF_TX_DONE;
	if (status != NETIF_RSP_ERROR && status != NETIF_RSP_DROPPED)
		*why = "a status the protocol does not have";
	return NETIF_TX_FAILED;
}

/* One 8-byte ring entry, read once: the backend may rewrite it while we
 * look, and a check must hold for the value used. */
static void netif_rx_read(const union netif_rx_sring_entry *e, void *out)
{
	uint64_t w = __atomic_load_n((const uint64_t *)(const void *)e, __ATOMIC_RELAXED);

	__builtin_memcpy(out, &w, sizeof(w));
}

static enum netif_rx_verdict netif_rx_stop(struct netif_rx_frame *f, enum netif_rx_verdict v,
					   const char *why, long value, uint32_t at)
{
	f->why = why;
	f->value = value;
	f->at = at;
	return v;
}

/* Marks the frame unusable (the first reason found is kept); its
 * responses are still read to its end. */
static void netif_rx_bad(struct netif_rx_frame *f, const char *why, long value, uint32_t at)
{
	if (!f->why)
		netif_rx_stop(f, NETIF_RX_DROP, why, value, at);
}

/* The extra-info chain after a frame's first response, from *i: FRAME
 * when it is all there (and *i after it), PARTIAL or BREACH. */
static enum netif_rx_verdict netif_rx_extras(const union netif_rx_sring_entry *ring, unsigned size,
					     uint32_t cons, uint32_t prod, uint32_t *i,
					     struct netif_rx_frame *f)
{
	struct netif_extra_info x;

	do {
		if (*i - cons >= size)
			return netif_rx_stop(f, NETIF_RX_BREACH,
					     "an extra-info chain as long as the ring",
					     (long)(*i - cons), *i);
		if (*i == prod)
			return NETIF_RX_PARTIAL;
		netif_rx_read(&ring[*i & (size - 1)], &x);
		/* Known types are skipped: we asked for nothing that needs
		 * them (no GSO, no hash, no multicast control). */
		if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX)
			netif_rx_bad(f, "an extra-info of a type the protocol does not have",
				     x.type, *i);
		(*i)++;
	} while (x.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return NETIF_RX_FRAME;
}

/* Adds response `rsp`, read at index `at`, to the frame as a fragment. */
static void netif_rx_add(struct netif_rx_frame *f, const netif_rx_response_t *rsp, uint32_t at)
{
	if (rsp->status < 0)
		netif_rx_bad(f, "an error status", rsp->status, at);
	else if ((uint32_t)rsp->offset + (uint32_t)rsp->status > NETIF_PAGE)
		netif_rx_bad(f, "a fragment running past its page (offset + size)",
			     (long)rsp->offset + rsp->status, at);
	else if (f->nfrags == NETIF_RX_MAX_FRAGS)
		netif_rx_bad(f, "more fragments than a frame may have", f->nfrags + 1, at);
	else {
		f->frag[f->nfrags++] = (struct netif_rx_frag){
		    .slot = rsp->id, .offset = rsp->offset, .len = (uint16_t)rsp->status};
		f->len += (uint32_t)rsp->status;
	}
}

enum netif_rx_verdict netif_rx_frame_check(const union netif_rx_sring_entry *ring, unsigned size,
					   uint32_t cons, uint32_t prod, struct netif_rx_frame *f)
{
	netif_rx_response_t rsp;
	enum netif_rx_verdict v;
	uint32_t i = cons;

	*f = (struct netif_rx_frame){.next = cons};
	do {
		/* Every posted buffer is the frame's and it still wants more:
		 * nothing can ever complete it. */
		if (i - cons >= size)
			return netif_rx_stop(f, NETIF_RX_BREACH, "a frame as long as the ring",
					     (long)(i - cons), i);
		if (i == prod)
			return NETIF_RX_PARTIAL;
		netif_rx_read(&ring[i & (size - 1)], &rsp);
		if (rsp.id != (i & (size - 1)))
			return netif_rx_stop(f, NETIF_RX_BREACH,
					     "a response in another slot's place", rsp.id, i);
		netif_rx_add(f, &rsp, i);
		i++;
		/* Only a frame's first response may carry extra-info. */
		if (i - 1 == cons) {
			f->flags = rsp.flags;
			if ((rsp.flags & NETRXF_extra_info) &&
			    (v = netif_rx_extras(ring, size, cons, prod, &i, f)) != NETIF_RX_FRAME)
				return v;
		}
	} while (rsp.flags & NETRXF_more_data);
	f->next = i;
	if (!f->why && f->len < NETIF_ETH_HLEN)
		netif_rx_bad(f, "a frame shorter than an Ethernet header", f->len, cons);
	return f->why ? NETIF_RX_DROP : NETIF_RX_FRAME;
}

int netif_rx_csum(const uint8_t *hdr, uint32_t n, uint32_t len, uint16_t *start, uint16_t *offset,
		  const char **why)
{
	unsigned ihl;

	*why = NULL;
	if (n < 24 || len < n || hdr[12] != 0x08 || hdr[13] != 0x00 || hdr[14] >> 4 != 4 ||
	    (hdr[14] & 15) < 5) {
		*why = "a blank checksum in something other than IPv4";
		return -1;
	}
	ihl = hdr[14] & 15u;
	*start = (uint16_t)(NETIF_ETH_HLEN + 4 * ihl);
	if (hdr[23] == 6)
		*offset = 16;
	else if (hdr[23] == 17)
		*offset = 6;
	else
		*why = "a blank checksum in something other than TCP or UDP";
	if (!*why && (uint32_t)*start + *offset + 2 > len)
		*why = "a blank checksum beyond the frame's end";
	return *why ? -1 : 0;
}

bool netif_be_flag(int rc, uint64_t v, bool absent, bool refused, const char **why)
{
	*why = NULL;
	if (rc == -ENOENT)
		return absent;
	if (rc)
		*why = "not a number";
	else if (v > 1)
		*why = "neither 0 nor 1";
	return *why ? refused : v == 1;
}

unsigned netif_be_queues(int rc, uint64_t v, unsigned cap, const char **why)
{
	*why = NULL;
	if (rc == -ENOENT)
		return 1;
	if (rc)
		*why = "not a number";
	else if (v == 0)
		*why = "0 queues";
	else if (v > NETIF_BE_MAX_QUEUES)
		*why = "beyond any real offer";
	if (*why)
		return 1;
	return v < cap ? (unsigned)v : cap ? cap : 1;
}

unsigned netif_fe_mtu(int rc, uint64_t v, const char **why)
{
	*why = NULL;
	if (rc == -ENOENT)
		return 1500;
	if (rc)
		*why = "not a number";
	else if (v < NETIF_MTU_MIN || v > NETIF_MTU_MAX)
		*why = "outside 68-65521";
	return *why ? 1500 : (unsigned)v;
}

/* One "xx" and the character after it, at p: the byte, or -1.  A
 * character is read only after the one before it proved no terminator. */
static int netif_mac_byte(const char *p, char sep)
{
	int hi = digit_value(p[0]), lo;

	if (hi > 15 || (lo = digit_value(p[1])) > 15 || p[2] != sep)
		return -1;
	return hi << 4 | lo;
}

int netif_parse_mac(const char *s, uint8_t *mac)
{
	for (int i = 0; i < 6; i++) {
		int b = netif_mac_byte(s + 3 * i, i == 5 ? '\0' : ':');

		if (b < 0)
			return -EINVAL;
		mac[i] = (uint8_t)b;
	}
	/* A multicast or all-zero address would never get a unicast frame. */
	if (mac[0] & 1 || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}
