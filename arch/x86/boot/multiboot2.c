/*
 * Multiboot2 boot information (GRUB): a list of 8-byte-aligned tags.  We take
 * the command line, the boot loader's name, the memory map and the ACPI RSDP,
 * and check every tag's size against the structure's total size so that a
 * malformed list ends the walk instead of running off into memory.
 */
#include <amphi/boot.h>
#include <amphi/string.h>

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
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

static void mb2_mmap(const struct mb2_tag *tag, struct boot_info *bi)
{
	const uint32_t *hdr = (const uint32_t *)(tag + 1); /* entry_size, version */
	uint32_t esize = hdr[0];
	const uint8_t *p = (const uint8_t *)(hdr + 2);
	const uint8_t *end = (const uint8_t *)tag + tag->size;

	if (esize < sizeof(struct mb2_mmap_entry)) {
		bi->memmap.dropped++;
		return;
	}
	for (; p + esize <= end; p += esize) {
		const struct mb2_mmap_entry *e = (const void *)p;
		memmap_add(&bi->memmap, e->addr, e->len, e->type);
	}
	bi->memmap_source = "multiboot2";
}

void multiboot2_parse(uint32_t info, struct boot_info *bi)
{
	const uint8_t *base = (const uint8_t *)(uintptr_t)info;
	uint32_t total = *(const uint32_t *)base;
	uint32_t off = 8;

	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const void *)(base + off);
		size_t body = tag->size - sizeof(*tag);

		if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag) ||
		    off + tag->size > total)
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			bi->cmdline_truncated = boot_copy_string(bi->cmdline, sizeof(bi->cmdline),
								 (const char *)(tag + 1), body);
			break;
		case MB2_TAG_LOADER:
			boot_copy_string(bi->loader, sizeof(bi->loader), (const char *)(tag + 1),
					 body);
			break;
		case MB2_TAG_MMAP:
			mb2_mmap(tag, bi);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			memcpy(bi->rsdp_copy, tag + 1, MIN(body, sizeof(bi->rsdp_copy)));
			bi->rsdp = (uintptr_t)bi->rsdp_copy;
			break;
		}
		off += ALIGN_UP(tag->size, 8);
	}
}
