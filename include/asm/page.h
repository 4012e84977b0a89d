/*
 * Where the kernel lives: the upper half, so that the whole lower half
 * (0 .. USER_TOP) is user space and a non-PIE program linked at 0x400000
 * (any `gcc -static` one) runs unmodified.
 *
 * One alias for everything: virtual = physical + PAGE_OFFSET, for the
 * kernel image (linked at PAGE_OFFSET + 1 MiB, loaded at 1 MiB) and for
 * all of RAM (the direct map), so that converting between a kernel
 * pointer and a (pseudo-)physical address is a constant offset both ways.
 * PAGE_OFFSET is Linux's direct map, L4 slot 273: Xen PV keeps slots
 * 256-271 for itself, and a PV domain's initial mapping at VIRT_BASE is
 * then exactly this direct map.  The kernel is compiled -fpie (everything
 * RIP-relative) so that it can sit there, below the top 2 GiB that
 * -mcmodel=kernel would need, and still map more than 2 GiB of RAM.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#define PAGE_OFFSET 0xffff888000000000

#ifndef __ASSEMBLY__
#include <amphi/types.h>

/* The physical address of a kernel pointer (image or direct map). */
static inline uint64_t __pa(const volatile void *va)
{
	return (uint64_t)(uintptr_t)va - PAGE_OFFSET;
}

/* The direct map's pointer to a physical address. */
static inline void *__va(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + PAGE_OFFSET);
}

static inline uint64_t virt_to_pfn(const volatile void *va)
{
	return __pa(va) >> PAGE_SHIFT;
}

static inline void *pfn_to_virt(uint64_t pfn)
{
	return __va(pfn << PAGE_SHIFT);
}
#endif

#endif
