/* Unit tests of mm/frame.c.
 *
 * Directed tests pin down the documented behaviour (clipping, refusals,
 * alignment); a long random run then checks the bitmap, the free count and
 * every answer against a plain array of booleans, since word-at-a-time
 * searches go wrong at word edges that directed tests easily miss. */
#include "amphi_test.h"

#define NFRAMES 1000

static uint64_t bits[(NFRAMES + 63) / 64];
static struct frame_allocator fa;

static int setup(void **state)
{
	memset(bits, 0xa5, sizeof(bits));
	frame_init(&fa, bits, NFRAMES);
	return 0;
}

static void test_bitmap_bytes(void **state)
{
	assert_int_equal(frame_bitmap_bytes(0), 0);
	assert_int_equal(frame_bitmap_bytes(1), 8);
	assert_int_equal(frame_bitmap_bytes(64), 8);
	assert_int_equal(frame_bitmap_bytes(65), 16);
	assert_int_equal(frame_bitmap_bytes(1ULL << 20), 1 << 17);
}

static void test_starts_used(void **state)
{
	assert_int_equal(fa.nfree, 0);
	assert_int_equal(frame_alloc(&fa), -1);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1), -1);
	for (uint64_t p = 0; p < NFRAMES; p++)
		assert_false(frame_is_free(&fa, p));
}

static void test_release_reserve_clip(void **state)
{
	frame_release_range(&fa, 990, 50);
	assert_int_equal(fa.nfree, 10);
	frame_release_range(&fa, 2000, 5);
	frame_release_range(&fa, 0, 0);
	frame_release_range(&fa, 985, 10); /* half already free */
	assert_int_equal(fa.nfree, 15);
	frame_release_range(&fa, 5, UINT64_MAX);
	assert_int_equal(fa.nfree, NFRAMES - 5);
	frame_reserve_range(&fa, 0, 10);
	assert_int_equal(fa.nfree, NFRAMES - 10);
	frame_reserve_range(&fa, 995, 1000);
	assert_int_equal(fa.nfree, NFRAMES - 15);
	assert_false(frame_is_free(&fa, 9));
	assert_true(frame_is_free(&fa, 10));
	assert_true(frame_is_free(&fa, 994));
	assert_false(frame_is_free(&fa, 995));
	assert_false(frame_is_free(&fa, NFRAMES));
	assert_false(frame_is_free(&fa, UINT64_MAX));
}

static void test_alloc_free(void **state)
{
	frame_release_range(&fa, 100, 5);
	for (int64_t p = 100; p < 105; p++)
		assert_int_equal(frame_alloc(&fa), p);
	assert_int_equal(frame_alloc(&fa), -1);
	assert_int_equal(frame_free(&fa, 102), 0);
	assert_int_equal(frame_free(&fa, 102), -1); /* double free */
	assert_int_equal(fa.nfree, 1);
	assert_int_equal(frame_alloc(&fa), 102);
	assert_int_equal(frame_free(&fa, NFRAMES), -1);
	assert_int_equal(frame_free(&fa, UINT64_MAX), -1);
	assert_int_equal(fa.nfree, 0);
}

/* Low frames first, also after a free below the last allocation. */
static void test_lowest_first(void **state)
{
	frame_release_range(&fa, 0, NFRAMES);
	assert_int_equal(frame_alloc(&fa), 0);
	assert_int_equal(frame_alloc(&fa), 1);
	assert_int_equal(frame_alloc(&fa), 2);
	assert_int_equal(frame_free(&fa, 1), 0);
	assert_int_equal(frame_alloc(&fa), 1);
	assert_int_equal(frame_alloc(&fa), 3);
}

/* The bits past nframes in the last word must never be handed out. */
static void test_exhaustion_odd_size(void **state)
{
	uint64_t small[2];
	struct frame_allocator f;

	frame_init(&f, small, 70);
	frame_release_range(&f, 0, 1000);
	assert_int_equal(f.nfree, 70);
	for (int64_t p = 0; p < 70; p++)
		assert_int_equal(frame_alloc(&f), p);
	assert_int_equal(frame_alloc(&f), -1);
	assert_int_equal(frame_alloc_contig(&f, 1, 1), -1);
	assert_int_equal(f.nfree, 0);
}

static void test_zero_frames(void **state)
{
	struct frame_allocator f;

	frame_init(&f, NULL, 0);
	frame_release_range(&f, 0, 10);
	assert_int_equal(f.nfree, 0);
	assert_int_equal(frame_alloc(&f), -1);
	assert_int_equal(frame_alloc_contig(&f, 1, 1), -1);
	assert_int_equal(frame_free(&f, 0), -1);
	assert_false(frame_is_free(&f, 0));
}

static void test_contig(void **state)
{
	frame_release_range(&fa, 0, NFRAMES);
	assert_int_equal(frame_alloc_contig(&fa, 16, 16), 0);
	assert_int_equal(frame_alloc_contig(&fa, 16, 16), 16);
	frame_reserve_range(&fa, 35, 1);
	assert_int_equal(frame_alloc_contig(&fa, 8, 8), 40);
	assert_int_equal(frame_alloc(&fa), 32);
	/* Runs across word boundaries, unaligned. */
	assert_int_equal(frame_alloc_contig(&fa, 100, 1), 48);
	assert_int_equal(frame_alloc_contig(&fa, 2, 1), 33);
	assert_int_equal(frame_alloc_contig(&fa, 3, 1), 36);
	assert_int_equal(frame_alloc_contig(&fa, 2, 1), 148);
	assert_int_equal(frame_alloc_contig(&fa, 1, 512), 512);
	assert_int_equal(fa.nfree, NFRAMES - 16 - 16 - 1 - 8 - 1 - 100 - 2 - 3 - 2 - 1);
	for (uint64_t p = 0; p < 150; p++)
		assert_int_equal(frame_is_free(&fa, p), p == 39);
}

static void test_contig_refusals(void **state)
{
	frame_release_range(&fa, 0, NFRAMES);
	frame_reserve_range(&fa, 0, 1);
	assert_int_equal(frame_alloc_contig(&fa, 0, 1), -1);
	assert_int_equal(frame_alloc_contig(&fa, 1, 0), -1);
	assert_int_equal(frame_alloc_contig(&fa, 1, 3), -1);
	assert_int_equal(frame_alloc_contig(&fa, NFRAMES, 1), -1);
	assert_int_equal(frame_alloc_contig(&fa, UINT64_MAX, 1), -1);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1024), -1);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1ULL << 63), -1);
	assert_int_equal(frame_alloc_contig(&fa, NFRAMES - 1, 1), 1);
	assert_int_equal(fa.nfree, 0);
}

/* Every other frame free: plenty of memory, no run of two. */
static void test_contig_fragmented(void **state)
{
	for (uint64_t p = 0; p < NFRAMES; p += 2)
		frame_release_range(&fa, p, 1);
	assert_int_equal(frame_alloc_contig(&fa, 2, 1), -1);
	assert_int_equal(fa.nfree, NFRAMES / 2);
	assert_int_equal(frame_alloc_contig(&fa, 1, 4), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 4), 4);
	assert_int_equal(frame_alloc(&fa), 2);
}

static bool model[NFRAMES]; /* true when free */

static uint64_t model_free(void)
{
	uint64_t n = 0;

	for (int i = 0; i < NFRAMES; i++)
		n += model[i];
	return n;
}

/* The first aligned run of count free frames in the model, or -1. */
static int64_t model_contig(uint64_t count, uint64_t align)
{
	for (uint64_t s = 0; s + count <= NFRAMES; s += align) {
		uint64_t i = 0;

		while (i < count && model[s + i])
			i++;
		if (i == count)
			return (int64_t)s;
	}
	return -1;
}

static void random_step(void)
{
	uint64_t p = (uint64_t)rand() % NFRAMES, n = (uint64_t)rand() % 130;
	uint64_t align = 1ULL << (rand() % 7);
	int64_t got, want;

	switch (rand() % 6) {
	case 0:
		frame_release_range(&fa, p, n);
		for (uint64_t i = p; i < p + n && i < NFRAMES; i++)
			model[i] = true;
		break;
	case 1:
		frame_reserve_range(&fa, p, n / 4);
		for (uint64_t i = p; i < p + n / 4 && i < NFRAMES; i++)
			model[i] = false;
		break;
	case 2:
		got = frame_alloc(&fa);
		want = model_contig(1, 1);
		assert_int_equal(got, want);
		if (got >= 0)
			model[got] = false;
		break;
	case 3:
		assert_int_equal(frame_free(&fa, p), model[p] ? -1 : 0);
		model[p] = true;
		break;
	default:
		got = frame_alloc_contig(&fa, 1 + n / 8, align);
		want = model_contig(1 + n / 8, align);
		assert_int_equal(got, want);
		for (int64_t i = got; got >= 0 && i < got + 1 + (int64_t)(n / 8); i++)
			model[i] = false;
		break;
	}
}

static void test_random_against_model(void **state)
{
	srand(777);
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		random_step();
		assert_int_equal(fa.nfree, model_free());
	}
	for (uint64_t p = 0; p < NFRAMES; p++)
		assert_int_equal(frame_is_free(&fa, p), model[p]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bitmap_bytes),
	    cmocka_unit_test_setup(test_starts_used, setup),
	    cmocka_unit_test_setup(test_release_reserve_clip, setup),
	    cmocka_unit_test_setup(test_alloc_free, setup),
	    cmocka_unit_test_setup(test_lowest_first, setup),
	    cmocka_unit_test(test_exhaustion_odd_size),
	    cmocka_unit_test(test_zero_frames),
	    cmocka_unit_test_setup(test_contig, setup),
	    cmocka_unit_test_setup(test_contig_refusals, setup),
	    cmocka_unit_test_setup(test_contig_fragmented, setup),
	    cmocka_unit_test_setup(test_random_against_model, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
