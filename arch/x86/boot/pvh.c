/*
 * PVH boot (hvm_start_info in %ebx): Xen, QEMU -kernel, Firecracker and
 * cloud-hypervisor all enter this way.  Version 1 of the structure carries
 * a memory map; version 0 (Xen's PVH dom0) does not, and the Xen platform
 * asks the hypervisor for it later.  A bad magic leaves boot_info empty and
 * marked, and kmain reports it once a console exists.
 *
 * Pure code (the host fuzzes it, tests/fuzz/fuzz_pvh.c): the structure
 * and what it points at are reached only through the caller's phys(),
 * which says how much at an address may be read, so a command line
 * without its NUL or a memory map longer than memory ends where readable
 * memory does.  The map is read up to PVH_MEMMAP_MAX entries: a count in
 * the billions would otherwise hold the boot in memmap_add for hours.
 * The first module (QEMU's -initrd, xl's ramdisk=) is the initramfs; its
 * entry and command line are read through phys() like the rest, and any
 * further module is counted and said, not used.
 */
#include <amphi/boot.h>
#include <amphi/string.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PVH_MEMMAP_MAX (4 * MEMMAP_MAX)

static void pvh_cmdline(uint64_t paddr, boot_phys_fn phys, struct boot_info *bi)
{
	size_t len = BOOT_CMDLINE_MAX;
	const char *s = phys(paddr, &len);

	if (!s) {
		boot_problem(bi, "pvh: the command line's address is not readable: ignored");
		return;
	}
	bi->cmdline_truncated = boot_copy_string(bi->cmdline, sizeof(bi->cmdline), s, len);
}

static void pvh_memmap(uint64_t paddr, uint32_t entries, boot_phys_fn phys, struct boot_info *bi)
{
	struct hvm_memmap_table_entry e;
	size_t n = entries, len;
	const uint8_t *p;

	if (n > PVH_MEMMAP_MAX) {
		boot_problem(bi, "pvh: memory map of more than 512 entries: the rest ignored");
		n = PVH_MEMMAP_MAX;
	}
	len = n * sizeof(e);
	p = phys(paddr, &len);
	if (!p) {
		boot_problem(bi, "pvh: the memory map's address is not readable: ignored");
		return;
	}
	if (len < n * sizeof(e)) {
		boot_problem(bi, "pvh: the memory map runs past readable memory: cut short");
		n = len / sizeof(e);
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(&e, p + i * sizeof(e), sizeof(e));
		memmap_add(&bi->memmap, e.addr, e.size, e.type);
	}
	bi->memmap_source = "pvh";
}

static const char *const pvh_module_why[3] = {
    "pvh: more than one module: only the first is used",
    "pvh: the module is empty: ignored",
    "pvh: the module's end wraps: ignored",
};

static void pvh_modules(uint64_t paddr, uint32_t n, boot_phys_fn phys, struct boot_info *bi)
{
	struct hvm_modlist_entry e;
	size_t len = sizeof(e);
	const void *p = phys(paddr, &len);
	bool taken;

	if (!p || len < sizeof(e)) {
		boot_problem(bi, "pvh: the module list's address is not readable: ignored");
		return;
	}
	memcpy(&e, p, sizeof(e));
	taken = boot_module_add(bi, e.paddr, e.size, pvh_module_why);
	/* The others are only counted: their entries are not read. */
	if (n > 1) {
		boot_problem(bi, pvh_module_why[0]);
		bi->nmodules = n;
	}
	if (!taken || !e.cmdline_paddr)
		return;
	len = sizeof(bi->module.cmdline);
	p = phys(e.cmdline_paddr, &len);
	if (p)
		boot_copy_string(bi->module.cmdline, sizeof(bi->module.cmdline), p, len);
	else
		boot_problem(bi, "pvh: the module's command line is not readable: ignored");
}

void pvh_parse(uint64_t info, boot_phys_fn phys, struct boot_info *bi)
{
	struct hvm_start_info si;
	size_t len = sizeof(si);
	const void *p = info ? phys(info, &len) : NULL;

	if (p && len == sizeof(si))
		memcpy(&si, p, sizeof(si));
	if (!p || len < sizeof(si) || si.magic != XEN_HVM_START_MAGIC_VALUE) {
		bi->memmap_source = NULL;
		bi->pvh_bad_magic = true; /* any version is the loader's to give */
		return;
	}
	bi->pvh_version = si.version;
	bi->pvh_flags = si.flags;
	bi->rsdp = si.rsdp_paddr;
	if (si.cmdline_paddr)
		pvh_cmdline(si.cmdline_paddr, phys, bi);
	if (si.version >= 1 && si.memmap_paddr && si.memmap_entries)
		pvh_memmap(si.memmap_paddr, si.memmap_entries, phys, bi);
	if (si.nr_modules && si.modlist_paddr)
		pvh_modules(si.modlist_paddr, si.nr_modules, phys, bi);
}
