/* Physical frame allocator (mm/frame.c, pure code): a bitmap, one bit per
 * 4 KiB frame, set when the frame is in use.  Frames start out used; the
 * memory map's RAM is then freed into it.  A free of a frame that is
 * already free, or out of range, is refused, not absorbed. */
#ifndef AMPHI_FRAME_H
#define AMPHI_FRAME_H
#include <amphi/types.h>

struct frame_allocator {
	uint64_t *bitmap; /* nframes bits, caller-provided storage */
	uint64_t nframes;
	uint64_t nfree;
	uint64_t hint; /* where the next search starts */
};

/* Bytes of bitmap storage needed for nframes frames (a multiple of 8). */
size_t frame_bitmap_bytes(uint64_t nframes);
void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nframes);
/* Mark a range free or used; ranges past nframes are clipped. */
void frame_release_range(struct frame_allocator *fa, uint64_t pfn, uint64_t count);
void frame_reserve_range(struct frame_allocator *fa, uint64_t pfn, uint64_t count);
/* Returns a pfn, or -1 when none is free. */
int64_t frame_alloc(struct frame_allocator *fa);
/* `count` contiguous frames, the first aligned to `align` frames (a power of
 * two); -1 when there is no such run. */
int64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align);
/* 0, or -1 when pfn is out of range or already free. */
int frame_free(struct frame_allocator *fa, uint64_t pfn);
bool frame_is_free(const struct frame_allocator *fa, uint64_t pfn);

#endif
