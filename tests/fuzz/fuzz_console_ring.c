/* Fuzz target: the Xen console ring's indexes from the other side
 * (drivers/xen/console_ring_check.c).
 *
 * The input drives both rings of a pretend struct xencons_interface: a
 * byte's low bit says which ring moves, the next four bytes are the
 * index the other side publishes (its output consumer or its input
 * producer), and the rest of the byte says how many characters our side
 * then writes or reads, as console_ring.c does, into a ring of exactly
 * its size.  Whatever the indexes, the checker must never let us write
 * over what the other side has not read, read what it did not write, or
 * take an index it could not have published for anything but nonsense. */
#include "fuzz.h"
#include <drivers/xen/console_ring_check.h>

#define OUT 2048u
#define IN 1024u

struct pretend {
	uint32_t out_prod, out_cons, in_prod, in_cons;
	char *out, *in; /* heap buffers of exactly OUT and IN bytes */
};

static void write_out(struct pretend *r, uint32_t theirs, unsigned n)
{
	const char *why = (const char *)1;
	uint32_t used = r->out_prod - theirs;
	long space = console_ring_out_space(r->out_prod, theirs, OUT, &why);

	if (used > OUT) {
		FUZZ_CHECK(space == -1 && why);
		return;
	}
	FUZZ_CHECK(!why && space == (long)(OUT - used));
	r->out_cons = theirs;
	for (unsigned i = 0; i < n && i < (unsigned long)space; i++)
		r->out[r->out_prod++ & (OUT - 1)] = (char)i;
	FUZZ_CHECK(r->out_prod - r->out_cons <= OUT);
}

static void read_in(struct pretend *r, uint32_t theirs, unsigned n)
{
	const char *why = (const char *)1;
	uint32_t ahead = theirs - r->in_cons;
	uint32_t avail = console_ring_in_avail(theirs, r->in_cons, IN, &why);
	volatile char c;

	if (ahead > IN) {
		FUZZ_CHECK(avail == 0 && why);
		return;
	}
	FUZZ_CHECK(!why && avail == ahead);
	r->in_prod = theirs;
	for (unsigned i = 0; i < n && i < avail; i++)
		c = r->in[r->in_cons++ & (IN - 1)];
	(void)c;
	FUZZ_CHECK(r->in_prod - r->in_cons <= IN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pretend r = {0};
	uint32_t start;

	fuzz_take(&data, &size, &start, 4);
	r.out_prod = r.out_cons = r.in_prod = r.in_cons = start;
	r.out = malloc(OUT);
	r.in = calloc(1, IN);
	while (size) {
		uint8_t b;
		uint32_t v;

		fuzz_take(&data, &size, &b, 1);
		fuzz_take(&data, &size, &v, 4);
		/* The index as an offset from ours: small moves are likelier. */
		if (b & 1)
			read_in(&r, r.in_cons + v, (unsigned)(b >> 1) * 9);
		else
			write_out(&r, r.out_prod - v, (unsigned)(b >> 1) * 17);
	}
	free(r.out);
	free(r.in);
	return 0;
}
