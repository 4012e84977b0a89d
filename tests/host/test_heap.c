/* Unit tests of mm/heap.c.
 *
 * The heap manages an arena from the host's malloc, so the address
 * sanitizer notices any access outside it.  Every allocation is filled with
 * a pattern derived from its address and checked again before it is freed:
 * an allocator that hands out overlapping blocks, or writes its headers
 * into live ones, breaks a pattern. */
#include "amphi_test.h"

#define ARENA (64 * 1024)

static unsigned char *arena;
static struct heap heap;

static int setup(void **state)
{
	arena = aligned_alloc(4096, ARENA);
	assert_non_null(arena);
	heap_init(&heap);
	return 0;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

static unsigned char pattern(const void *p, size_t i)
{
	return (unsigned char)((uintptr_t)p >> 4 ^ i * 13);
}

static void fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = pattern(p, i);
}

static void verify(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(((const unsigned char *)p)[i], pattern(p, i));
}

static void *alloc_checked(size_t size, size_t align)
{
	unsigned char *p = heap_alloc(&heap, size, align);

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (align < 16 ? 16 : align), 0);
	assert_true(p >= arena && p + size <= arena + ARENA);
	fill(p, size);
	return p;
}

static void test_empty_heap(void **state)
{
	assert_null(heap_alloc(&heap, 1, 16));
	assert_int_equal(heap_largest_free(&heap), 0);
	assert_int_equal(heap_free(&heap, NULL), 0);
	heap_add_region(&heap, arena, 31);
	heap_add_region(&heap, arena + 1, 32);
	heap_add_region(&heap, arena, 0);
	assert_int_equal(heap.total, 0);
	assert_null(heap_alloc(&heap, 1, 16));
}

static void test_trim_region(void **state)
{
	heap_add_region(&heap, arena + 3, 1000);
	assert_int_equal(heap.total, 976); /* [16, 992) */
	assert_int_equal(heap_largest_free(&heap), 960);
	assert_null(heap_alloc(&heap, 16, 4096)); /* no such address in it */
	assert_ptr_equal(alloc_checked(960, 16), arena + 32);
	assert_null(heap_alloc(&heap, 1, 16));
	assert_int_equal(heap.in_use, 976);
}

static void test_bad_arguments(void **state)
{
	heap_add_region(&heap, arena, ARENA);
	assert_null(heap_alloc(&heap, 0, 16));
	assert_null(heap_alloc(&heap, 16, 48));
	assert_null(heap_alloc(&heap, 16, 3));
	assert_null(heap_alloc(&heap, SIZE_MAX, 16));
	assert_null(heap_alloc(&heap, SIZE_MAX - 20, 16));
	assert_null(heap_alloc(&heap, ARENA, 16));
	assert_null(heap_alloc(&heap, 16, (size_t)1 << 62));
	assert_null(heap_alloc(&heap, 16, (size_t)1 << 63));
	alloc_checked(8, 8);
	alloc_checked(8, 0);
	assert_int_equal(heap.nallocs, 2);
}

static void test_alignment(void **state)
{
	static const size_t aligns[] = {16, 32, 64, 128, 256, 4096, 8192};

	heap_add_region(&heap, arena + 16, ARENA - 16);
	for (size_t i = 0; i < ARRAY_SIZE(aligns); i++)
		alloc_checked(24 + i, aligns[i]);
	assert_int_equal(heap.nallocs, ARRAY_SIZE(aligns));
}

/* Whatever order blocks are freed in, the heap ends as one block again. */
static void test_coalescing(void **state)
{
	static const int orders[][4] = {
	    {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}, {1, 2, 0, 3},
	};
	size_t full;

	heap_add_region(&heap, arena, ARENA);
	full = heap_largest_free(&heap);
	assert_int_equal(full, ARENA - 16);
	for (size_t o = 0; o < ARRAY_SIZE(orders); o++) {
		void *p[4];

		for (int i = 0; i < 4; i++)
			p[i] = alloc_checked(100 * (size_t)(i + 1), 16 << i);
		for (int i = 0; i < 4; i++) {
			verify(p[orders[o][i]], 100 * (size_t)(orders[o][i] + 1));
			assert_int_equal(heap_free(&heap, p[orders[o][i]]), 0);
		}
		assert_int_equal(heap_largest_free(&heap), full);
		assert_int_equal(heap.in_use, 0);
		assert_int_equal(heap.nallocs, 0);
	}
}

static void test_bad_frees(void **state)
{
	unsigned char *a, *b;
	unsigned char copy[64] __attribute__((aligned(16)));

	heap_add_region(&heap, arena, ARENA);
	a = alloc_checked(64, 16);
	b = alloc_checked(64, 16);
	assert_int_equal(heap_free(&heap, a + 16), -1); /* inside a block */
	assert_int_equal(heap_free(&heap, a + 1), -1);	/* misaligned */
	assert_int_equal(heap_free(&heap, arena + 4096), -1);
	/* A copy of a valid header elsewhere does not pass. */
	memcpy(copy, a - 16, sizeof(copy));
	assert_int_equal(heap_free(&heap, copy + 16), -1);
	assert_int_equal(heap_free(&heap, a), 0);
	assert_int_equal(heap_free(&heap, a), -1);
	/* b merges into a's free block: its header is gone, not reusable. */
	assert_int_equal(heap_free(&heap, b), 0);
	assert_int_equal(heap_free(&heap, b), -1);
	assert_int_equal(heap_free(&heap, a), -1);
	assert_int_equal(heap.nallocs, 0);
}

/* A forged header that claims a live block over free memory is refused by
 * the overlap check even though its magic is right. */
static void test_free_overlapping_forgery(void **state)
{
	unsigned char *a, *gap;
	uint64_t *hdr;

	heap_add_region(&heap, arena, ARENA);
	a = alloc_checked(64, 16);
	gap = alloc_checked(64, 16);
	alloc_checked(8192, 16);
	assert_int_equal(heap_free(&heap, gap), 0);
	hdr = (uint64_t *)(a - 16);
	hdr[0] = 160; /* now claims the free block behind it as well */
	assert_int_equal(heap_free(&heap, a), -1);
	hdr[0] = 80;
	assert_int_equal(heap_free(&heap, a), 0);
	assert_int_equal(heap.nallocs, 1);
}

static void test_exhaustion(void **state)
{
	void *p[ARENA / 64 + 1];
	size_t n = 0;

	heap_add_region(&heap, arena, ARENA);
	while ((p[n] = heap_alloc(&heap, 48, 16)) != NULL) {
		fill(p[n], 48);
		n++;
	}
	assert_int_equal(n, ARENA / 64);
	assert_int_equal(heap.in_use, ARENA);
	assert_int_equal(heap_largest_free(&heap), 0);
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(heap_free(&heap, p[i]), 0);
	assert_int_equal(heap_largest_free(&heap), 48);
	assert_null(heap_alloc(&heap, 49, 16));
	for (size_t i = 1; i < n; i += 2) {
		verify(p[i], 48);
		assert_int_equal(heap_free(&heap, p[i]), 0);
	}
	assert_int_equal(heap_largest_free(&heap), ARENA - 16);
}

/* heap_largest_free is exact: that size fits, one byte more does not. */
static void test_largest_free_exact(void **state)
{
	size_t big;

	heap_add_region(&heap, arena, 1024);
	heap_add_region(&heap, arena + 2048, 4096);
	alloc_checked(100, 16);
	big = heap_largest_free(&heap);
	assert_int_equal(big, 4096 - 16);
	assert_null(heap_alloc(&heap, big + 1, 16));
	alloc_checked(big, 16);
	assert_int_equal(heap_largest_free(&heap), 1024 - 16 - 112 - 16);
}

static void test_regions(void **state)
{
	heap_add_region(&heap, arena + 512, 512);
	heap_add_region(&heap, arena, 512); /* touches: joins the first */
	assert_int_equal(heap_largest_free(&heap), 1024 - 16);
	heap_add_region(&heap, arena + 256, 1024); /* overlaps: ignored */
	assert_int_equal(heap.total, 1024);
	heap_add_region(&heap, arena + 4096, 4096);
	assert_int_equal(heap.total, 1024 + 4096);
	assert_null(heap_alloc(&heap, 5000, 16));
	assert_true((unsigned char *)alloc_checked(2000, 16) >= arena + 4096);
}

struct live {
	void *p;
	size_t size;
};

static void random_run(struct live *live, size_t slots)
{
	for (int step = 0; step < 20000; step++) {
		struct live *l = &live[(size_t)rand() % slots];

		if (l->p) {
			verify(l->p, l->size);
			assert_int_equal(heap_free(&heap, l->p), 0);
			l->p = NULL;
			continue;
		}
		l->size = 1 + (size_t)rand() % 700;
		l->p = heap_alloc(&heap, l->size, (size_t)16 << (rand() % 5));
		if (l->p) {
			assert_true((unsigned char *)l->p >= arena &&
				    (unsigned char *)l->p + l->size <= arena + ARENA);
			fill(l->p, l->size);
		}
	}
}

static void test_random(void **state)
{
	struct live live[64] = {{0}};

	srand(4242);
	heap_add_region(&heap, arena, ARENA);
	random_run(live, ARRAY_SIZE(live));
	for (size_t i = 0; i < ARRAY_SIZE(live); i++) {
		if (live[i].p) {
			verify(live[i].p, live[i].size);
			assert_int_equal(heap_free(&heap, live[i].p), 0);
		}
	}
	assert_int_equal(heap.nallocs, 0);
	assert_int_equal(heap.in_use, 0);
	assert_int_equal(heap_largest_free(&heap), ARENA - 16);
}

#define HEAP_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HEAP_TEST(test_empty_heap),
	    HEAP_TEST(test_trim_region),
	    HEAP_TEST(test_bad_arguments),
	    HEAP_TEST(test_alignment),
	    HEAP_TEST(test_coalescing),
	    HEAP_TEST(test_bad_frees),
	    HEAP_TEST(test_free_overlapping_forgery),
	    HEAP_TEST(test_exhaustion),
	    HEAP_TEST(test_largest_free_exact),
	    HEAP_TEST(test_regions),
	    HEAP_TEST(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
