/*
 * PVH boot (hvm_start_info in %ebx): Xen, QEMU -kernel, Firecracker and
 * cloud-hypervisor all enter this way.  Version 1 of the structure carries
 * a memory map; version 0 (Xen's PVH dom0) does not, and the Xen platform
 * asks the hypervisor for it later.  A bad magic leaves boot_info empty and
 * marked, and kmain reports it once a console exists.
 */
#include <amphi/boot.h>
#include <amphi/string.h>
#include <xen/arch-x86/hvm/start_info.h>

void pvh_parse(uint32_t info, struct boot_info *bi)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)info;

	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE) {
		bi->memmap_source = NULL;
		bi->pvh_version = UINT32_MAX; /* "not a PVH start" */
		return;
	}
	bi->pvh_version = si->version;
	bi->pvh_flags = si->flags;
	bi->rsdp = si->rsdp_paddr;
	if (si->cmdline_paddr)
		bi->cmdline_truncated =
			boot_copy_string(bi->cmdline, sizeof(bi->cmdline),
					 (const char *)(uintptr_t)si->cmdline_paddr, SIZE_MAX);
	if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
		const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;

		for (uint32_t i = 0; i < si->memmap_entries; i++)
			memmap_add(&bi->memmap, e[i].addr, e[i].size, e[i].type);
		bi->memmap_source = "pvh";
	}
}
