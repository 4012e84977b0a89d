/*
 * Selftests of memory bring-up on the running machine: the memory map is
 * sane and covers the kernel, frames come from RAM and are not handed out
 * twice, and the heap keeps what is written into it.
 */
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/string.h>

SELFTEST(memmap)
{
	const struct memmap *m = &boot_info.memmap;
	uint64_t k = __pa(_kernel_start);
	bool kernel_covered = false;

	for (unsigned i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];

		if (i && e->base < m->e[i - 1].base + m->e[i - 1].len)
			return selftest_fail(ctx, "entries %u and %u overlap or are unsorted",
					     i - 1, i);
		if (e->type == MEMMAP_KERNEL && k >= e->base && k < e->base + e->len)
			kernel_covered = true;
	}
	if (!kernel_covered)
		return selftest_fail(ctx, "the kernel image is not marked in the map");
	return selftest_pass(ctx, "%u entries from %s, %lu KiB RAM", m->n, boot_info.memmap_source,
			     memmap_total(m, MEMMAP_RAM) >> 10);
}

static bool is_ram(uint64_t pa)
{
	const struct memmap *m = &boot_info.memmap;

	for (unsigned i = 0; i < m->n; i++)
		if (m->e[i].type == MEMMAP_RAM && pa >= m->e[i].base &&
		    pa + PAGE_SIZE <= m->e[i].base + m->e[i].len)
			return true;
	return false;
}

#define NFRAMES 64

SELFTEST(frames)
{
	int64_t got[NFRAMES];
	uint64_t before = frames.nfree;
	unsigned written = 0;

	for (int i = 0; i < NFRAMES; i++) {
		got[i] = mm_frame_alloc();
		if (got[i] < 0)
			return selftest_error(ctx, "allocation %d of %d failed", i, NFRAMES);
		if (!is_ram((uint64_t)got[i] << PAGE_SHIFT))
			return selftest_fail(ctx, "frame %#lx is not RAM", got[i]);
		for (int j = 0; j < i; j++)
			if (got[j] == got[i])
				return selftest_fail(ctx, "frame %#lx handed out twice", got[i]);
		if (mm_is_mapped((uint64_t)got[i] << PAGE_SHIFT, PAGE_SIZE)) {
			memset(pfn_to_virt((uint64_t)got[i]), i, PAGE_SIZE);
			written++;
		}
	}
	for (int i = 0; i < NFRAMES; i++) {
		const uint8_t *p = pfn_to_virt((uint64_t)got[i]);
		if (mm_is_mapped((uint64_t)got[i] << PAGE_SHIFT, PAGE_SIZE) &&
		    (p[0] != i || p[PAGE_SIZE - 1] != i))
			return selftest_fail(ctx, "frame %#lx lost its pattern", got[i]);
		mm_frame_free((uint64_t)got[i]);
	}
	if (mm_frame_free((uint64_t)got[0]) == 0)
		return selftest_fail(ctx, "a double free was accepted");
	if (frames.nfree != before)
		return selftest_fail(ctx, "%lu frames free after, %lu before", frames.nfree,
				     before);
	return selftest_pass(ctx, "%d frames allocated, %u written and checked, all freed", NFRAMES,
			     written);
}

#define NALLOCS 200

SELFTEST(heap)
{
	static uint8_t *ptrs[NALLOCS];
	size_t before = kheap.in_use;

	for (int i = 0; i < NALLOCS; i++) {
		size_t size = 1 + (size_t)(i * 37) % 3000;
		ptrs[i] = kmalloc(size);
		if (!ptrs[i])
			return selftest_error(ctx, "kmalloc(%zu) failed at %d", size, i);
		if ((uintptr_t)ptrs[i] & 15)
			return selftest_fail(ctx, "kmalloc returned misaligned %p",
					     (void *)ptrs[i]);
		memset(ptrs[i], i, size);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = pass; i < NALLOCS; i += 2) {
			size_t size = 1 + (size_t)(i * 37) % 3000;
			if (ptrs[i][0] != (uint8_t)i || ptrs[i][size - 1] != (uint8_t)i)
				return selftest_fail(ctx, "allocation %d was overwritten", i);
			kfree(ptrs[i]);
		}
	if (kheap.in_use != before)
		return selftest_fail(ctx, "%zu bytes in use after, %zu before", kheap.in_use,
				     before);
	if (heap_free(&kheap, ptrs[0]) == 0)
		return selftest_fail(ctx, "a double free was accepted");
	return selftest_pass(ctx, "%d allocations written, checked and freed", NALLOCS);
}
