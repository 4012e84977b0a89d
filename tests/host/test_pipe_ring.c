/* Unit tests of a pipe's ring (fs/pipe_ring.c) and of the lowest-free
 * descriptor rule (fs/fdbits.c): the pure parts under fs/pipe.c and the
 * descriptor tables of fs/file.c.
 *
 * The ring: spans never run past the buffer's end, a wrap takes two
 * spans, consume and produce never go past what there is, and a long
 * random run of writes and reads of odd sizes against a plain queue gives
 * back every byte in order.  The descriptors: the lowest clear bit from a
 * starting number, across words, under a limit that is not a multiple of
 * 64, and -1 when all are taken. */
#include "amphi_test.h"
#include "host_rename.h"
#include <amphi/fdbits.h>
#include <amphi/pipe_ring.h>
#include "host_unrename.h"

#define SIZE 64

static void test_spans_wrap(void **state)
{
	uint8_t mem[SIZE], *at;
	struct pipe_ring r = {mem, SIZE, 0, 0};

	assert_int_equal(pipe_ring_data_span(&r, &at), 0);
	assert_int_equal(pipe_ring_free_span(&r, &at), SIZE);
	assert_ptr_equal(at, mem);
	pipe_ring_produce(&r, 60);
	pipe_ring_consume(&r, 50);
	/* 10 bytes at 50..59: free room is 4 to the end, then 50 from 0. */
	assert_int_equal(pipe_ring_data_span(&r, &at), 10);
	assert_ptr_equal(at, mem + 50);
	assert_int_equal(pipe_ring_free_span(&r, &at), 4);
	assert_ptr_equal(at, mem + 60);
	pipe_ring_produce(&r, 4);
	assert_int_equal(pipe_ring_free_span(&r, &at), 50);
	assert_ptr_equal(at, mem);
	pipe_ring_produce(&r, 20);
	/* Data 50..63 then 0..19: the first span stops at the end. */
	assert_int_equal(pipe_ring_data_span(&r, &at), 14);
	pipe_ring_consume(&r, 14);
	assert_int_equal(pipe_ring_data_span(&r, &at), 20);
	assert_ptr_equal(at, mem);
}

static void test_bounds(void **state)
{
	uint8_t mem[SIZE], *at;
	struct pipe_ring r = {mem, SIZE, 0, 0};

	pipe_ring_produce(&r, SIZE + 10);
	assert_int_equal(r.len, SIZE);
	assert_int_equal(pipe_ring_free(&r), 0);
	assert_int_equal(pipe_ring_free_span(&r, &at), 0);
	pipe_ring_consume(&r, SIZE + 10);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.head, 0); /* an empty ring starts over */
}

static void test_random_queue(void **state)
{
	uint8_t mem[SIZE], *at;
	static uint8_t ref[200000];
	struct pipe_ring r = {mem, SIZE, 0, 0};
	size_t in = 0, out = 0;
	unsigned int seed = 12345;

	while (out < sizeof(ref) - SIZE) {
		size_t want = (size_t)(rand_r(&seed) % 40);

		if (rand_r(&seed) & 1) {
			for (size_t k; want && (k = pipe_ring_free_span(&r, &at));) {
				k = k < want ? k : want;
				for (size_t i = 0; i < k; i++)
					at[i] = ref[in + i] = (uint8_t)rand_r(&seed);
				pipe_ring_produce(&r, k);
				in += k, want -= k;
			}
		} else {
			for (size_t k; want && (k = pipe_ring_data_span(&r, &at));) {
				k = k < want ? k : want;
				assert_memory_equal(at, ref + out, k);
				pipe_ring_consume(&r, k);
				out += k, want -= k;
			}
		}
		assert_int_equal(r.len, in - out);
		assert_true(r.len <= SIZE);
	}
}

static void test_fd_lowest(void **state)
{
	uint64_t bits[4] = {0};

	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 0);
	fdbits_set(bits, 0, true);
	fdbits_set(bits, 1, true);
	fdbits_set(bits, 3, true);
	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 2);
	assert_int_equal(fdbits_lowest_free(bits, 3, 256), 4);
	fdbits_set(bits, 2, true);
	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 4);
	fdbits_set(bits, 2, false);
	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 2);
	assert_true(fdbits_test(bits, 3));
	assert_false(fdbits_test(bits, 2));
}

static void test_fd_words_and_limit(void **state)
{
	uint64_t bits[4] = {~0ULL, ~0ULL, 0, 0};

	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 128);
	assert_int_equal(fdbits_lowest_free(bits, 70, 256), 128);
	assert_int_equal(fdbits_lowest_free(bits, 130, 256), 130);
	/* A limit inside a word: 100 taken up to it. */
	assert_int_equal(fdbits_lowest_free(bits, 0, 100), -1);
	assert_int_equal(fdbits_lowest_free(bits, 0, 129), 128);
	assert_int_equal(fdbits_lowest_free(bits, 0, 128), -1);
	bits[2] = bits[3] = ~0ULL;
	assert_int_equal(fdbits_lowest_free(bits, 0, 256), -1);
	bits[3] &= ~(1ULL << 63);
	assert_int_equal(fdbits_lowest_free(bits, 0, 256), 255);
	assert_int_equal(fdbits_lowest_free(bits, 255, 256), 255);
	assert_int_equal(fdbits_lowest_free(bits, 256, 256), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spans_wrap),	  cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_random_queue),  cmocka_unit_test(test_fd_lowest),
	    cmocka_unit_test(test_fd_words_and_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
