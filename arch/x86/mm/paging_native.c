/*
 * The kernel's own page tables on bare hardware and PVH (where paging is
 * native).  The boot tables from head32.S map 4 GiB read-write-execute at
 * PAGE_OFFSET; these replace them with, all in the upper half (the lower
 * half, user space, maps nothing here):
 *   - the kernel image W^X: text read-only and executable, rodata
 *     read-only and not executable, data and BSS writable and not
 *     executable (the image is part of the direct map: these are its
 *     frames' only mapping);
 *   - the direct map's page 0 unmapped;
 *   - everything else below 4 GiB in the direct map, not executable: RAM,
 *     ACPI and NVS write-back, the rest (reserved ranges, holes where PCI
 *     devices and the LAPIC live) uncached;
 *   - RAM above 4 GiB, write-back, in the direct map too.
 * ioremap then has nothing to do below 4 GiB, and above it maps device
 * memory at its direct-map address, uncached.
 */
#include <asm/pgtable.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)
#define FOUR_GIB (4ULL << 30)

static bool cacheable(uint32_t type)
{
	return type == MEMMAP_RAM || type == MEMMAP_KERNEL || type == MEMMAP_ACPI ||
	       type == MEMMAP_NVS;
}

static int map_low(pteval_t *root, const struct memmap *m)
{
	uint64_t cursor = 0;

	for (unsigned i = 0; i < m->n && cursor < FOUR_GIB; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t end = MIN(e->base + e->len, FOUR_GIB);
		uint64_t base = ALIGN_DOWN(MAX(e->base, cursor), PAGE_SIZE);

		if (base >= end)
			continue;
		if (base > cursor && pgtable_map_range(root, (uintptr_t)__va(cursor), cursor,
						       base - cursor, PAGE_KERNEL_IO))
			return -1;
		end = ALIGN_UP(end, PAGE_SIZE);
		pteval_t flags = cacheable(e->type) ? PAGE_KERNEL_RW : PAGE_KERNEL_IO;
		if (pgtable_map_range(root, (uintptr_t)__va(base), base, end - base, flags))
			return -1;
		cursor = end;
	}
	if (cursor < FOUR_GIB)
		return pgtable_map_range(root, (uintptr_t)__va(cursor), cursor, FOUR_GIB - cursor,
					 PAGE_KERNEL_IO);
	return 0;
}

static int map_high_ram(pteval_t *root, const struct memmap *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t base = MAX(ALIGN_UP(e->base, PAGE_SIZE), FOUR_GIB);
		uint64_t end = ALIGN_DOWN(e->base + e->len, PAGE_SIZE);

		if (e->type == MEMMAP_RAM && end > base &&
		    pgtable_map_range(root, (uintptr_t)__va(base), base, end - base,
				      PAGE_KERNEL_RW))
			return -1;
	}
	return 0;
}

static int map_section(pteval_t *root, const void *start, const void *end, pteval_t flags)
{
	uintptr_t s = ALIGN_DOWN((uintptr_t)start, PAGE_SIZE);
	uintptr_t e = ALIGN_UP((uintptr_t)end, PAGE_SIZE);

	for (uintptr_t va = s; va < e; va += PAGE_SIZE)
		if (pgtable_map_page(root, va, __pa((void *)va), flags))
			return -1;
	return 0;
}

/* The kernel's sections, each with the least it needs. */
int paging_map_kernel(pteval_t *root)
{
	if (map_section(root, _kernel_start, __rodata_start, PAGE_KERNEL_RX) ||
	    map_section(root, __rodata_start, __data_start, PAGE_KERNEL_RO) ||
	    map_section(root, __data_start, _kernel_end, PAGE_KERNEL_RW))
		return -1;
	return 0;
}

static void enable_nx(void)
{
	struct cpuid_regs r = pv_cpuid(0x80000000, 0);

	if (r.eax >= 0x80000001 && (pv_cpuid(0x80000001, 0).edx & (1u << 20))) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		paging_nx = true;
	} else {
		pr_warn("paging: this CPU has no NX: data and stacks stay executable\n");
	}
}

void native_paging_init(struct boot_info *bi)
{
	uint64_t free_before = frames.nfree;
	pteval_t *root;

	enable_nx();
	root = pgtable_alloc_table(4);
	if (!root || map_low(root, &bi->memmap) || map_high_ram(root, &bi->memmap) ||
	    paging_map_kernel(root) || pgtable_unmap_page(root, (uintptr_t)__va(0)))
		panic("paging: out of memory for page tables");
	write_cr3(__pa(root));
	mm_set_mapped_limit(MAX(FOUR_GIB, memmap_end(&bi->memmap, MEMMAP_RAM)));
	pr_info("paging: kernel W^X (text r-x, rodata r--, data rw-)%s, page 0 unmapped, "
		"%lu page-table pages\n",
		paging_nx ? " with NX" : " without NX", free_before - frames.nfree);
}

void *ioremap(uint64_t pa, size_t size)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);

	if (pa + size <= FOUR_GIB)
		return __va(pa);
	if (pa + size < pa || pa + size > DIRECT_MAP_SIZE ||
	    pgtable_map_range(pgtable_root(), (uintptr_t)__va(base), base,
			      ALIGN_UP(pa + size, PAGE_SIZE) - base, PAGE_KERNEL_IO))
		return NULL;
	return __va(pa);
}
