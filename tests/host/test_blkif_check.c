/* Unit tests of drivers/xen/blkif_check.c: blkfront's judgement of its
 * backend's responses, published indexes and xenstore values.  Each case
 * is something a buggy or hostile backend can do. */
#include "amphi_test.h"
#include <amphi/errno.h>
#include <drivers/xen/blkif_check.h>
#include <xen/io/blkif.h>

#define NR 32

static struct blkif_sent sent[NR];

static enum blkif_verdict check(uint64_t id, uint8_t op, int16_t status, int *error,
				const char **why)
{
	return blkif_rsp_check(sent, NR, id, op, status, error, why);
}

static int setup(void **state)
{
	memset(sent, 0, sizeof(sent));
	blkif_sent_start(sent, NR, 0, BLKIF_OP_READ, 0);
	blkif_sent_start(sent, NR, 1, BLKIF_OP_WRITE, 0);
	blkif_sent_start(sent, NR, 2, BLKIF_OP_INDIRECT, BLKIF_OP_READ);
	blkif_sent_start(sent, NR, 3, BLKIF_OP_FLUSH_DISKCACHE, 0);
	return 0;
}

static void test_good(void **state)
{
	const char *why;
	int error;

	assert_int_equal(check(0, BLKIF_OP_READ, BLKIF_RSP_OKAY, &error, &why), BLKIF_ACCEPT);
	assert_int_equal(error, 0);
	assert_null(why);
	assert_false(sent[0].in_flight);
	/* An indirect request answered with the wrapper or the inner op. */
	assert_int_equal(check(2, BLKIF_OP_READ, BLKIF_RSP_OKAY, &error, &why), BLKIF_ACCEPT);
	blkif_sent_start(sent, NR, 2, BLKIF_OP_INDIRECT, BLKIF_OP_WRITE);
	assert_int_equal(check(2, BLKIF_OP_INDIRECT, BLKIF_RSP_OKAY, &error, &why), BLKIF_ACCEPT);
	assert_int_equal(check(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, &error, &why), BLKIF_ACCEPT);
	assert_int_equal(error, -EIO);
	assert_int_equal(check(3, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP, &error, &why),
			 BLKIF_ACCEPT);
	assert_int_equal(error, -ENOSYS);
}

static void test_wrong_ids(void **state)
{
	const char *why;
	int error;

	assert_int_equal(check(NR, BLKIF_OP_READ, 0, &error, &why), BLKIF_BREACH);
	assert_non_null(why);
	assert_int_equal(check(~0ull, BLKIF_OP_READ, 0, &error, &why), BLKIF_BREACH);
	assert_int_equal(check(1ull << 32, BLKIF_OP_READ, 0, &error, &why), BLKIF_BREACH);
	/* Never sent. */
	assert_int_equal(check(7, BLKIF_OP_READ, 0, &error, &why), BLKIF_BREACH);
	/* Answered twice. */
	assert_int_equal(check(0, BLKIF_OP_READ, 0, &error, &why), BLKIF_ACCEPT);
	assert_int_equal(check(0, BLKIF_OP_READ, 0, &error, &why), BLKIF_BREACH);
	assert_non_null(why);
	/* A wrong id changes nothing it did not name. */
	assert_true(sent[1].in_flight && sent[2].in_flight && sent[3].in_flight);
}

static void test_wrong_op(void **state)
{
	const char *why;
	int error;

	assert_int_equal(check(0, BLKIF_OP_WRITE, 0, &error, &why), BLKIF_FAIL);
	assert_int_equal(error, -EIO);
	assert_non_null(why);
	assert_false(sent[0].in_flight);
	/* An indirect read is not answered by a write. */
	assert_int_equal(check(2, BLKIF_OP_WRITE, 0, &error, &why), BLKIF_FAIL);
	/* A plain read is not answered by "indirect". */
	blkif_sent_start(sent, NR, 0, BLKIF_OP_READ, 0);
	assert_int_equal(check(0, BLKIF_OP_INDIRECT, 0, &error, &why), BLKIF_FAIL);
}

/* A status the protocol does not have fails the request and says so:
 * it is not taken for an ordinary I/O error. */
static void test_unknown_status(void **state)
{
	static const int16_t bad[] = {1, -3, 0x7fff, -0x8000};
	const char *why;
	int error;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		blkif_sent_start(sent, NR, 0, BLKIF_OP_READ, 0);
		assert_int_equal(check(0, BLKIF_OP_READ, bad[i], &error, &why), BLKIF_FAIL);
		assert_int_equal(error, -EIO);
		assert_non_null(why);
		assert_false(sent[0].in_flight);
	}
}

/* ring_rsp_prod_check, which blkfront and netfront share: tested here
 * once, at blkfront's ring size and at netfront's (256). */
static void test_prod(void **state)
{
	const char *why;

	assert_int_equal(ring_rsp_prod_check(0, 0, 0, NR, &why), 0);
	assert_int_equal(ring_rsp_prod_check(5, 9, 10, NR, &why), 0);
	assert_int_equal(ring_rsp_prod_check(5, 10, 10, NR, &why), 0);
	/* Across the wrap of the 32-bit indexes. */
	assert_int_equal(ring_rsp_prod_check(0xfffffff0u, 4, 8, NR, &why), 0);
	/* Ahead of what was sent, beyond the ring, backwards. */
	assert_int_equal(ring_rsp_prod_check(5, 11, 10, NR, &why), -1);
	assert_non_null(why);
	assert_int_equal(ring_rsp_prod_check(5, 5 + NR + 1, 5 + NR + 1, NR, &why), -1);
	assert_int_equal(ring_rsp_prod_check(5, 4, 10, NR, &why), -1);
	assert_int_equal(ring_rsp_prod_check(5, 0x80000005u, 10, NR, &why), -1);
	assert_int_equal(ring_rsp_prod_check(0xfffffff0u, 0xffffffe0u, 8, NR, &why), -1);
	assert_int_equal(ring_rsp_prod_check(5, 5 + 256, 5 + 256, 256, &why), 0);
	assert_int_equal(ring_rsp_prod_check(5, 5 + 256 + 1, 5 + 256 + 1, 256, &why), -1);
	assert_non_null(why);
}

static void test_ring_values(void **state)
{
	const char *why;

	assert_int_equal(blkif_be_ring_order(-ENOENT, 0, 2, &why), 0);
	assert_null(why);
	assert_int_equal(blkif_be_ring_order(0, 2, 2, &why), 2);
	assert_int_equal(blkif_be_ring_order(0, 4, 2, &why), 2);
	assert_null(why);
	assert_int_equal(blkif_be_ring_order(0, 5, 2, &why), 0);
	assert_non_null(why);
	assert_int_equal(blkif_be_ring_order(0, ~0ull, 2, &why), 0);
	assert_int_equal(blkif_be_ring_order(-EINVAL, 0, 2, &why), 0);
	assert_non_null(why);
	assert_int_equal(blkif_be_queues(-ENOENT, 0, 2, &why), 1);
	assert_int_equal(blkif_be_queues(0, 16, 2, &why), 2);
	assert_int_equal(blkif_be_queues(0, 0, 2, &why), 1);
	assert_non_null(why);
	assert_int_equal(blkif_be_queues(0, 4294967297ull, 2, &why), 1);
	assert_non_null(why);
	assert_int_equal(blkif_be_segments(-ENOENT, 0, 32, &why), 11);
	assert_int_equal(blkif_be_segments(0, 256, 32, &why), 32);
	assert_int_equal(blkif_be_segments(0, 8, 32, &why), 11);
	assert_int_equal(blkif_be_segments(0, 256, 8, &why), 11);
	assert_int_equal(blkif_be_segments(0, 4097, 32, &why), 11);
	assert_non_null(why);
}

/* A flag is 0 or 1: "2", "255" or a word is nonsense, reported, off. */
static void test_flags(void **state)
{
	const char *why;

	assert_false(blkif_be_flag(-ENOENT, 0, &why));
	assert_null(why);
	assert_true(blkif_be_flag(0, 1, &why));
	assert_null(why);
	assert_false(blkif_be_flag(0, 0, &why));
	assert_false(blkif_be_flag(0, 2, &why));
	assert_non_null(why);
	assert_false(blkif_be_flag(0, ~0ull, &why));
	assert_non_null(why);
	assert_false(blkif_be_flag(-EINVAL, 0, &why));
	assert_non_null(why);
}

static void test_geometry(void **state)
{
	struct blkif_geometry g;
	const char *why;

	assert_int_equal(blkif_be_geometry(0, 2048, -ENOENT, 0, &g, &why), 0);
	assert_int_equal(g.sector_size, 512);
	assert_int_equal(g.sectors, 2048);
	assert_int_equal(blkif_be_geometry(0, 2048, 0, 4096, &g, &why), 0);
	assert_int_equal(g.sectors, 256);
	assert_int_equal(blkif_be_geometry(-ENOENT, 0, 0, 512, &g, &why), -1);
	assert_non_null(why);
	assert_int_equal(blkif_be_geometry(0, 2048, 0, 1000, &g, &why), -1);
	assert_int_equal(blkif_be_geometry(0, 2048, 0, 8192, &g, &why), -1);
	assert_int_equal(blkif_be_geometry(0, 2048, 0, 256, &g, &why), -1);
}

/* A sector-size that is there but no number ("4k") is not taken for
 * 512: the disk would be addressed in the wrong unit. */
static void test_geometry_garbled_size(void **state)
{
	struct blkif_geometry g;
	const char *why = NULL;

	assert_int_equal(blkif_be_geometry(0, 2048, -EINVAL, 0, &g, &why), -1);
	assert_non_null(why);
}

/* A size whose bytes do not fit 64 bits is no disk. */
static void test_geometry_huge(void **state)
{
	struct blkif_geometry g;
	uint64_t out;
	const char *why;

	assert_int_equal(blkif_be_geometry(0, (~0ull >> 9) + 1, -ENOENT, 0, &g, &why), -1);
	assert_non_null(why);
	assert_int_equal(blkif_be_geometry(0, ~0ull >> 9, -ENOENT, 0, &g, &why), 0);
	assert_int_equal(blkif_be_resize(0, ~0ull, 512, &out, &why), -1);
	assert_int_equal(blkif_be_resize(0, 4096, 4096, &out, &why), 0);
	assert_int_equal(out, 512);
	assert_int_equal(blkif_be_resize(-EINVAL, 0, 512, &out, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_good, setup),
	    cmocka_unit_test_setup(test_wrong_ids, setup),
	    cmocka_unit_test_setup(test_wrong_op, setup),
	    cmocka_unit_test_setup(test_unknown_status, setup),
	    cmocka_unit_test(test_prod),
	    cmocka_unit_test(test_ring_values),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_geometry),
	    cmocka_unit_test(test_geometry_garbled_size),
	    cmocka_unit_test(test_geometry_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
