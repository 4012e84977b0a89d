/* Fuzz target: the multiboot2 information GRUB leaves
 * (arch/x86/boot/multiboot2.c).
 *
 * The input is the information: total size, reserved word, then tags.
 * It is copied to an 8-byte aligned buffer of exactly its size, as the
 * loader would place it, and the parser told that is all it may read,
 * whatever the total size in it says.  What the parser builds must hold
 * together: the strings terminated within their arrays, the memory map no
 * larger than its table, the problems it noted counted. */
#include "fuzz.h"
#include <amphi/boot.h>

static struct boot_info bi;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *info;

	if (!size)
		return 0;
	info = malloc(size); /* 16-byte aligned, like the loader's 8 */
	memcpy(info, data, size);
	memset(&bi, 0, sizeof(bi));
	multiboot2_parse(info, size, &bi);
	FUZZ_CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) &&
		   memchr(bi.loader, 0, sizeof(bi.loader)));
	FUZZ_CHECK(bi.memmap.n <= MEMMAP_MAX);
	FUZZ_CHECK_MODULE(bi);
	for (unsigned int i = 0; i < bi.nproblems && i < BOOT_PROBLEMS_MAX; i++)
		FUZZ_CHECK(bi.problems[i] && !strncmp(bi.problems[i], "multiboot2: ", 12));
	FUZZ_CHECK(bi.rsdp == 0 || bi.rsdp == (uintptr_t)bi.rsdp_copy);
	free(info);
	return 0;
}
