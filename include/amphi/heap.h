/* A kernel heap (mm/heap.c, pure code): first-fit over a list of free blocks
 * kept in address order and coalesced on free.  Regions are handed to it by
 * the caller; each block carries a header with its size and a magic number,
 * so a free of a bad or already freed pointer is detected and refused. */
#ifndef AMPHI_HEAP_H
#define AMPHI_HEAP_H
#include <amphi/types.h>

struct heap_block;

struct heap {
	struct heap_block *free_list;
	size_t total;	/* bytes handed in through heap_add_region */
	size_t in_use;	/* bytes of live allocations, headers included */
	size_t nallocs; /* live allocations */
};

void heap_init(struct heap *h);
/* Adds [base, base+size) to the heap; tiny or misaligned edges are trimmed. */
void heap_add_region(struct heap *h, void *base, size_t size);
/* Memory aligned to `align` (a power of two, at least 16); NULL when no
 * block fits or size is 0. */
void *heap_alloc(struct heap *h, size_t size, size_t align);
/* 0, or -1 for a pointer the heap did not hand out (or a double free). */
int heap_free(struct heap *h, void *p);
/* Largest block heap_alloc could return now. */
size_t heap_largest_free(const struct heap *h);

#endif
