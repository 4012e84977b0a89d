/*
 * Bringing memory up: the memory map (from whichever source the boot had,
 * with the kernel image and the boot module marked), a frame allocator that leaves the low 1 MiB
 * alone
 * whose bitmap is placed in the first RAM that fits, and a heap that grows
 * by asking the frame allocator for runs of mapped frames.
 */
#include <amphi/mm.h>
#include <amphi/spinlock.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/paravirt.h>

#define HEAP_CHUNK (256 * 1024)
#define LOW_MEMORY (1024 * 1024)

struct frame_allocator frames;
struct heap kheap;
static uint64_t mapped_limit;

void mm_set_mapped_limit(uint64_t limit)
{
	mapped_limit = limit;
	boot_info.mapped_limit = limit;
}

/* The frame allocator and the heap are shared by every CPU, thread and
 * interrupt handler: each has its spinlock, taken with interrupts off.
 * The heap's is taken first where both are (include/amphi/spinlock.h). */
static struct spinlock frames_lock = SPINLOCK_INIT;
static struct spinlock heap_lock = SPINLOCK_INIT;

int64_t mm_frame_alloc(void)
{
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	int64_t pfn = frame_alloc(&frames);
	spin_unlock_irqrestore(&frames_lock, flags);
	return pfn;
}

int mm_frame_free(uint64_t pfn)
{
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	int rc = frame_free(&frames, pfn);
	spin_unlock_irqrestore(&frames_lock, flags);
	return rc;
}

int64_t mm_frames_alloc_contig(uint64_t count, uint64_t align)
{
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	int64_t pfn = frame_alloc_contig(&frames, count, align);
	spin_unlock_irqrestore(&frames_lock, flags);
	return pfn;
}

void mm_frames_free_range(uint64_t pfn, uint64_t count)
{
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	frame_release_range(&frames, pfn, count);
	spin_unlock_irqrestore(&frames_lock, flags);
}

bool mm_frame_claim(uint64_t pfn)
{
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	bool is_free = frame_is_free(&frames, pfn);

	if (is_free)
		frame_reserve_range(&frames, pfn, 1);
	spin_unlock_irqrestore(&frames_lock, flags);
	return is_free;
}

void *mm_page_alloc(void)
{
	int64_t pfn = mm_frame_alloc();

	if (pfn < 0)
		return NULL;
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;
	if (!mm_is_mapped(pa, PAGE_SIZE)) {
		mm_frame_free((uint64_t)pfn);
		return NULL;
	}
	return __va(pa);
}

void *mm_page_alloc_zeroed(void)
{
	void *page = mm_page_alloc();

	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

void mm_page_free(void *page)
{
	mm_frame_free(virt_to_pfn(page));
}

bool mm_is_mapped(uint64_t pa, uint64_t len)
{
	return pa + len >= pa && pa + len <= mapped_limit;
}

static void memmap_print(const struct memmap *m, int level)
{
	for (unsigned i = 0; i < m->n; i++)
		printk(level, "  [0x%012lx-0x%012lx] %s\n", m->e[i].base,
		       m->e[i].base + m->e[i].len - 1, memmap_type_name(m->e[i].type));
}

/* The first mapped RAM above 1 MiB with room for `bytes`. */
static uint64_t find_ram(const struct memmap *m, uint64_t bytes)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t base = ALIGN_UP(MAX(e->base, (uint64_t)LOW_MEMORY), PAGE_SIZE);

		if (e->type == MEMMAP_RAM && base + bytes <= e->base + e->len &&
		    mm_is_mapped(base, bytes))
			return base;
	}
	return 0;
}

uint64_t mm_reserve_low_page(void)
{
	struct memmap *m = &boot_info.memmap;

	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t base = ALIGN_UP(MAX(e->base, (uint64_t)PAGE_SIZE), PAGE_SIZE);

		if (e->type == MEMMAP_RAM &&
		    base + PAGE_SIZE <= MIN(e->base + e->len, LOW_MEMORY) &&
		    !memmap_mark(m, base, PAGE_SIZE, MEMMAP_KERNEL))
			return base;
	}
	return 0;
}

/* The allocator's frames cover unpopulated space too, reserved, so that
 * frames a Xen domain is given later can be freed into it. */
static void frames_init(struct memmap *m)
{
	uint64_t nframes =
	    MAX(memmap_end(m, MEMMAP_RAM), memmap_end(m, MEMMAP_UNPOPULATED)) >> PAGE_SHIFT;
	size_t bytes = ALIGN_UP(frame_bitmap_bytes(nframes), PAGE_SIZE);
	uint64_t at = find_ram(m, bytes);

	if (!at)
		panic("mm: no mapped RAM for a %zu-byte frame bitmap", bytes);
	memmap_mark(m, at, bytes, MEMMAP_KERNEL);
	frame_init(&frames, __va(at), nframes);
	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		/* The low 1 MiB stays out of use: BIOS data, the real-mode
		 * area SMP bring-up will want. */
		uint64_t first =
		    ALIGN_UP(MAX(e->base, (uint64_t)LOW_MEMORY), PAGE_SIZE) >> PAGE_SHIFT;
		uint64_t end = ALIGN_DOWN(e->base + e->len, PAGE_SIZE) >> PAGE_SHIFT;

		if (e->type == MEMMAP_RAM && end > first)
			frame_release_range(&frames, first, end - first);
	}
}

static bool heap_grow(size_t need)
{
	size_t bytes = ALIGN_UP(MAX(need + 256, (size_t)HEAP_CHUNK), PAGE_SIZE);
	unsigned long flags = spin_lock_irqsave(&frames_lock);
	int64_t pfn = frame_alloc_contig(&frames, bytes >> PAGE_SHIFT, 1);

	if (pfn >= 0 && !mm_is_mapped((uint64_t)pfn << PAGE_SHIFT, bytes)) {
		frame_release_range(&frames, (uint64_t)pfn, bytes >> PAGE_SHIFT);
		pfn = -1;
	}
	spin_unlock_irqrestore(&frames_lock, flags);
	if (pfn < 0)
		return false;
	heap_add_region(&kheap, pfn_to_virt((uint64_t)pfn), bytes);
	return true;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	if (align & (align - 1))
		return NULL;
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	void *p = heap_alloc(&kheap, size, align);

	if (!p && size && heap_grow(size + align))
		p = heap_alloc(&kheap, size, align);
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kmalloc(size_t size)
{
	return kmalloc_aligned(size, 16);
}

void kfree(void *p)
{
	if (!p)
		return;
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	int rc = heap_free(&kheap, p);
	spin_unlock_irqrestore(&heap_lock, flags);
	if (rc)
		pr_err("kfree: %p was not allocated by kmalloc (or was freed twice)\n", p);
}

/* The boot module (the initramfs) is marked as the kernel's, whole pages
 * round it, so that neither the frame bitmap nor the allocator lands on it
 * before initramfs_init has unpacked it.  One that does not lie in RAM or
 * lies over the kernel is dropped, and said. */
static void mm_reserve_module(struct boot_info *bi)
{
	struct boot_module *mod = &bi->module;
	const char *why = boot_module_check(bi, __pa(_kernel_start), __pa(_kernel_end));
	uint64_t first;

	if (!mod->len)
		return;
	if (why) {
		pr_warn("boot: the module at %#lx (%lu bytes) is refused: %s\n", mod->paddr,
			mod->len, why);
		mod->len = 0;
		return;
	}
	first = ALIGN_DOWN(mod->paddr, PAGE_SIZE);
	memmap_mark(&bi->memmap, first, ALIGN_UP(mod->paddr + mod->len, PAGE_SIZE) - first,
		    MEMMAP_KERNEL);
}

uint64_t mm_release_module(struct boot_info *bi)
{
	struct boot_module *mod = &bi->module;
	uint64_t first = ALIGN_UP(mod->paddr, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t end = ALIGN_DOWN(mod->paddr + mod->len, PAGE_SIZE) >> PAGE_SHIFT;

	if (!mod->len || end <= first)
		return 0;
	memmap_mark(&bi->memmap, first << PAGE_SHIFT, (end - first) << PAGE_SHIFT, MEMMAP_RAM);
	mm_frames_free_range(first, end - first);
	mod->len = 0;
	return end - first;
}

void mm_init(struct boot_info *bi)
{
	struct memmap *m = &bi->memmap;

	mapped_limit = bi->mapped_limit;
	memmap_mark(m, __pa(_kernel_start), (uintptr_t)_kernel_end - (uintptr_t)_kernel_start,
		    MEMMAP_KERNEL);
	mm_reserve_module(bi);
	pr_info("memory map (from %s):\n", bi->memmap_source ? bi->memmap_source : "nowhere");
	memmap_print(m, LOG_INFO);
	if (m->dropped)
		pr_warn("memory map: %u entries were invalid or did not fit; see above\n",
			m->dropped);
	if (!memmap_total(m, MEMMAP_RAM))
		panic("no usable RAM in the memory map (source: %s)",
		      bi->memmap_source ? bi->memmap_source : "none was given");
	frames_init(m);
	heap_init(&kheap);
	if (!heap_grow(0))
		panic("mm: no memory for the kernel heap");
	pr_info("mm: %lu MiB usable RAM, %lu frames free, %lu MiB mapped, heap %zu KiB\n",
		memmap_total(m, MEMMAP_RAM) >> 20, frames.nfree, mapped_limit >> 20,
		kheap.total >> 10);
}

void mm_show(void)
{
	memmap_print(&boot_info.memmap, LOG_ALWAYS);
	kprintf("RAM: %lu KiB\n", memmap_total(&boot_info.memmap, MEMMAP_RAM) >> 10);
	kprintf("frames: %lu of %lu free\n", frames.nfree, frames.nframes);
	kprintf("heap: %zu KiB, %zu bytes in %zu allocations, largest free block %zu bytes\n",
		kheap.total >> 10, kheap.in_use, kheap.nallocs, heap_largest_free(&kheap));
}
