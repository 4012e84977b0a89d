/* Fuzz target: netfront's judgement of the rings (drivers/xen/netif_check.c):
 * transmit responses against the slots in flight, the response indexes a
 * backend publishes, and receive frames read off a ring the input fills.
 *
 * The input is commands of which the low two bits of the first byte say
 * the kind:
 *   0  send: slot byte (a free slot, ring not full)
 *   1  tx respond: 2-byte id, 2-byte status
 *   2  publish: 4-byte cons and 4-byte prod offsets from req_prod
 *   3  rx: a 2-byte count n, then n 8-byte ring entries written from a
 *      start slot byte on, then 1-byte cons slot and 2-byte prod offset,
 *      and 24 header bytes for the checksum judgement
 * A model kept here says which tx slots are in flight; the checker must
 * agree with it, and every frame it accepts must keep the promises the
 * driver relies on: fragments inside their pages and the netdev's
 * fragment table, in slots of the ring, the frame's end inside what was
 * published. */
#include "fuzz.h"
#include <amphi/errno.h>
#include <drivers/xen/netif_check.h>

#define NR 256

struct model {
	bool busy[NR], in_flight[NR];
	unsigned count;
	uint32_t req_prod;
	union netif_rx_sring_entry ring[NR];
};

static void send(struct model *m, uint8_t slot)
{
	if (m->in_flight[slot] || m->count == NR)
		return;
	m->busy[slot] = m->in_flight[slot] = true;
	m->count++;
	m->req_prod++;
}

static void tx_respond(struct model *m, uint16_t id, int16_t status)
{
	const char *why = (const char *)1;
	enum netif_tx_verdict v = netif_tx_rsp_check(m->busy, NR, id, status, &why);

	if (status == NETIF_RSP_NULL) {
		FUZZ_CHECK(v == NETIF_TX_NULL && !why);
		return;
	}
	if (id >= NR || !m->in_flight[id]) {
		FUZZ_CHECK(v == NETIF_TX_BREACH && why);
		return;
	}
	FUZZ_CHECK(!m->busy[id]);
	m->in_flight[id] = false;
	m->count--;
	if (status == NETIF_RSP_OKAY)
		FUZZ_CHECK(v == NETIF_TX_DONE && !why);
	else if (status == NETIF_RSP_ERROR || status == NETIF_RSP_DROPPED)
		FUZZ_CHECK(v == NETIF_TX_FAILED && !why);
	else
		FUZZ_CHECK(v == NETIF_TX_FAILED && why);
}

static void publish(struct model *m, uint32_t c, uint32_t p)
{
	uint32_t cons = m->req_prod - c, prod = m->req_prod - p;
	const char *why = (const char *)1;

	if (ring_rsp_prod_check(cons, prod, m->req_prod, NR, &why) == 0)
		FUZZ_CHECK(!why && prod - cons <= NR && prod - cons <= m->req_prod - cons);
	else
		FUZZ_CHECK(why && (prod - cons > NR || prod - cons > m->req_prod - cons));
}

/* What an accepted or dropped frame promises. */
static void frame_promises(const struct netif_rx_frame *f, uint32_t cons, uint32_t prod,
			   enum netif_rx_verdict v)
{
	uint32_t len = 0;

	FUZZ_CHECK(f->next - cons >= 1 && f->next - cons <= prod - cons && f->next - cons <= NR);
	FUZZ_CHECK(f->nfrags <= NETIF_RX_MAX_FRAGS);
	for (unsigned i = 0; i < f->nfrags; i++) {
		FUZZ_CHECK(f->frag[i].slot < NR);
		FUZZ_CHECK((uint32_t)f->frag[i].offset + f->frag[i].len <= 4096);
		len += f->frag[i].len;
	}
	if (v == NETIF_RX_FRAME)
		FUZZ_CHECK(!f->why && len == f->len && f->len >= 14 && f->nfrags >= 1);
	else
		FUZZ_CHECK(f->why != NULL);
}

static void rx(struct model *m, const uint8_t **d, size_t *n)
{
	uint16_t count, poff;
	uint8_t start, cslot, hdr[24];
	struct netif_rx_frame f;
	uint16_t cs = 0, co = 0;
	const char *why = (const char *)1;

	fuzz_take(d, n, &count, 2);
	fuzz_take(d, n, &start, 1);
	for (unsigned i = 0; i < count % (NR + 1); i++)
		fuzz_take(d, n, &m->ring[(start + i) % NR], 8);
	fuzz_take(d, n, &cslot, 1);
	fuzz_take(d, n, &poff, 2);
	fuzz_take(d, n, hdr, sizeof(hdr));
	/* cons somewhere near the wrap now and then; prod up to a ring on. */
	uint32_t cons = (m->req_prod & 0xffffff00u) + cslot, prod = cons + poff % (NR + 1);

	switch (netif_rx_frame_check(m->ring, NR, cons, prod, &f)) {
	case NETIF_RX_PARTIAL:
		FUZZ_CHECK(f.next == cons && prod - cons < NR);
		break;
	case NETIF_RX_BREACH:
		FUZZ_CHECK(f.why != NULL && f.at - cons <= NR);
		break;
	case NETIF_RX_DROP:
		frame_promises(&f, cons, prod, NETIF_RX_DROP);
		break;
	case NETIF_RX_FRAME:
		frame_promises(&f, cons, prod, NETIF_RX_FRAME);
		break;
	}
	if (netif_rx_csum(hdr, 24, f.len, &cs, &co, &why) == 0)
		FUZZ_CHECK(!why && (co == 6 || co == 16) && cs >= 34 && cs <= 74 &&
			   (uint32_t)cs + co + 2 <= f.len);
	else
		FUZZ_CHECK(why != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	uint8_t b;

	memset(&m, 0, sizeof(m));
	fuzz_take(&data, &size, &b, 1);
	m.req_prod = (uint32_t)b << 24; /* near the wrap now and then */
	while (size) {
		uint16_t id;
		int16_t status;
		uint32_t c, p;

		fuzz_take(&data, &size, &b, 1);
		switch (b & 3) {
		case 0:
			fuzz_take(&data, &size, &b, 1);
			send(&m, b);
			break;
		case 1:
			fuzz_take(&data, &size, &id, 2);
			fuzz_take(&data, &size, &status, 2);
			tx_respond(&m, id, status);
			break;
		case 2:
			fuzz_take(&data, &size, &c, 4);
			fuzz_take(&data, &size, &p, 4);
			publish(&m, c, p);
			break;
		default:
			rx(&m, &data, &size);
		}
	}
	return 0;
}
