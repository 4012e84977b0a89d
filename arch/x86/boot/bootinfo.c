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
