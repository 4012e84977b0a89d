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

void boot32_main(uint32_t magic, uint32_t info)
{
	if (magic == MULTIBOOT2_BOOTLOADER_MAGIC) {
		boot_info.entry = BOOT_ENTRY_MULTIBOOT2;
		/* head32.S mapped the first 4 GiB one to one. */
		multiboot2_parse((const void *)(uintptr_t)info, (4ULL << 30) - info, &boot_info);
	} else {
		/* Checked again, with a message, once a console exists. */
		boot_info.entry = BOOT_ENTRY_PVH;
		pvh_parse(info, &boot_info);
	}
	kmain(&boot_info);
}
