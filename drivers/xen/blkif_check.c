/*
 * blkfront's judgement of what its backend hands it (blkif_check.h): the
 * backend is another domain and may be buggy or hostile, so a response
 * is checked against the table of what we sent, a published index
 * against what we pushed, and a xenstore value against what any real
 * backend would offer.  Pure code, shared by the kernel, the host tests
 * and the fuzz targets: no state, no printing, no Xen calls, only the
 * protocol's constants.
 */
#include <amphi/errno.h>
#include <drivers/xen/blkif_check.h>
#include <xen/io/blkif.h>

/* Linux's blkback offers at most 2^4 ring pages; no backend would offer
 * 256 queues; a segment list longer than the eight indirect pages a
 * request can name is not an offer. */
#define BLKIF_BE_MAX_ORDER 4
#define BLKIF_BE_MAX_QUEUES 256
#define BLKIF_BE_MAX_SEGS (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * 512)

/* "sectors" counts 512 bytes: more than this is no disk. */
#define BLKIF_MAX_SECTORS (~0ull >> 9)

#define MIN_U(a, b) ((a) < (b) ? (a) : (b))

void blkif_sent_start(struct blkif_sent *sent, unsigned nr, unsigned id, uint8_t op,
		      uint8_t inner_op)
{
	if (id < nr)
		sent[id] = (struct blkif_sent){.op = op, .inner_op = inner_op, .in_flight = true};
}

/* For an indirect request a backend may echo the wrapper or the
 * operation inside it. */
static bool blkif_op_matches(const struct blkif_sent *s, uint8_t op)
{
	return op == s->op || (s->op == BLKIF_OP_INDIRECT && op == s->inner_op);
}

/* The protocol's statuses; anything else is no answer at all. */
static bool blkif_status_known(int16_t status)
{
	return status == BLKIF_RSP_OKAY || status == BLKIF_RSP_ERROR ||
	       status == BLKIF_RSP_EOPNOTSUPP;
}

enum blkif_verdict blkif_rsp_check(struct blkif_sent *sent, unsigned nr, uint64_t id, uint8_t op,
				   int16_t status, int *error, const char **why)
{
	struct blkif_sent *s;

	*error = -EIO;
	*why = NULL;
	if (id >= nr) {
		*why = "an id beyond the ring";
		return BLKIF_BREACH;
	}
	s = &sent[id];
	if (!s->in_flight) {
		*why = "an id not in flight (a duplicate, or a response nobody asked for)";
		return BLKIF_BREACH;
	}
	s->in_flight = false;
	if (!blkif_op_matches(s, op)) {
		*why = "an operation other than the one sent";
		return BLKIF_FAIL;
	}
	if (!blkif_status_known(status)) {
		*why = "a status the protocol does not have";
		return BLKIF_FAIL;
	}
	*error = status == BLKIF_RSP_OKAY ? 0 : status == BLKIF_RSP_EOPNOTSUPP ? -ENOSYS : -EIO;
	return BLKIF_ACCEPT;
}

/* A number the backend wrote, or `dflt` when it wrote none or wrote one
 * above `max`. */
static uint64_t blkif_be_limit(int rc, uint64_t v, uint64_t dflt, uint64_t max, const char **why)
{
	*why = NULL;
	if (rc) {
		if (rc != -ENOENT)
			*why = "not a number";
		return dflt;
	}
	if (v > max) {
		*why = "beyond any real offer";
		return dflt;
	}
	return v;
}

unsigned blkif_be_ring_order(int rc, uint64_t v, unsigned cap, const char **why)
{
	return (unsigned)MIN_U(blkif_be_limit(rc, v, 0, BLKIF_BE_MAX_ORDER, why), (uint64_t)cap);
}

unsigned blkif_be_queues(int rc, uint64_t v, unsigned cap, const char **why)
{
	uint64_t n = blkif_be_limit(rc, v, 1, BLKIF_BE_MAX_QUEUES, why);

	if (n == 0) {
		*why = "0 queues";
		n = 1;
	}
	return (unsigned)MIN_U(n, (uint64_t)(cap ? cap : 1));
}

unsigned blkif_be_segments(int rc, uint64_t v, unsigned cap, const char **why)
{
	uint64_t segs = blkif_be_limit(rc, v, 0, BLKIF_BE_MAX_SEGS, why);

	if (segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST || cap <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_MAX_SEGMENTS_PER_REQUEST;
	return (unsigned)MIN_U(segs, (uint64_t)cap);
}

bool blkif_be_flag(int rc, uint64_t v, const char **why)
{
	*why = NULL;
	if (rc == -ENOENT)
		return false;
	if (rc)
		*why = "not a number";
	else if (v > 1)
		*why = "neither 0 nor 1";
	return rc == 0 && v == 1;
}

int blkif_be_geometry(int rc_sectors, uint64_t sectors, int rc_ssize, uint64_t ssize,
		      struct blkif_geometry *g, const char **why)
{
	*why = NULL;
	if (rc_sectors) {
		*why = "no sectors";
		return -1;
	}
	/* Absent, it is 512; present but no number, it is no size at all:
	 * 512 would address the disk in the wrong unit. */
	if (rc_ssize == -ENOENT)
		ssize = 512;
	else if (rc_ssize)
		ssize = 0;
	if (ssize < 512 || ssize > 4096 || (ssize & (ssize - 1))) {
		*why = "an unusable sector-size";
		return -1;
	}
	if (sectors > BLKIF_MAX_SECTORS) {
		*why = "a size beyond 2^64 bytes";
		return -1;
	}
	g->sector_size = (uint32_t)ssize;
	g->sectors = sectors / (ssize / 512);
	return 0;
}

int blkif_be_resize(int rc, uint64_t sectors, uint32_t sector_size, uint64_t *out, const char **why)
{
	*why = NULL;
	if (rc || sector_size < 512) {
		*why = "no sectors";
		return -1;
	}
	if (sectors > BLKIF_MAX_SECTORS) {
		*why = "a size beyond 2^64 bytes";
		return -1;
	}
	*out = sectors / (sector_size / 512);
	return 0;
}
