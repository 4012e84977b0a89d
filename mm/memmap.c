/* The physical memory map, in one form whatever the boot protocol.
 *
 * Firmware maps overlap, repeat themselves and arrive unsorted, so the map
 * is sanitized by cutting the address space at every entry boundary and
 * giving each elementary piece the highest type number of the entries that
 * cover it; pieces of equal type are then joined.  The boundaries are
 * heapsorted and each entry walks the run of pieces it covers, so it is
 * quadratic only when entries pile on each other; n is at most MEMMAP_MAX,
 * it needs no heap (this runs before there is one) and it is easy to
 * convince oneself it is right.  A mark into a table already sanitized is
 * linear, with no sanitize: the kernel marks its own ranges one after
 * another, and the fuzzer thousands of times a second.  The working arrays
 * live on the stack: 2 * MEMMAP_MAX boundaries of 8 bytes plus a type byte per
 * piece, about 2.3 KiB. */
#include <amphi/memmap.h>
#include <amphi/string.h>

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

/* A table the sanitizer would leave as it is: no more entries than fit,
 * each valid and of a known type, sorted, disjoint, and no two neighbours
 * of one type touching.  Checking that is linear where sanitizing is not,
 * so a table already in that form is not sanitized again. */
static bool is_sanitized(const struct memmap *m)
{
	if (m->n > MEMMAP_MAX)
		return false;
	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		const struct memmap_entry *p = i ? e - 1 : NULL;

		if (!range_valid(e->base, e->len) || !type_known(e->type, false))
			return false;
		if (p && (p->base + p->len > e->base ||
			  (p->base + p->len == e->base && p->type == e->type)))
			return false;
	}
	return true;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	int ret = check_entry(m, base, len, &type, true);

	if (ret > 0)
		return -1;
	/* A full table may still have mergeable or overlapping entries;
	 * sanitizing early changes nothing the final sanitize would not. */
	if (m->n == MEMMAP_MAX && !is_sanitized(m))
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

/* Heapsort: no recursion and no heap, and n log n where the boundaries of
 * a full table made insertion sort's n squared the sanitizer's main cost. */
static void sift_down(uint64_t *p, unsigned root, unsigned n)
{
	for (unsigned child; (child = 2 * root + 1) < n; root = child) {
		uint64_t v = p[root];

		if (child + 1 < n && p[child + 1] > p[child])
			child++;
		if (v >= p[child])
			return;
		p[root] = p[child];
		p[child] = v;
	}
}

static void sort_points(uint64_t *p, unsigned n)
{
	for (unsigned i = n / 2; i-- > 0;)
		sift_down(p, i, n);
	for (unsigned end = n; end-- > 1;) {
		uint64_t v = p[0];

		p[0] = p[end];
		p[end] = v;
		sift_down(p, 0, end);
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

/* The index of v among the sorted points (it is one of them). */
static unsigned point_index(const uint64_t *p, unsigned npts, uint64_t v)
{
	unsigned lo = 0, hi = npts;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (p[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Gives every piece [p[k], p[k+1]) the winning type of the entries over
 * it, 0 where none is.  Pieces never straddle an entry boundary, so each
 * entry covers a run of whole pieces, found by its base's index. */
static void piece_types(const struct memmap *m, const uint64_t *p, unsigned npts, uint8_t *type)
{
	memset(type, 0, npts);
	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint8_t t = type_known(e->type, false) ? (uint8_t)e->type : MEMMAP_RESERVED;

		if (!range_valid(e->base, e->len))
			continue;
		for (unsigned k = point_index(p, npts, e->base); p[k] < e->base + e->len; k++)
			type[k] = t > type[k] ? t : type[k];
	}
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
	piece_types(m, points, npts, type);
	emit_pieces(m, points, type, npts);
}

/* Where a mark of [lo, hi) goes in a sanitized table: the entries
 * [first, last) overlap it; what sticks out of it on either side stays as
 * the pieces left and right (len 0 when there is none). */
struct mark_cut {
	unsigned first, last;
	struct memmap_entry left, right;
};

static struct mark_cut mark_cut(const struct memmap *m, uint64_t lo, uint64_t hi)
{
	struct mark_cut c = {0};
	unsigned i = 0;

	while (i < m->n && m->e[i].base + m->e[i].len <= lo)
		i++;
	c.first = i;
	while (i < m->n && m->e[i].base < hi)
		i++;
	c.last = i;
	if (c.first < c.last && m->e[c.first].base < lo) {
		c.left = m->e[c.first];
		c.left.len = lo - c.left.base;
	}
	if (c.first < c.last && m->e[c.last - 1].base + m->e[c.last - 1].len > hi) {
		c.right = m->e[c.last - 1];
		c.right.len = c.right.base + c.right.len - hi;
		c.right.base = hi;
	}
	return c;
}

/* The entries the table holds once the mark is in, before joining. */
static unsigned mark_count(const struct memmap *m, const struct mark_cut *c)
{
	return c->first + (c->left.len != 0) + 1 + (c->right.len != 0) + (m->n - c->last);
}

/* Replaces the overlapping entries by left, the mark and right, in order,
 * so the table stays sorted; the caller checked mark_count fits. */
static void mark_insert(struct memmap *m, const struct mark_cut *c, struct memmap_entry mark)
{
	unsigned at = c->first;
	unsigned keep = (c->left.len != 0) + 1 + (c->right.len != 0);

	memmove(&m->e[c->first + keep], &m->e[c->last], (m->n - c->last) * sizeof(m->e[0]));
	m->n = c->first + keep + (m->n - c->last);
	if (c->left.len)
		m->e[at++] = c->left;
	m->e[at++] = mark;
	if (c->right.len)
		m->e[at] = c->right;
}

/* Joins touching neighbours of one type, as the sanitizer would. */
static void join_neighbours(struct memmap *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n; i++) {
		struct memmap_entry *last = n ? &m->e[n - 1] : NULL;

		if (last && last->type == m->e[i].type && last->base + last->len == m->e[i].base)
			last->len += m->e[i].len;
		else
			m->e[n++] = m->e[i];
	}
	m->n = n;
}

/* Marking sanitizes first (when the table needs it), then cuts the range
 * into the sorted table in one linear pass: the result is what a sanitize
 * after appending the mark would give, since nothing else covers the
 * range any more, without the quadratic sweep for every mark. */
int memmap_mark(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	int ret = check_entry(m, base, len, &type, false);
	struct mark_cut c;

	if (ret > 0)
		return -1;
	if (!is_sanitized(m))
		memmap_sanitize(m);
	c = mark_cut(m, base, base + len);
	if (mark_count(m, &c) > MEMMAP_MAX) {
		m->dropped++;
		return -1;
	}
	mark_insert(m, &c, (struct memmap_entry){base, len, type});
	join_neighbours(m);
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
