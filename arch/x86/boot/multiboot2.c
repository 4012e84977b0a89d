/*
 * Multiboot2 boot information (GRUB): a list of 8-byte-aligned tags.  We take
 * the command line, the boot loader's name, the memory map, the ACPI RSDP
 * and the first module (GRUB's module2: the initramfs).
 *
 * Pure code (the host fuzzes it, tests/fuzz/fuzz_multiboot2.c): the
 * information is foreign data, so its total size is held to the bytes the
 * caller says may be read, every tag's size to what is left of the total
 * (in 64 bits, so no size wraps the offset round), and every memory-map
 * entry to its tag.  A malformed tag ends the walk with what came before
 * it kept, and the problem noted for boot_report().
 */
#include <amphi/boot.h>
#include <amphi/string.h>

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t reserved;
};

#define MB2_MMAP_HDR 16 /* the tag's header, entry_size, entry_version */

/* Entries are entry_size apart, which need not keep them aligned. */
static void mb2_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	uint32_t esize;

	if (size < MB2_MMAP_HDR) {
		boot_problem(bi, "multiboot2: memory map tag shorter than its header: ignored");
		return;
	}
	memcpy(&esize, tag + 8, sizeof(esize));
	if (esize < sizeof(struct mb2_mmap_entry)) {
		boot_problem(bi, "multiboot2: memory map entries below 24 bytes: map ignored");
		bi->memmap.dropped++;
		return;
	}
	for (uint32_t off = MB2_MMAP_HDR; size - off >= esize; off += esize) {
		struct mb2_mmap_entry e;

		memcpy(&e, tag + off, sizeof(e));
		memmap_add(&bi->memmap, e.addr, e.len, e.type);
	}
	bi->memmap_source = "multiboot2";
}

static const char *const mb2_module_why[3] = {
    "multiboot2: more than one module: only the first is used",
    "multiboot2: the module is empty or ends before it starts: ignored",
    "multiboot2: the module's end wraps: ignored",
};

#define MB2_MODULE_HDR 16 /* the tag's header, mod_start, mod_end */

/* mod_end is one past the module's last byte (GRUB's and Linux's
 * reading); a string follows. */
static void mb2_module(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	uint32_t start, end;

	if (size < MB2_MODULE_HDR) {
		boot_problem(bi, "multiboot2: module tag shorter than its header: ignored");
		return;
	}
	memcpy(&start, tag + 8, sizeof(start));
	memcpy(&end, tag + 12, sizeof(end));
	if (boot_module_add(bi, start, end > start ? end - start : 0, mb2_module_why))
		boot_copy_string(bi->module.cmdline, sizeof(bi->module.cmdline),
				 (const char *)tag + MB2_MODULE_HDR, size - MB2_MODULE_HDR);
}

static void mb2_tag(const uint8_t *p, struct mb2_tag t, struct boot_info *bi)
{
	size_t body = t.size - sizeof(t);

	switch (t.type) {
	case MB2_TAG_CMDLINE:
		bi->cmdline_truncated = boot_copy_string(bi->cmdline, sizeof(bi->cmdline),
							 (const char *)p + sizeof(t), body);
		break;
	case MB2_TAG_LOADER:
		boot_copy_string(bi->loader, sizeof(bi->loader), (const char *)p + sizeof(t), body);
		break;
	case MB2_TAG_MMAP:
		mb2_mmap(p, t.size, bi);
		break;
	case MB2_TAG_MODULE:
		mb2_module(p, t.size, bi);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		memcpy(bi->rsdp_copy, p + sizeof(t), MIN(body, sizeof(bi->rsdp_copy)));
		bi->rsdp = (uintptr_t)bi->rsdp_copy;
		break;
	}
}

void multiboot2_parse(const void *info, size_t avail, struct boot_info *bi)
{
	const uint8_t *base = info;
	uint64_t off = 8, total;
	uint32_t total_size;

	if (avail < 8) {
		boot_problem(bi, "multiboot2: no room for the information's header");
		return;
	}
	memcpy(&total_size, base, sizeof(total_size));
	total = total_size;
	if (total < 8) {
		boot_problem(bi, "multiboot2: total size below its own 8-byte header");
		return;
	}
	if (total > avail) {
		boot_problem(bi, "multiboot2: total size runs past readable memory: cut short");
		total = avail;
	}
	while (total - off >= sizeof(struct mb2_tag)) {
		struct mb2_tag t;

		memcpy(&t, base + off, sizeof(t));
		if (t.type == MB2_TAG_END)
			return;
		if (t.size < sizeof(t) || t.size > total - off) {
			boot_problem(bi, "multiboot2: a tag's size is below 8 or runs past the "
					 "total size: it and the tags after it ignored");
			return;
		}
		mb2_tag(base + off, t, bi);
		off += ALIGN_UP((uint64_t)t.size, 8);
		if (off > total)
			break;
	}
	boot_problem(bi, "multiboot2: no end tag within the total size");
}
