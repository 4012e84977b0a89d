/* The physical frame allocator: one bit per 4 KiB frame, set when used.
 *
 * A bitmap costs 32 KiB per GiB of RAM, needs no memory of its own beyond
 * that, and makes refusing a double free trivial.  Searches go a 64-bit
 * word at a time.  The hint is kept as a lower bound of the lowest free
 * frame (every frame below it is in use), so allocation is first-fit and
 * low memory is handed out first while repeated allocations do not rescan
 * the used prefix of the bitmap. */
#include <amphi/frame.h>

#define BITS 64

static uint64_t popcount(uint64_t x)
{
	/* Counted by hand: the compiler's builtin may become a libgcc call. */
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* The bits [from, to) of one word, where 0 <= from < to <= 64. */
static uint64_t bit_mask(unsigned from, unsigned to)
{
	uint64_t high = to == BITS ? ~0ULL : (1ULL << to) - 1;

	return high & ~((1ULL << from) - 1);
}

size_t frame_bitmap_bytes(uint64_t nframes)
{
	return (size_t)((nframes + BITS - 1) / BITS) * sizeof(uint64_t);
}

void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nframes)
{
	uint64_t words = (nframes + BITS - 1) / BITS;

	fa->bitmap = bitmap;
	fa->nframes = nframes;
	fa->nfree = 0;
	fa->hint = 0;
	/* The bits past nframes in the last word are set too, and since
	 * every range is clipped to nframes they stay set. */
	for (uint64_t i = 0; i < words; i++)
		bitmap[i] = ~0ULL;
}

/* Sets or clears the bits of [pfn, pfn + count), already clipped; returns
 * how many bits actually changed. */
static uint64_t change_bits(struct frame_allocator *fa, uint64_t pfn, uint64_t count, bool used)
{
	uint64_t changed = 0;

	while (count) {
		uint64_t *w = &fa->bitmap[pfn / BITS];
		unsigned from = pfn % BITS;
		unsigned to = count < BITS - from ? from + (unsigned)count : BITS;
		uint64_t mask = bit_mask(from, to);
		uint64_t old = *w;

		*w = used ? old | mask : old & ~mask;
		changed += popcount(old ^ *w);
		pfn += to - from;
		count -= to - from;
	}
	return changed;
}

static uint64_t clip(const struct frame_allocator *fa, uint64_t pfn, uint64_t count)
{
	if (pfn >= fa->nframes)
		return 0;
	return count < fa->nframes - pfn ? count : fa->nframes - pfn;
}

void frame_release_range(struct frame_allocator *fa, uint64_t pfn, uint64_t count)
{
	count = clip(fa, pfn, count);
	if (!count)
		return;
	fa->nfree += change_bits(fa, pfn, count, false);
	if (pfn < fa->hint)
		fa->hint = pfn;
}

void frame_reserve_range(struct frame_allocator *fa, uint64_t pfn, uint64_t count)
{
	count = clip(fa, pfn, count);
	fa->nfree -= change_bits(fa, pfn, count, true);
}

/* The first frame in [from, to) whose bit equals `used`, or `to`.  The
 * word is inverted when looking for a free frame, so both searches are a
 * search for a set bit. */
static uint64_t find_bit(const struct frame_allocator *fa, uint64_t from, uint64_t to, bool used)
{
	while (from < to) {
		uint64_t w = fa->bitmap[from / BITS];

		w = (used ? w : ~w) & ~((1ULL << (from % BITS)) - 1);
		if (w) {
			uint64_t pfn = from - from % BITS + (uint64_t)__builtin_ctzll(w);

			return pfn < to ? pfn : to;
		}
		from = from - from % BITS + BITS;
	}
	return to;
}

int64_t frame_alloc(struct frame_allocator *fa)
{
	uint64_t pfn;

	if (!fa->nfree)
		return -1;
	pfn = find_bit(fa, fa->hint, fa->nframes, false);
	if (pfn == fa->nframes)
		return -1;
	fa->bitmap[pfn / BITS] |= 1ULL << (pfn % BITS);
	fa->nfree--;
	fa->hint = pfn + 1;
	return (int64_t)pfn;
}

/* Rounds up to a power of two; a result that would wrap becomes the
 * largest number, which is past any run. */
static uint64_t align_up(uint64_t x, uint64_t align)
{
	uint64_t r = (x + align - 1) & ~(align - 1);

	return r < x ? UINT64_MAX : r;
}

/* Tries aligned starts from low to high.  When a candidate run contains a
 * used frame, the next candidate is the first free aligned frame past it,
 * so the bitmap is walked about once whatever the alignment. */
int64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align)
{
	uint64_t start = fa->hint, used;

	if (!count || !align || (align & (align - 1)) || count > fa->nfree)
		return -1;
	while (start <= fa->nframes - count) {
		start = align_up(find_bit(fa, start, fa->nframes, false), align);
		if (start > fa->nframes - count)
			break;
		used = find_bit(fa, start, start + count, true);
		if (used == start + count) {
			change_bits(fa, start, count, true);
			fa->nfree -= count;
			if (start == fa->hint)
				fa->hint = start + count;
			return (int64_t)start;
		}
		start = used + 1;
	}
	return -1;
}

int frame_free(struct frame_allocator *fa, uint64_t pfn)
{
	uint64_t bit;

	if (pfn >= fa->nframes)
		return -1;
	bit = 1ULL << (pfn % BITS);
	if (!(fa->bitmap[pfn / BITS] & bit))
		return -1;
	fa->bitmap[pfn / BITS] &= ~bit;
	fa->nfree++;
	if (pfn < fa->hint)
		fa->hint = pfn;
	return 0;
}

bool frame_is_free(const struct frame_allocator *fa, uint64_t pfn)
{
	return pfn < fa->nframes && !(fa->bitmap[pfn / BITS] & (1ULL << (pfn % BITS)));
}
