/* The kernel heap: first fit over an address-ordered free list.
 *
 * Keeping free blocks in address order makes coalescing a look at the two
 * neighbours of the freed block, and lets a free check that the block does
 * not overlap free memory.  Every block starts with a 16-byte header: its
 * size and a magic number mixed with its own address, so a header copied
 * elsewhere or a pointer into the middle of an allocation does not pass
 * for a live block.  A header that stops being one (merged into a
 * neighbour) has its magic wiped, which is what makes a second free of the
 * same pointer fail.  Sizes are multiples of 16 and payloads 16-aligned. */
#include <amphi/heap.h>

struct heap_block {
	size_t size;		 /* the whole block, header included */
	uintptr_t magic;	 /* MAGIC_* ^ the block's address */
	struct heap_block *next; /* free blocks only; payload of used ones */
};

#define HDR 16	     /* bytes before the payload */
#define MIN_BLOCK 32 /* room for a free block's header and link */
#define GRAIN 16     /* every size and address is a multiple of this */
#define MAGIC_USED ((uintptr_t)0xa110c8edb10c0000ULL)
#define MAGIC_FREE ((uintptr_t)0xf4eeb10c4f4eeULL)

_Static_assert(offsetof(struct heap_block, next) == HDR, "a used header is size and magic");
_Static_assert(sizeof(struct heap_block) <= MIN_BLOCK, "a free block holds its header");

static uintptr_t addr(const void *p)
{
	return (uintptr_t)p;
}

static uintptr_t block_end(const struct heap_block *b)
{
	return addr(b) + b->size;
}

static void make_free(struct heap_block *b, size_t size, struct heap_block *next)
{
	b->size = size;
	b->magic = MAGIC_FREE ^ addr(b);
	b->next = next;
}

void heap_init(struct heap *h)
{
	h->free_list = NULL;
	h->total = 0;
	h->in_use = 0;
	h->nallocs = 0;
}

/* The link that points at the first free block at or above a. */
static struct heap_block **find_link(struct heap *h, uintptr_t a, struct heap_block **prev)
{
	struct heap_block **link = &h->free_list;

	*prev = NULL;
	while (*link && addr(*link) < a) {
		*prev = *link;
		link = &(*link)->next;
	}
	return link;
}

/* Inserts the free block b at *link, after prev, joining it with either
 * neighbour it touches. */
static void insert_free(struct heap_block **link, struct heap_block *prev, struct heap_block *b)
{
	struct heap_block *next = *link;

	b->next = next;
	*link = b;
	if (next && block_end(b) == addr(next)) {
		b->size += next->size;
		b->next = next->next;
		next->magic = 0;
	}
	if (prev && block_end(prev) == addr(b)) {
		prev->size += b->size;
		prev->next = b->next;
		b->magic = 0;
	}
}

/* Does [a, end) overlap the free neighbours prev or next? */
static bool overlaps(const struct heap_block *prev, const struct heap_block *next, uintptr_t a,
		     uintptr_t end)
{
	return (prev && block_end(prev) > a) || (next && addr(next) < end);
}

/* Regions that overlap free memory already in the heap are ignored: adding
 * the same memory twice would hand it out twice. */
void heap_add_region(struct heap *h, void *base, size_t size)
{
	uintptr_t lo = ALIGN_UP(addr(base), (uintptr_t)GRAIN);
	uintptr_t hi = addr(base) + size < addr(base) ? UINTPTR_MAX : addr(base) + size;
	struct heap_block *prev, **link, *b;

	hi = ALIGN_DOWN(hi, (uintptr_t)GRAIN);
	if (lo < addr(base) || hi <= lo || hi - lo < MIN_BLOCK)
		return;
	link = find_link(h, lo, &prev);
	if (overlaps(prev, *link, lo, hi))
		return;
	b = (struct heap_block *)lo;
	make_free(b, hi - lo, NULL);
	h->total += hi - lo;
	insert_free(link, prev, b);
}

/* Where in block b the header of an allocation of `need` bytes (header
 * included) with its payload aligned to `align` can go; 0 if nowhere.  A
 * gap left in front must be large enough to remain a free block. */
static uintptr_t fit(const struct heap_block *b, size_t need, size_t align)
{
	uintptr_t start = addr(b), end = block_end(b);
	uintptr_t hdr = ALIGN_UP(start + HDR, (uintptr_t)align) - HDR;

	if (hdr != start && hdr - start < MIN_BLOCK)
		hdr = ALIGN_UP(start + MIN_BLOCK + HDR, (uintptr_t)align) - HDR;
	if (hdr < start || hdr >= end || end - hdr < need)
		return 0;
	return hdr;
}

/* Turns [hdr, hdr + need) of the free block b, found at *link, into an
 * allocation.  What is left in front stays b; what is left behind becomes
 * a new free block unless it is too small, in which case the allocation
 * keeps it. */
static void *carve(struct heap *h, struct heap_block **link, struct heap_block *b, uintptr_t hdr,
		   size_t need)
{
	struct heap_block *next = b->next, *used = (struct heap_block *)hdr;
	size_t size = block_end(b) - hdr;

	if (size - need >= MIN_BLOCK) {
		struct heap_block *tail = (struct heap_block *)(hdr + need);

		make_free(tail, size - need, next);
		next = tail;
		size = need;
	}
	if (hdr == addr(b)) {
		*link = next;
	} else {
		b->size = hdr - addr(b);
		b->next = next;
	}
	used->size = size;
	used->magic = MAGIC_USED ^ hdr;
	h->in_use += size;
	h->nallocs++;
	return (void *)(hdr + HDR);
}

/* An alignment that is not a power of two is a caller's mistake and is
 * refused; 0 and powers of two below 16 are granted as 16, which every
 * payload has anyway. */
void *heap_alloc(struct heap *h, size_t size, size_t align)
{
	struct heap_block **link;
	size_t need;

	if (!size || size > SIZE_MAX / 2 || (align & (align - 1)))
		return NULL;
	if (align < GRAIN)
		align = GRAIN;
	need = ALIGN_UP(size, (size_t)GRAIN) + HDR;
	for (link = &h->free_list; *link; link = &(*link)->next) {
		uintptr_t hdr = fit(*link, need, align);

		if (hdr)
			return carve(h, link, *link, hdr, need);
	}
	return NULL;
}

static bool is_live_block(const struct heap *h, const struct heap_block *b)
{
	return b->magic == (MAGIC_USED ^ addr(b)) && b->size >= MIN_BLOCK && b->size % GRAIN == 0 &&
	       b->size <= h->in_use && block_end(b) > addr(b);
}

/* Freeing NULL does nothing and succeeds, as free() does. */
int heap_free(struct heap *h, void *p)
{
	struct heap_block *b, *prev, **link;

	if (!p)
		return 0;
	if (addr(p) % GRAIN || addr(p) < HDR)
		return -1;
	b = (struct heap_block *)(addr(p) - HDR);
	if (!is_live_block(h, b))
		return -1;
	link = find_link(h, addr(b), &prev);
	if (overlaps(prev, *link, addr(b), block_end(b)))
		return -1;
	h->in_use -= b->size;
	h->nallocs--;
	b->magic = MAGIC_FREE ^ addr(b);
	insert_free(link, prev, b);
	return 0;
}

size_t heap_largest_free(const struct heap *h)
{
	size_t best = 0;

	for (const struct heap_block *b = h->free_list; b; b = b->next) {
		if (b->size - HDR > best)
			best = b->size - HDR;
	}
	return best;
}
