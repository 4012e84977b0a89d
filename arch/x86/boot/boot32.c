/*
 * After head32.S: tell multiboot2 from PVH and convert the loader's data
 * into struct boot_info.  Nothing is printed here; consoles come later, and
 * a boot protocol we cannot recognise is reported as soon as one exists.
 */
#include <amphi/boot.h>
#include <amphi/string.h>
#include <xen/arch-x86/hvm/start_info.h>

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289

struct boot_info boot_info;

bool boot_copy_string(char *dst, size_t size, const char *src, size_t max_src)
{
	size_t n = strnlen(src, max_src);
	bool truncated = n >= size;

	if (truncated)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return truncated;
}

void boot32_main(uint32_t magic, uint32_t info)
{
	if (magic == MULTIBOOT2_BOOTLOADER_MAGIC) {
		boot_info.entry = BOOT_ENTRY_MULTIBOOT2;
		multiboot2_parse(info, &boot_info);
	} else {
		/* Checked again, with a message, once a console exists. */
		boot_info.entry = BOOT_ENTRY_PVH;
		pvh_parse(info, &boot_info);
	}
	kmain(&boot_info);
}
