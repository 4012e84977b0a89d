/*
 * struct boot_info: what every entry stub hands to kmain().  Each boot
 * protocol (Xen PV start_info, PVH hvm_start_info, multiboot2) is converted
 * into this one form at entry, and everything we need from the loader's
 * structures is copied here, so nothing later depends on where the loader
 * put them.
 */
#ifndef AMPHI_BOOT_H
#define AMPHI_BOOT_H
#include <amphi/types.h>
#include <amphi/memmap.h>

enum boot_entry {
	BOOT_ENTRY_MULTIBOOT2,
	BOOT_ENTRY_PVH,
	BOOT_ENTRY_XEN_PV,
};

#define BOOT_CMDLINE_MAX 2048
#define BOOT_PROBLEMS_MAX 8
#define BOOT_MODULE_CMDLINE_MAX 128

/* The first boot module (the initramfs): where the loader put it, and its
 * own command line if it had one.  len 0: none was given or it was
 * refused.  Its frames are kept from the allocator (mm_init) until
 * initramfs_init has unpacked it. */
struct boot_module {
	uint64_t paddr;
	uint64_t len;
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
	enum boot_entry entry;
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated;
	struct memmap memmap;
	const char *memmap_source; /* "multiboot2", "pvh", "xen", "start_info" */
	/* Physical memory below this is in the direct map, at __va(pa). */
	uint64_t mapped_limit;
	char loader[64]; /* multiboot2 boot loader name, if given */
	uint64_t rsdp;	 /* ACPI RSDP physical address, 0 if none was given */
	/* multiboot2 gives a copy of the RSDP inside its information, which
	 * the frame allocator may hand out later: it is kept here, and rsdp
	 * points at this copy. */
	uint8_t rsdp_copy[36];
	/* Protocol specifics kept for the platform code that owns them. */
	const void *xen_start_info; /* Xen PV: start_info (virtual) */
	uint32_t pvh_version;	    /* PVH: hvm_start_info version */
	bool pvh_bad_magic;	    /* PVH entry, but no hvm_start_info */
	uint32_t pvh_flags;	    /* PVH: SIF_* flags */
	struct boot_module module;  /* the first module, len 0 if none */
	unsigned int nmodules;	    /* how many the loader gave */
	/* What the parsers refused of the loader's data, said by
	 * boot_report() once there is a console (they run before one). */
	const char *problems[BOOT_PROBLEMS_MAX];
	unsigned int nproblems; /* all of them, also those not kept */
};

extern struct boot_info boot_info;

/* Linker-script symbols. */
extern char _kernel_start[], _etext[], __rodata_start[], __data_start[], _kernel_end[];

/* Entry points from the assembly stubs (never return). */
void boot32_main(uint32_t magic, uint32_t info) __noreturn;
void xen_pv_boot(void *start_info) __noreturn;
/* The boot protocols' information into bi (pure code: the host fuzzes
 * it).  multiboot2: the information at info, of which avail bytes may be
 * read. */
void multiboot2_parse(const void *info, size_t avail, struct boot_info *bi);
/* How a parser reads the loader's physical memory: a pointer to paddr,
 * with *len cut down to the bytes readable there (at most the *len
 * asked), or NULL when none are. */
typedef const void *(*boot_phys_fn)(uint64_t paddr, size_t *len);
/* PVH: the hvm_start_info at physical address info. */
void pvh_parse(uint64_t info, boot_phys_fn phys, struct boot_info *bi);

/* Did the PVH entry find an hvm_start_info (a good magic)? */
static inline bool boot_pvh_found(const struct boot_info *bi)
{
	return !bi->pvh_bad_magic;
}

/* Copies a loader's string into a fixed buffer, noting truncation. */
bool boot_copy_string(char *dst, size_t size, const char *src, size_t max_src);
/* One module the loader gave, in its order: the first is taken when it
 * is not empty and its end does not pass 2^64 (true then), the others
 * counted in nmodules.  A refusal is noted with the protocol's own
 * string, so that the boot_problem line says who gave it: why[0] "more
 * than one" (once), why[1] "empty", why[2] "wraps". */
bool boot_module_add(struct boot_info *bi, uint64_t paddr, uint64_t len, const char *const why[3]);
/* Does the module lie in RAM (or in what the kernel marked as its own,
 * as Xen PV's bootstrap region) and clear of [kstart, kend)?  NULL if so,
 * else why not (pure: mm_init calls it before it reserves the module). */
const char *boot_module_check(const struct boot_info *bi, uint64_t kstart, uint64_t kend);
/* Notes what a parser refused (a static string, "protocol: what"). */
void boot_problem(struct boot_info *bi, const char *what);

void kmain(struct boot_info *bi) __noreturn;
/* kernel/report.c */
void early_console_init(void);
void boot_report(const struct boot_info *bi);

#endif
