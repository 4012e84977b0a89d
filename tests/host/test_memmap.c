/* Unit tests of mm/memmap.c.
 *
 * Hand-written maps cover the cases firmware is known to produce; on top of
 * that, random garbage maps are sanitized and compared with a brute-force
 * model that simply records the winning type of every address unit, so
 * the quadratic sweep is checked against something too simple to be
 * wrong. */
#include "amphi_test.h"

static struct memmap map;

static int reset(void **state)
{
	memset(&map, 0, sizeof(map));
	return 0;
}

static void expect_entry(unsigned i, uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(i < map.n);
	assert_int_equal(map.e[i].base, base);
	assert_int_equal(map.e[i].len, len);
	assert_int_equal(map.e[i].type, type);
}

static void test_add_and_errors(void **state)
{
	assert_int_equal(memmap_add(&map, 0x1000, 0x1000, MEMMAP_RAM), 0);
	assert_int_equal(memmap_add(&map, 0x5000, 0, MEMMAP_RAM), -1);
	assert_int_equal(memmap_add(&map, UINT64_MAX - 10, 20, MEMMAP_RAM), -1);
	/* An end of exactly 2^64 cannot be represented either. */
	assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0x1000, MEMMAP_RAM), -1);
	assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0xfff, MEMMAP_ACPI), 0);
	assert_int_equal(map.n, 2);
	assert_int_equal(map.dropped, 3);
	expect_entry(1, UINT64_MAX - 0xfff, 0xfff, MEMMAP_ACPI);
}

/* Unknown types are kept as reserved, but still counted and refused.  Our
 * own types are unknown to memmap_add: a firmware's 6 or 7 (persistent
 * memory) must not pass for kernel or unpopulated space. */
static void test_add_unknown_type(void **state)
{
	assert_int_equal(memmap_add(&map, 0x0, 0x1000, 0), -1);
	assert_int_equal(memmap_add(&map, 0x2000, 0x1000, MEMMAP_KERNEL), -1);
	assert_int_equal(memmap_add(&map, 0x4000, 0x1000, MEMMAP_UNPOPULATED), -1);
	assert_int_equal(memmap_add(&map, 0x6000, 0x1000, 0xffffffff), -1);
	assert_int_equal(map.n, 4);
	assert_int_equal(map.dropped, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(map.e[i].type, MEMMAP_RESERVED);
}

static void test_full_table(void **state)
{
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&map, i * 0x2000ULL, 0x1000, MEMMAP_RAM), 0);
	assert_int_equal(memmap_add(&map, 0x10000000, 0x1000, MEMMAP_RAM), -1);
	assert_int_equal(map.n, MEMMAP_MAX);
	assert_int_equal(map.dropped, 1);
}

/* A full table of mergeable entries makes room for itself. */
static void test_full_table_merges(void **state)
{
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&map, i * 0x1000ULL, 0x1000, MEMMAP_RAM), 0);
	assert_int_equal(memmap_add(&map, 0x10000000, 0x1000, MEMMAP_NVS), 0);
	assert_int_equal(map.dropped, 0);
	memmap_sanitize(&map);
	assert_int_equal(map.n, 2);
	expect_entry(0, 0, MEMMAP_MAX * 0x1000ULL, MEMMAP_RAM);
}

/* Roughly what QEMU's e820 looks like, given unsorted with overlaps. */
static void test_sanitize_typical(void **state)
{
	memmap_add(&map, 0x100000, 0x7ee0000, MEMMAP_RAM);
	memmap_add(&map, 0xfeffc000, 0x4000, MEMMAP_RESERVED);
	memmap_add(&map, 0x0, 0x9fc00, MEMMAP_RAM);
	memmap_add(&map, 0x9fc00, 0x400, MEMMAP_RESERVED);
	memmap_add(&map, 0xf0000, 0x10000, MEMMAP_RESERVED);
	memmap_add(&map, 0x7fe0000, 0x20000, MEMMAP_RESERVED);
	memmap_add(&map, 0x100000000ULL, 0x40000000, MEMMAP_RAM);
	memmap_add(&map, 0x100000, 0x1000, MEMMAP_RAM);	   /* duplicate inside */
	memmap_add(&map, 0x7fd0000, 0x20000, MEMMAP_ACPI); /* straddles */
	memmap_sanitize(&map);
	assert_int_equal(map.n, 8);
	expect_entry(0, 0x0, 0x9fc00, MEMMAP_RAM);
	expect_entry(1, 0x9fc00, 0x400, MEMMAP_RESERVED);
	expect_entry(2, 0xf0000, 0x10000, MEMMAP_RESERVED);
	expect_entry(3, 0x100000, 0x7ed0000, MEMMAP_RAM);
	expect_entry(4, 0x7fd0000, 0x20000, MEMMAP_ACPI);
	expect_entry(5, 0x7ff0000, 0x10000, MEMMAP_RESERVED);
	expect_entry(6, 0xfeffc000, 0x4000, MEMMAP_RESERVED);
	expect_entry(7, 0x100000000ULL, 0x40000000, MEMMAP_RAM);
	assert_int_equal(map.dropped, 0);
}

/* An entry as the kernel's own code puts one (a type only memmap_mark
 * takes) before the sanitizer runs. */
static void put_direct(uint64_t base, uint64_t len, uint32_t type)
{
	map.e[map.n++] = (struct memmap_entry){base, len, type};
}

static void test_sanitize_overlaps(void **state)
{
	memmap_add(&map, 0, 100, MEMMAP_RAM);
	put_direct(10, 10, MEMMAP_KERNEL); /* ours: never from memmap_add */
	memmap_add(&map, 10, 10, MEMMAP_RAM);
	memmap_add(&map, 15, 20, MEMMAP_UNUSABLE); /* partly under the kernel */
	memmap_add(&map, 100, 50, MEMMAP_RAM);	   /* adjacent: merges */
	memmap_add(&map, 150, 50, MEMMAP_NVS);	   /* adjacent, other type */
	memmap_add(&map, 300, 10, MEMMAP_NVS);	   /* a hole before it stays */
	memmap_sanitize(&map);
	assert_int_equal(map.n, 6);
	expect_entry(0, 0, 10, MEMMAP_RAM);
	expect_entry(1, 10, 10, MEMMAP_KERNEL);
	expect_entry(2, 20, 15, MEMMAP_UNUSABLE);
	expect_entry(3, 35, 115, MEMMAP_RAM);
	expect_entry(4, 150, 50, MEMMAP_NVS);
	expect_entry(5, 300, 10, MEMMAP_NVS);
	memmap_sanitize(&map); /* idempotent */
	assert_int_equal(map.n, 6);
	expect_entry(3, 35, 115, MEMMAP_RAM);
}

static void test_sanitize_empty_and_top(void **state)
{
	memmap_sanitize(&map);
	assert_int_equal(map.n, 0);
	memmap_add(&map, UINT64_MAX - 0x1fff, 0x1fff, MEMMAP_RAM);
	memmap_add(&map, UINT64_MAX - 0xfff, 0xfff, MEMMAP_RESERVED);
	memmap_sanitize(&map);
	assert_int_equal(map.n, 2);
	expect_entry(0, UINT64_MAX - 0x1fff, 0x1000, MEMMAP_RAM);
	expect_entry(1, UINT64_MAX - 0xfff, 0xfff, MEMMAP_RESERVED);
}

/* Entries written into the table directly skip memmap_add's checks; the
 * sanitizer still must not trust them. */
static void test_sanitize_direct_garbage(void **state)
{
	map.e[0] = (struct memmap_entry){0x1000, 0, MEMMAP_RAM};
	map.e[1] = (struct memmap_entry){UINT64_MAX, 2, MEMMAP_RAM};
	map.e[2] = (struct memmap_entry){0x2000, 0x1000, 42};
	map.e[3] = (struct memmap_entry){0x2800, 0x1000, MEMMAP_RAM};
	map.n = 4;
	memmap_sanitize(&map);
	assert_int_equal(map.dropped, 2);
	assert_int_equal(map.n, 2);
	expect_entry(0, 0x2000, 0x1000, MEMMAP_RESERVED);
	expect_entry(1, 0x3000, 0x800, MEMMAP_RAM);
}

/* One RAM entry cut by 127 reserved ones makes 255 pieces: what does not
 * fit is counted, and what is kept is the low part, still sorted. */
static void test_sanitize_too_many_pieces(void **state)
{
	memmap_add(&map, 0, 0x100000, MEMMAP_RAM);
	for (unsigned i = 0; i < MEMMAP_MAX - 1; i++)
		memmap_add(&map, 0x1000 + i * 0x2000ULL, 0x1000, MEMMAP_RESERVED);
	memmap_sanitize(&map);
	assert_int_equal(map.n, MEMMAP_MAX);
	assert_int_equal(map.dropped, 2 * MEMMAP_MAX - 1 - MEMMAP_MAX);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		expect_entry(i, i * 0x1000ULL, 0x1000, i % 2 ? MEMMAP_RESERVED : MEMMAP_RAM);
}

#define UNITS 200

/* The sanitized map is the per-unit model, run by run, nothing dropped. */
static void expect_model(const uint8_t *model)
{
	unsigned k = 0;

	for (unsigned u = 0; u < UNITS;) {
		unsigned end = u + 1;

		while (end < UNITS && model[end] == model[u])
			end++;
		if (model[u])
			expect_entry(k++, u * 16ULL, (end - u) * 16ULL, model[u]);
		u = end;
	}
	assert_int_equal(map.n, k);
	assert_int_equal(map.dropped, 0);
}

/* Sanitizes a random map and compares it with the per-unit model. */
static void random_round(unsigned n)
{
	uint8_t model[UNITS] = {0};

	reset(NULL);
	for (unsigned i = 0; i < n; i++) {
		unsigned base = (unsigned)rand() % UNITS, len = 1 + (unsigned)rand() % 40;
		uint32_t type = 1 + (unsigned)rand() % MEMMAP_UNPOPULATED;

		len = MIN(len, UNITS - base);
		if (type <= MEMMAP_UNUSABLE)
			assert_int_equal(memmap_add(&map, base * 16ULL, len * 16ULL, type), 0);
		else
			put_direct(base * 16ULL, len * 16ULL, type);
		for (unsigned u = base; u < base + len; u++)
			model[u] = (uint8_t)MAX(model[u], type);
	}
	memmap_sanitize(&map);
	expect_model(model);
}

static void test_sanitize_random(void **state)
{
	srand(12345);
	for (unsigned round = 0; round < 2000; round++)
		random_round(1 + round % 60);
}

/* The form memmap.h promises after a mark: sorted, disjoint, touching
 * neighbours of different types. */
static void expect_sanitized(void)
{
	for (unsigned i = 1; i < map.n; i++) {
		const struct memmap_entry *p = &map.e[i - 1], *e = &map.e[i];

		assert_true(p->base + p->len <= e->base);
		assert_true(p->base + p->len < e->base || p->type != e->type);
	}
}

/* Adds and marks in random order against the per-unit model: an add
 * raises a unit to its type if higher, a mark sets it whatever was there.
 * Marks into a sanitized table take the linear path, and those after an
 * add the sanitize first; both must end where the model does. */
static void random_mark_round(unsigned n)
{
	uint8_t model[UNITS] = {0};

	reset(NULL);
	for (unsigned i = 0; i < n; i++) {
		unsigned base = (unsigned)rand() % UNITS, len = 1 + (unsigned)rand() % 40;
		uint32_t type = 1 + (unsigned)rand() % MEMMAP_UNPOPULATED;
		bool mark = rand() % 2;

		len = MIN(len, UNITS - base);
		if (!mark && type > MEMMAP_UNUSABLE)
			type = MEMMAP_RAM;
		if (mark) {
			assert_int_equal(memmap_mark(&map, base * 16ULL, len * 16ULL, type), 0);
			expect_sanitized();
		} else {
			assert_int_equal(memmap_add(&map, base * 16ULL, len * 16ULL, type), 0);
		}
		for (unsigned u = base; u < base + len; u++)
			model[u] = mark ? (uint8_t)type : (uint8_t)MAX(model[u], type);
	}
	memmap_sanitize(&map);
	expect_model(model);
}

static void test_mark_random(void **state)
{
	srand(54321);
	for (unsigned round = 0; round < 2000; round++)
		random_mark_round(1 + round % 60);
}

static void test_mark(void **state)
{
	memmap_add(&map, 0, 0x9f000, MEMMAP_RAM);
	memmap_add(&map, 0x100000, 0x7f00000, MEMMAP_RAM);
	assert_int_equal(memmap_mark(&map, 0x200000, 0x300000, MEMMAP_KERNEL), 0);
	assert_int_equal(map.n, 4);
	expect_entry(1, 0x100000, 0x100000, MEMMAP_RAM);
	expect_entry(2, 0x200000, 0x300000, MEMMAP_KERNEL);
	expect_entry(3, 0x500000, 0x7b00000, MEMMAP_RAM);
	/* Marking replaces even a higher type, and fills holes. */
	assert_int_equal(memmap_mark(&map, 0x200000, 0x100000, MEMMAP_RAM), 0);
	expect_entry(1, 0x100000, 0x200000, MEMMAP_RAM);
	expect_entry(2, 0x300000, 0x200000, MEMMAP_KERNEL);
	assert_int_equal(memmap_mark(&map, 0x9f000, 0x61000, MEMMAP_RAM), 0);
	assert_int_equal(map.n, 3);
	expect_entry(0, 0, 0x300000, MEMMAP_RAM);
	/* Across several entries at once. */
	assert_int_equal(memmap_mark(&map, 0x1000, 0x8000000, MEMMAP_UNUSABLE), 0);
	assert_int_equal(map.n, 2);
	expect_entry(0, 0, 0x1000, MEMMAP_RAM);
	expect_entry(1, 0x1000, 0x8000000, MEMMAP_UNUSABLE);
	assert_int_equal(map.dropped, 0);
}

static void test_mark_errors(void **state)
{
	memmap_add(&map, 0, 0x10000, MEMMAP_RAM);
	assert_int_equal(memmap_mark(&map, 0x1000, 0, MEMMAP_KERNEL), -1);
	assert_int_equal(memmap_mark(&map, UINT64_MAX, 2, MEMMAP_KERNEL), -1);
	assert_int_equal(map.n, 1);
	assert_int_equal(map.dropped, 2);
	assert_int_equal(memmap_mark(&map, 0x1000, 0x1000, 99), -1);
	assert_int_equal(map.dropped, 3);
	assert_int_equal(map.n, 3);
	expect_entry(1, 0x1000, 0x1000, MEMMAP_RESERVED);
	/* Past the RAM, the way Xen PV setup marks room to grow into. */
	assert_int_equal(memmap_mark(&map, 0x10000, 0x8000, MEMMAP_UNPOPULATED), 0);
	assert_int_equal(map.n, 4);
	expect_entry(3, 0x10000, 0x8000, MEMMAP_UNPOPULATED);
	assert_int_equal(memmap_end(&map, MEMMAP_UNPOPULATED), 0x18000);
}

/* In a full table a mark that splits an entry cannot fit; one that covers
 * whole entries can. */
static void test_mark_full(void **state)
{
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		memmap_add(&map, i * 0x2000ULL, 0x1000, i % 2 ? MEMMAP_ACPI : MEMMAP_RAM);
	assert_int_equal(memmap_mark(&map, 0x100, 0x100, MEMMAP_KERNEL), -1);
	assert_int_equal(map.dropped, 1);
	assert_int_equal(map.n, MEMMAP_MAX);
	expect_entry(0, 0, 0x1000, MEMMAP_RAM);
	assert_int_equal(memmap_mark(&map, 0x0, 0x800, MEMMAP_KERNEL), -1);
	assert_int_equal(memmap_mark(&map, 0x0, 0x3000, MEMMAP_KERNEL), 0);
	assert_int_equal(map.n, MEMMAP_MAX - 1);
	expect_entry(0, 0, 0x3000, MEMMAP_KERNEL);
	/* One slot is free now: enough to trim, not to split. */
	assert_int_equal(memmap_mark(&map, 0x4100, 0x100, MEMMAP_KERNEL), -1);
	assert_int_equal(memmap_mark(&map, 0x4000, 0x100, MEMMAP_KERNEL), 0);
	assert_int_equal(map.n, MEMMAP_MAX);
	expect_entry(1, 0x4000, 0x100, MEMMAP_KERNEL);
	expect_entry(2, 0x4100, 0xf00, MEMMAP_RAM);
	assert_int_equal(map.dropped, 3);
}

/* A range across entries of allowed types in a row is covered; a hole,
 * a type not allowed, a range past the end or one that wraps is not. */
static void test_covers(void **state)
{
	uint32_t ram = MEMMAP_TYPE_BIT(MEMMAP_RAM), ok = ram | MEMMAP_TYPE_BIT(MEMMAP_KERNEL);

	memmap_add(&map, 0x100000, 0x100000, MEMMAP_RAM);
	memmap_add(&map, 0x300000, 0x100000, MEMMAP_RAM);
	memmap_add(&map, 0x400000, 0x1000, MEMMAP_RESERVED);
	memmap_mark(&map, 0x180000, 0x100000, MEMMAP_KERNEL); /* into the hole */
	assert_true(memmap_covers(&map, 0x100000, 0x100000, ok));
	assert_false(memmap_covers(&map, 0x100000, 0x100000, ram));
	assert_true(memmap_covers(&map, 0x100000, 0x180000, ok));
	assert_false(memmap_covers(&map, 0x100000, 0x180001, ok)); /* the hole at 0x280000 */
	assert_true(memmap_covers(&map, 0x300000, 0x100000, ram));
	assert_false(memmap_covers(&map, 0x300000, 0x100001, ok)); /* reserved after it */
	assert_false(memmap_covers(&map, 0x500000, 1, ok));
	assert_false(memmap_covers(&map, 0x10000, 0x100000, ok)); /* starts in no entry */
	assert_false(memmap_covers(&map, ~0ull - 1, 4, ok));
	assert_true(memmap_covers(&map, 0x123456, 0, ok)); /* nothing to cover */
}

static void test_total_end_names(void **state)
{
	memmap_add(&map, 0, 0x1000, MEMMAP_RAM);
	memmap_add(&map, 0x2000, 0x3000, MEMMAP_RAM);
	memmap_add(&map, 0x10000, 0x10, MEMMAP_ACPI);
	memmap_sanitize(&map);
	assert_int_equal(memmap_total(&map, MEMMAP_RAM), 0x4000);
	assert_int_equal(memmap_total(&map, MEMMAP_ACPI), 0x10);
	assert_int_equal(memmap_total(&map, MEMMAP_NVS), 0);
	assert_int_equal(memmap_end(&map, MEMMAP_RAM), 0x5000);
	assert_int_equal(memmap_end(&map, MEMMAP_ACPI), 0x10010);
	assert_int_equal(memmap_end(&map, MEMMAP_KERNEL), 0);
	assert_string_equal(memmap_type_name(MEMMAP_RAM), "RAM");
	assert_string_equal(memmap_type_name(MEMMAP_KERNEL), "kernel");
	assert_string_equal(memmap_type_name(MEMMAP_NVS), "NVS");
	assert_string_equal(memmap_type_name(0), "unknown");
	assert_string_equal(memmap_type_name(MEMMAP_UNPOPULATED), "unpopulated (balloon)");
	assert_string_equal(memmap_type_name(8), "unknown");
	assert_string_equal(memmap_type_name(UINT32_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_add_and_errors, reset),
	    cmocka_unit_test_setup(test_add_unknown_type, reset),
	    cmocka_unit_test_setup(test_full_table, reset),
	    cmocka_unit_test_setup(test_full_table_merges, reset),
	    cmocka_unit_test_setup(test_sanitize_typical, reset),
	    cmocka_unit_test_setup(test_sanitize_overlaps, reset),
	    cmocka_unit_test_setup(test_sanitize_empty_and_top, reset),
	    cmocka_unit_test_setup(test_sanitize_direct_garbage, reset),
	    cmocka_unit_test_setup(test_sanitize_too_many_pieces, reset),
	    cmocka_unit_test_setup(test_sanitize_random, reset),
	    cmocka_unit_test_setup(test_mark, reset),
	    cmocka_unit_test_setup(test_mark_errors, reset),
	    cmocka_unit_test_setup(test_mark_random, reset),
	    cmocka_unit_test_setup(test_mark_full, reset),
	    cmocka_unit_test_setup(test_covers, reset),
	    cmocka_unit_test_setup(test_total_end_names, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
