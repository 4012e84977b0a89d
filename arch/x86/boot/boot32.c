/*
 * After head32.S: tell multiboot2 from PVH and convert the loader's data
 * into struct boot_info.  Nothing is printed here; consoles come later, and
 * a boot protocol we cannot recognise is reported as soon as one exists.
 */
#include <amphi/boot.h>
#include <amphi/string.h>
#include <asm/page.h>
#include <xen/arch-x86/hvm/start_info.h>

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289

struct boot_info boot_info;

#define BOOT_MAPPED (4ULL << 30) /* head32.S maps this much at PAGE_OFFSET */

/* Low memory as the parsers read it: what head32.S mapped.  The loaders
 * give physical addresses: they are read through the direct map. */
static const void *boot_phys_low(uint64_t paddr, size_t *len)
{
	if (paddr >= BOOT_MAPPED)
		return NULL;
	*len = MIN(*len, BOOT_MAPPED - paddr);
	return __va(paddr);
}

void boot32_main(uint32_t magic, uint32_t info)
{
	if (magic == MULTIBOOT2_BOOTLOADER_MAGIC) {
		boot_info.entry = BOOT_ENTRY_MULTIBOOT2;
		multiboot2_parse(__va(info), BOOT_MAPPED - info, &boot_info);
		/* The parser, pure code, names its copy of the RSDP by pointer;
		 * the kernel's rsdp is a physical address. */
		if (boot_info.rsdp == (uintptr_t)boot_info.rsdp_copy)
			boot_info.rsdp = __pa(boot_info.rsdp_copy);
	} else {
		/* Checked again, with a message, once a console exists. */
		boot_info.entry = BOOT_ENTRY_PVH;
		pvh_parse(info, boot_phys_low, &boot_info);
	}
	kmain(&boot_info);
}
