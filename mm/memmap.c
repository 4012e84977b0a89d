/* The physical memory map, in one form whatever the boot protocol.
 *
 * Firmware maps overlap, repeat themselves and arrive unsorted, so the map
 * is sanitized by cutting the address space at every entry boundary and
 * giving each elementary piece the highest type number of the entries that
 * cover it; pieces of equal type are then joined.  That is quadratic, but n
 * is at most MEMMAP_MAX, it needs no heap (this runs before there is one)
 * and it is easy to convince oneself it is right.  The working arrays live
 * on the stack: 2 * MEMMAP_MAX boundaries of 8 bytes plus a type byte per
 * piece, about 2.3 KiB. */
#include <amphi/memmap.h>

#define MEMMAP_FIRMWARE_MAX MEMMAP_UNUSABLE
#define MEMMAP_TYPE_MAX MEMMAP_UNPOPULATED
#define MAX_POINTS (2 * MEMMAP_MAX)

/* A firmware map's numbers above ours mean other things (7 is persistent
 * memory in ACPI's e820), so from a firmware only its own types are known. */
static bool type_known(uint32_t type, bool firmware)
{
	return type >= MEMMAP_RAM && type <= (firmware ? MEMMAP_FIRMWARE_MAX : MEMMAP_TYPE_MAX);
}

/* An entry must be non-empty and its exclusive end, base + len, must fit in
 * 64 bits.  The last byte of the address space cannot be described that
 * way, which no machine needs. */
static bool range_valid(uint64_t base, uint64_t len)
{
	return len != 0 && base + len > base;
}

static void put_entry(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	m->e[m->n].base = base;
	m->e[m->n].len = len;
	m->e[m->n].type = type;
	m->n++;
}

/* The checks memmap_add and memmap_mark share: 1 for an entry to drop,
 * -1 for one kept as reserved because its type is unknown, else 0. */
static int check_entry(struct memmap *m, uint64_t base, uint64_t len, uint32_t *type, bool firmware)
{
	if (!range_valid(base, len)) {
		m->dropped++;
		return 1;
	}
	if (!type_known(*type, firmware)) {
		*type = MEMMAP_RESERVED;
		return -1;
	}
	return 0;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	int ret = check_entry(m, base, len, &type, true);

	if (ret > 0)
		return -1;
	/* A full table may still have mergeable or overlapping entries;
	 * sanitizing early changes nothing the final sanitize would not. */
	if (m->n == MEMMAP_MAX)
		memmap_sanitize(m);
	if (m->n == MEMMAP_MAX) {
		m->dropped++;
		return -1;
	}
	put_entry(m, base, len, type);
	if (ret)
		m->dropped++;
	return ret;
}

static void sort_points(uint64_t *p, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t v = p[i];
		unsigned j = i;

		for (; j > 0 && p[j - 1] > v; j--)
			p[j] = p[j - 1];
		p[j] = v;
	}
}

/* Collects every entry's start and end, sorted and without duplicates;
 * invalid entries (only possible if written directly) are dropped. */
static unsigned collect_points(struct memmap *m, uint64_t *p)
{
	unsigned n = 0, out = 0;

	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];

		if (!range_valid(e->base, e->len)) {
			m->dropped++;
			continue;
		}
		p[n++] = e->base;
		p[n++] = e->base + e->len;
	}
	sort_points(p, n);
	for (unsigned i = 0; i < n; i++) {
		if (out == 0 || p[i] != p[out - 1])
			p[out++] = p[i];
	}
	return out;
}

/* The winning type of the piece [lo, hi), or 0 when nothing covers it.
 * Pieces never straddle an entry boundary, so testing lo is enough. */
static uint8_t piece_type(const struct memmap *m, uint64_t lo)
{
	uint32_t best = 0;

	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint32_t t = type_known(e->type, false) ? e->type : MEMMAP_RESERVED;

		if (range_valid(e->base, e->len) && lo >= e->base && lo - e->base < e->len &&
		    t > best)
			best = t;
	}
	return (uint8_t)best;
}

/* Rebuilds the table from the pieces, joining neighbours of one type.
 * There can be up to 2n - 1 pieces of different types; should they not
 * fit, the highest addresses are the ones counted as dropped. */
static void emit_pieces(struct memmap *m, const uint64_t *p, const uint8_t *type, unsigned npts)
{
	m->n = 0;
	for (unsigned i = 0; i + 1 < npts; i++) {
		struct memmap_entry *last = m->n ? &m->e[m->n - 1] : NULL;

		if (!type[i])
			continue;
		if (last && last->type == type[i] && last->base + last->len == p[i])
			last->len += p[i + 1] - p[i];
		else if (m->n < MEMMAP_MAX)
			put_entry(m, p[i], p[i + 1] - p[i], type[i]);
		else
			m->dropped++;
	}
}

void memmap_sanitize(struct memmap *m)
{
	uint64_t points[MAX_POINTS];
	uint8_t type[MAX_POINTS];
	unsigned npts;

	if (m->n > MEMMAP_MAX)
		m->n = MEMMAP_MAX;
	npts = collect_points(m, points);
	for (unsigned i = 0; i + 1 < npts; i++)
		type[i] = piece_type(m, points[i]);
	emit_pieces(m, points, type, npts);
}

/* After sanitizing, entries are sorted and disjoint, so cutting a hole
 * removes the entries inside it, trims those at its edges and splits at
 * most one that reaches past both ends.  Returns the number of entries the
 * table holds afterwards, without changing anything. */
static unsigned count_after_cut(const struct memmap *m, uint64_t lo, uint64_t hi)
{
	unsigned n = m->n;

	for (unsigned i = 0; i < m->n; i++) {
		uint64_t b = m->e[i].base, end = b + m->e[i].len;

		if (b >= lo && end <= hi)
			n--;
		else if (b < lo && end > hi)
			n++;
	}
	return n;
}

/* The caller has checked the room with count_after_cut.  The split entry
 * is appended before the compaction, but a split only happens when one
 * entry holds the whole hole, and then none is removed, so the table never
 * holds more than count_after_cut entries on the way either. */
static void cut_hole(struct memmap *m, uint64_t lo, uint64_t hi)
{
	unsigned n = m->n;

	for (unsigned i = 0; i < n; i++) {
		struct memmap_entry *e = &m->e[i];
		uint64_t b = e->base, end = b + e->len;

		if (end <= lo || b >= hi)
			continue;
		if (b < lo && end > hi)
			put_entry(m, hi, end - hi, e->type);
		if (b < lo) {
			e->len = lo - b;
		} else if (end > hi) {
			e->base = hi;
			e->len = end - hi;
		} else {
			e->len = 0; /* inside the hole: removed by the compaction */
		}
	}
	n = 0;
	for (unsigned i = 0; i < m->n; i++) {
		if (m->e[i].len)
			m->e[n++] = m->e[i];
	}
	m->n = n;
}

int memmap_mark(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	int ret = check_entry(m, base, len, &type, false);

	if (ret > 0)
		return -1;
	memmap_sanitize(m);
	if (count_after_cut(m, base, base + len) + 1 > MEMMAP_MAX) {
		m->dropped++;
		return -1;
	}
	cut_hole(m, base, base + len);
	put_entry(m, base, len, type);
	memmap_sanitize(m);
	if (ret)
		m->dropped++;
	return ret;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < m->n; i++) {
		if (m->e[i].type == type)
			sum += m->e[i].len;
	}
	return sum;
}

uint64_t memmap_end(const struct memmap *m, uint32_t type)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];

		if (e->type == type && e->base + e->len > end)
			end = e->base + e->len;
	}
	return end;
}

bool memmap_covers(const struct memmap *m, uint64_t base, uint64_t len, uint32_t types)
{
	uint64_t at = base, end = base + len;

	if (end < base)
		return false;
	for (unsigned i = 0; i < m->n && at < end; i++) {
		const struct memmap_entry *e = &m->e[i];

		if (e->base + e->len <= at)
			continue;
		if (e->base > at || e->type >= 32 || !(types & (1u << e->type)))
			return false;
		at = e->base + e->len;
	}
	return at >= end;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEMMAP_RAM:
		return "RAM";
	case MEMMAP_RESERVED:
		return "reserved";
	case MEMMAP_ACPI:
		return "ACPI";
	case MEMMAP_NVS:
		return "NVS";
	case MEMMAP_UNUSABLE:
		return "unusable";
	case MEMMAP_KERNEL:
		return "kernel";
	case MEMMAP_UNPOPULATED:
		return "unpopulated (balloon)";
	default:
		return "unknown";
	}
}
