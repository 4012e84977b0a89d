/* The physical memory map (mm/memmap.c, pure code).  Every boot protocol's
 * map (multiboot2, PVH, XENMEM_memory_map, PV start_info) is converted into
 * this one form, then sanitized: sorted, overlaps resolved in favour of the
 * more restrictive type (as Linux does for e820), neighbours of one type
 * merged. */
#ifndef AMPHI_MEMMAP_H
#define AMPHI_MEMMAP_H
#include <amphi/types.h>

enum memmap_type {
	MEMMAP_RAM = 1, /* the e820 numbering */
	MEMMAP_RESERVED = 2,
	MEMMAP_ACPI = 3,
	MEMMAP_NVS = 4,
	MEMMAP_UNUSABLE = 5,
	/* The firmware's types end here; those below are ours, only ever
	 * given through memmap_mark. */
	MEMMAP_KERNEL = 6, /* RAM holding the kernel image and boot data */
	/* Guest-physical space a Xen domain may be given memory in later (up
	 * to its maximum reservation): no frame behind it at boot, so not
	 * handed out; the balloon grows into it. */
	MEMMAP_UNPOPULATED = 7,
};

#define MEMMAP_MAX 128

struct memmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct memmap {
	struct memmap_entry e[MEMMAP_MAX];
	unsigned n;
	unsigned dropped; /* entries that did not fit or were invalid */
};

/* Adds an entry of a firmware type (RAM to unusable, the e820 numbering);
 * an empty or wrapping entry, any other type (mapped to MEMMAP_RESERVED
 * first, so nothing is lost) or a full table counts in ->dropped and
 * returns -1. */
int memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type);
/* Sorts, resolves overlaps (higher type number wins), merges neighbours. */
void memmap_sanitize(struct memmap *m);
/* Marks [base, base+len) as `type` (any type, ours too) over whatever was
 * there, then sanitizes. */
int memmap_mark(struct memmap *m, uint64_t base, uint64_t len, uint32_t type);
uint64_t memmap_total(const struct memmap *m, uint32_t type);
/* One past the highest byte of `type`, 0 if none. */
uint64_t memmap_end(const struct memmap *m, uint32_t type);
/* Is every byte of [base, base+len) in an entry whose type is in the
 * mask (bit 1 << type)?  The map must be sanitized (sorted, disjoint). */
bool memmap_covers(const struct memmap *m, uint64_t base, uint64_t len, uint32_t types);
#define MEMMAP_TYPE_BIT(t) (1u << (t))
const char *memmap_type_name(uint32_t type);

#endif
