/* Fuzz target: blkfront's judgement of the ring (drivers/xen/blkif_check.c),
 * a backend's responses against what was sent and the response index it
 * publishes.
 *
 * The input is a ring size (first byte: 2^(b % 8) slots) and commands of
 * which the low two bits of the first byte say the kind:
 *   0  send: slot byte, operation byte (a free slot, ring not full)
 *   1  respond: 8-byte id, operation byte, 2-byte status
 *   2  publish: 4-byte cons and 4-byte prod offsets from req_prod
 *   3  respond to the slot given by one byte, with the operation sent
 * A model kept here says which slots are in flight; the checker must
 * agree with it: finish a request only once and only if it was sent,
 * refuse every other id, say why for anything but a clean answer, and
 * never let an index through beyond what was sent or the ring. */
#include "fuzz.h"
#include <amphi/errno.h>
#include <drivers/xen/blkif_check.h>
#include <xen/io/blkif.h>

#define MAX_NR 128

static const uint8_t ops[] = {BLKIF_OP_READ,	      BLKIF_OP_WRITE,
			      BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE,
			      BLKIF_OP_DISCARD,	      BLKIF_OP_INDIRECT};

struct model {
	struct blkif_sent sent[MAX_NR];
	bool in_flight[MAX_NR];
	uint8_t op[MAX_NR], inner[MAX_NR];
	unsigned nr, count;
	uint32_t req_prod;
};

static void send(struct model *m, const uint8_t **d, size_t *n)
{
	uint8_t slot, opb;

	fuzz_take(d, n, &slot, 1);
	fuzz_take(d, n, &opb, 1);
	slot %= m->nr;
	if (m->in_flight[slot] || m->count == m->nr)
		return;
	m->op[slot] = ops[opb % sizeof(ops)];
	m->inner[slot] = m->op[slot] == BLKIF_OP_INDIRECT ? (opb & 0x80 ? BLKIF_OP_WRITE : 0) : 0;
	blkif_sent_start(m->sent, m->nr, slot, m->op[slot], m->inner[slot]);
	m->in_flight[slot] = true;
	m->count++;
	m->req_prod++;
}

static void respond(struct model *m, uint64_t id, uint8_t op, int16_t status)
{
	const char *why = (const char *)1;
	int error = 1;
	enum blkif_verdict v = blkif_rsp_check(m->sent, m->nr, id, op, status, &error, &why);

	if (id >= m->nr || !m->in_flight[id]) {
		FUZZ_CHECK(v == BLKIF_BREACH && why);
		return;
	}
	FUZZ_CHECK(v == BLKIF_ACCEPT || v == BLKIF_FAIL);
	FUZZ_CHECK(!m->sent[id].in_flight);
	m->in_flight[id] = false;
	m->count--;
	bool op_ok = op == m->op[id] || (m->op[id] == BLKIF_OP_INDIRECT && op == m->inner[id]);
	bool st_ok =
	    status == BLKIF_RSP_OKAY || status == BLKIF_RSP_ERROR || status == BLKIF_RSP_EOPNOTSUPP;
	if (op_ok && st_ok) {
		FUZZ_CHECK(v == BLKIF_ACCEPT && !why);
		FUZZ_CHECK(error == (status == 0 ? 0 : status == BLKIF_RSP_ERROR ? -EIO : -ENOSYS));
	} else {
		FUZZ_CHECK(v == BLKIF_FAIL && why && error == -EIO);
	}
}

static void publish(struct model *m, const uint8_t **d, size_t *n)
{
	uint32_t c, p, cons, prod;
	const char *why = (const char *)1;

	fuzz_take(d, n, &c, 4);
	fuzz_take(d, n, &p, 4);
	cons = m->req_prod - c;
	prod = m->req_prod - p;
	if (ring_rsp_prod_check(cons, prod, m->req_prod, m->nr, &why) == 0)
		FUZZ_CHECK(!why && prod - cons <= m->nr && prod - cons <= m->req_prod - cons);
	else
		FUZZ_CHECK(why && (prod - cons > m->nr || prod - cons > m->req_prod - cons));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	uint8_t b;

	memset(&m, 0, sizeof(m));
	fuzz_take(&data, &size, &b, 1);
	m.nr = 1u << (b % 8);
	m.req_prod = (uint32_t)b << 24; /* near the wrap now and then */
	while (size) {
		uint64_t id;
		uint8_t op, slot;
		int16_t status;

		fuzz_take(&data, &size, &b, 1);
		switch (b & 3) {
		case 0:
			send(&m, &data, &size);
			break;
		case 1:
			fuzz_take(&data, &size, &id, 8);
			fuzz_take(&data, &size, &op, 1);
			fuzz_take(&data, &size, &status, 2);
			respond(&m, id, op, status);
			break;
		case 2:
			publish(&m, &data, &size);
			break;
		default:
			fuzz_take(&data, &size, &slot, 1);
			slot %= m.nr;
			respond(&m, slot, b & 4 ? m.inner[slot] : m.op[slot],
				(int16_t)(b >> 3) - 4);
		}
	}
	return 0;
}
