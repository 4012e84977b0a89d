/*
 * Helpers of the boot protocols' parsers (multiboot2.c, pvh.c and Xen
 * PV's start_info.c), pure code like them: they run on the loader's data
 * before any console exists, and on the host under the fuzzers.  So a
 * parser cannot print what it refused; it notes it here, and
 * boot_report() says it once a console is up.
 */
#include <amphi/boot.h>
#include <amphi/string.h>

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

void boot_problem(struct boot_info *bi, const char *what)
{
	if (bi->nproblems < BOOT_PROBLEMS_MAX)
		bi->problems[bi->nproblems] = what;
	bi->nproblems++;
}

bool boot_module_add(struct boot_info *bi, uint64_t paddr, uint64_t len, const char *const why[3])
{
	if (++bi->nmodules > 1) {
		if (bi->nmodules == 2)
			boot_problem(bi, why[0]);
		return false;
	}
	if (len == 0 || paddr + len < paddr) {
		boot_problem(bi, why[len ? 2 : 1]);
		return false;
	}
	bi->module.paddr = paddr;
	bi->module.len = len;
	return true;
}

const char *boot_module_check(const struct boot_info *bi, uint64_t kstart, uint64_t kend)
{
	const struct boot_module *mod = &bi->module;
	uint32_t ok = MEMMAP_TYPE_BIT(MEMMAP_RAM) | MEMMAP_TYPE_BIT(MEMMAP_KERNEL);

	if (!mod->len)
		return NULL;
	if (mod->paddr + mod->len < mod->paddr || mod->paddr < PAGE_SIZE)
		return "it wraps or starts in page 0";
	if (!memmap_covers(&bi->memmap, mod->paddr, mod->len, ok))
		return "it is not all in RAM";
	if (mod->paddr < kend && kstart < mod->paddr + mod->len)
		return "it overlaps the kernel image";
	return NULL;
}
