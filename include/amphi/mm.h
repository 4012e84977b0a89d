/* Memory: the boot memory map, the frame allocator and the heap (mm/mm.c). */
#ifndef AMPHI_MM_H
#define AMPHI_MM_H
#include <amphi/boot.h>
#include <amphi/frame.h>
#include <amphi/heap.h>
#include <asm/page.h>

extern struct frame_allocator frames;
extern struct heap kheap;

void mm_init(struct boot_info *bi);
/* Gives the boot module's whole pages to the frame allocator once it has
 * been unpacked (the partial pages at its ends stay reserved: they may
 * be shared); its len becomes 0.  Returns the frames given. */
uint64_t mm_release_module(struct boot_info *bi);
/* Prints the memory map, the frame counts and the heap's figures. */
void mm_show(void);
/* Paging extends what is mapped once it knows (Xen PV maps the rest of RAM). */
void mm_set_mapped_limit(uint64_t limit);
/* A free physical frame (its pfn), or -1; and back.  Safe from any
 * thread and from interrupt handlers: the allocator is shared by all. */
int64_t mm_frame_alloc(void);
/* count frames in a row, the first a multiple of align; -1 when none. */
int64_t mm_frames_alloc_contig(uint64_t count, uint64_t align);
void mm_frames_free_range(uint64_t pfn, uint64_t count);
/* Takes this one frame out of the allocator if it is free: false if not. */
bool mm_frame_claim(uint64_t pfn);
int mm_frame_free(uint64_t pfn);
/* One page of RAM the kernel can use at once (mapped, not zeroed): its
 * address, or NULL.  mm_page_free gives it back. */
void *mm_page_alloc(void);
/* The same, cleared: for every page another domain, a device or the CPU's
 * page walker will read, so that nothing the frame held before shows. */
void *mm_page_alloc_zeroed(void);
void mm_page_free(void *page);
/* Is [pa, pa+len) in the direct map (at __va(pa))? */
bool mm_is_mapped(uint64_t pa, uint64_t len);
/* A page of RAM below 1 MiB (never page 0), which the frame allocator
 * leaves alone, marked as the kernel's in the memory map: for the real-mode
 * code other CPUs start in.  0 when there is none. */
uint64_t mm_reserve_low_page(void);
/* Maps device memory (uncached) and returns its virtual address, the
 * direct map's __va(pa); NULL when it cannot be mapped. */
void *ioremap(uint64_t pa, size_t size);
void *kmalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);
void kfree(void *p);

#endif
