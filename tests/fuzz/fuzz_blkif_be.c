/* Fuzz target: blkfront's judgement of the backend's xenstore values
 * (drivers/xen/blkif_check.c): ring-page-order, queue count, indirect
 * segments, feature flags, sectors and sector-size.
 *
 * The input is records of 1 + 8 + 1 bytes: a read result (low bits: 0
 * for a number, 1 for -ENOENT, else another error; bits 4-7 choose the
 * node), the value, and our cap.  Whatever the value, what is used must
 * lie within the protocol and the cap, the plain protocol's value must
 * come back for a refusal, and a refusal must say why while a taken or
 * absent value says nothing. */
#include "fuzz.h"
#include <amphi/errno.h>
#include <drivers/xen/blkif_check.h>
#include <xen/io/blkif.h>

static void one(unsigned node, int rc, uint64_t v, unsigned cap, uint64_t v2, int rc2)
{
	const char *why = (const char *)1;
	struct blkif_geometry g = {0, 0};
	unsigned u;
	uint64_t out;

	switch (node % 6) {
	case 0:
		u = blkif_be_ring_order(rc, v, cap, &why);
		FUZZ_CHECK(u <= 4 && u <= cap);
		FUZZ_CHECK(why ? u == 0 : (rc ? u == 0 : u == (v < cap ? v : cap)));
		break;
	case 1:
		/* A cap of 0 means 1: a device has a queue. */
		u = blkif_be_queues(rc, v, cap, &why);
		cap = cap ? cap : 1;
		FUZZ_CHECK(u >= 1 && u <= 256 && u <= cap);
		FUZZ_CHECK(!why || u == 1);
		FUZZ_CHECK(why || rc || u == (v < cap ? v : cap));
		break;
	case 2:
		u = blkif_be_segments(rc, v, cap, &why);
		FUZZ_CHECK(u == BLKIF_MAX_SEGMENTS_PER_REQUEST || (u > 11 && u <= cap && u <= v));
		FUZZ_CHECK(!why || u == BLKIF_MAX_SEGMENTS_PER_REQUEST);
		break;
	case 3:
		FUZZ_CHECK(blkif_be_flag(rc, v, &why) == (rc == 0 && v == 1));
		FUZZ_CHECK(!why == (rc == -ENOENT || (rc == 0 && v <= 1)));
		break;
	case 4:
		if (blkif_be_geometry(rc, v, rc2, v2, &g, &why) == 0) {
			FUZZ_CHECK(!why && g.sector_size >= 512 && g.sector_size <= 4096);
			FUZZ_CHECK((g.sector_size & (g.sector_size - 1)) == 0);
			FUZZ_CHECK(g.sectors <= ~0ull / g.sector_size);
			FUZZ_CHECK(rc == 0 && (rc2 == 0 || rc2 == -ENOENT));
		} else {
			FUZZ_CHECK(why != NULL);
		}
		break;
	default:
		u = 512u << (cap % 4);
		if (blkif_be_resize(rc, v, u, &out, &why) == 0)
			FUZZ_CHECK(!why && rc == 0 && out <= ~0ull / u && out == v / (u / 512));
		else
			FUZZ_CHECK(why != NULL);
	}
}

static int rc_of(uint8_t b)
{
	return (b & 3) == 0 ? 0 : (b & 3) == 1 ? -ENOENT : -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size) {
		uint8_t sel, cap, sel2;
		uint64_t v, v2;

		fuzz_take(&data, &size, &sel, 1);
		fuzz_take(&data, &size, &v, 8);
		fuzz_take(&data, &size, &cap, 1);
		fuzz_take(&data, &size, &sel2, 1);
		fuzz_take(&data, &size, &v2, 8);
		one(sel >> 4, rc_of(sel), v, cap, v2, rc_of(sel2));
	}
	return 0;
}
