/* Fuzz target: the memory map (mm/memmap.c), which every boot protocol's
 * map goes through: firmware entries overlapping, repeated, empty,
 * wrapping, of unknown types, more than fit.
 *
 * The input is a list of 17-byte records: a byte whose low bit says
 * memmap_add (a firmware entry, as the boot protocols give them) or
 * memmap_mark (what the kernel marks over it) and whose other bits are
 * the type, then base and length.  Afterwards the map is sanitized and
 * must be what memmap.h promises: sorted, disjoint, no entry empty or
 * wrapping, every type a known one, neighbours of one type merged, and no
 * more entries than the table holds; and RAM may only be where some
 * record put it. */
#include "fuzz.h"
#include <amphi/memmap.h>

struct record {
	uint8_t op;
	uint64_t base, len;
} __attribute__((packed));

static struct memmap map;

static bool ram_given(const uint8_t *data, size_t size, uint64_t addr)
{
	bool ram = false;

	/* The last record covering addr decides for a mark; any add of RAM
	 * may have won an overlap only if nothing stronger covered it. */
	for (size_t off = 0; off + sizeof(struct record) <= size; off += sizeof(struct record)) {
		struct record r;

		memcpy(&r, data + off, sizeof(r));
		if (addr >= r.base && addr - r.base < r.len && (r.op >> 1) == MEMMAP_RAM)
			ram = true;
	}
	return ram;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&map, 0, sizeof(map));
	for (size_t off = 0; off + sizeof(struct record) <= size; off += sizeof(struct record)) {
		struct record r;

		memcpy(&r, data + off, sizeof(r));
		if (r.op & 1)
			memmap_mark(&map, r.base, r.len, r.op >> 1);
		else
			memmap_add(&map, r.base, r.len, r.op >> 1);
		FUZZ_CHECK(map.n <= MEMMAP_MAX);
	}
	memmap_sanitize(&map);
	FUZZ_CHECK(map.n <= MEMMAP_MAX);
	for (unsigned int i = 0; i < map.n; i++) {
		const struct memmap_entry *e = &map.e[i];

		FUZZ_CHECK(e->len && e->base + e->len > e->base);
		FUZZ_CHECK(e->type >= MEMMAP_RAM && e->type <= MEMMAP_UNPOPULATED);
		if (i) {
			const struct memmap_entry *p = &map.e[i - 1];

			FUZZ_CHECK(p->base + p->len <= e->base);
			FUZZ_CHECK(p->base + p->len < e->base || p->type != e->type);
		}
		if (e->type == MEMMAP_RAM)
			FUZZ_CHECK(ram_given(data, size, e->base) &&
				   ram_given(data, size, e->base + e->len - 1));
	}
	FUZZ_CHECK(memmap_total(&map, MEMMAP_RAM) <= memmap_end(&map, MEMMAP_RAM));
	return 0;
}
