/*
 * The Xen balloon (drivers/xen/balloon.c): the toolstack sets a memory
 * target in the store (memory/target, KiB) and this domain gives frames
 * back to Xen or takes them again to meet it.  Only frames it gave back
 * can be taken again: the memory map a guest booted with is all the RAM
 * the kernel knows how to use.  On PVH that map reaches maxmem and the
 * unpopulated part starts out ballooned, so the domain can grow up to
 * maxmem; on PV the map is the memory booted with, and the balloon never
 * grows the domain past that, whatever memory/static-max allows.
 */
#ifndef DRIVERS_XEN_BALLOON_H
#define DRIVERS_XEN_BALLOON_H
#include <amphi/types.h>

struct balloon_stats {
	uint64_t boot_pages;	   /* Xen's reservation when the balloon started */
	uint64_t map_pages;	   /* what the memory map's RAM can hold, in Xen's count */
	uint64_t current_pages;	   /* map_pages - ballooned_pages */
	uint64_t ballooned_pages;  /* given back and not yet taken again */
	uint64_t target_pages;	   /* what the worker is heading for */
	uint64_t static_max_pages; /* memory/static-max, or boot_pages */
	uint64_t min_pages;	   /* never below this */
	uint64_t errors;	   /* hypercalls that did less than asked */
	int64_t slack;		   /* Xen's count minus xl's (memory/target), in pages */
};

/* Starts the worker thread and the watch on memory/target in a Xen domU
 * with a store; says why when it cannot, and balloon_running() stays
 * false. */
void balloon_init(void);
bool balloon_running(void);
void balloon_get_stats(struct balloon_stats *s);
/* Sets the target as the toolstack would (KiB, as in memory/target); the
 * value is clamped, and a clamp is reported. */
void balloon_set_target_kib(uint64_t kib, const char *who);
/* The target, in KiB as memory/target has it, of the memory booted with. */
uint64_t balloon_base_kib(void);
/* Waits up to timeout_ns for the worker to meet its target: true when it
 * did, false when it gave up or the time ran out. */
bool balloon_wait_settled(uint64_t timeout_ns);
/* Xen took `pages` of this domain's RAM for frames of its own (a PVH
 * grant-table frame placed over a RAM page): the reservation is that much
 * smaller for good, and the balloon counts in Xen's pages.  Any context. */
void balloon_ram_taken(unsigned long pages);
/* Is this frame given back to Xen at the moment? */
bool balloon_is_out(uint64_t pfn);
/* One frame, taken from the allocator, made ready to go back to Xen:
 * cleared, and on PV unmapped with its P2M entry invalid.  The frame to
 * name in XENMEM_decrease_reservation (PV: the machine frame; PVH: pfn).
 * balloon_frame_restore undoes it for a frame Xen did not take: 0, or
 * an error when the frame cannot be mapped again.  The balloon's own
 * steps, open to its selftest. */
uint64_t balloon_frame_release(uint64_t pfn);
int balloon_frame_restore(uint64_t pfn, uint64_t frame);
/* Xen's count of this domain's pages (XENMEM_current_reservation), or a
 * negative errno. */
long balloon_xen_reservation(void);
/* Xen's limit on it (XENMEM_maximum_reservation), or a negative errno. */
long balloon_xen_max_reservation(void);


/* Across a suspend of the domain: no batch runs from the first to the
 * second (the P2M holds still for the saver). */
void balloon_suspend(void);
void balloon_resume(void);
#endif
