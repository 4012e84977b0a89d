/* Fuzz target: PVH's hvm_start_info and what it points at
 * (arch/x86/boot/pvh.c): the command line and the memory map.
 *
 * The input is physical memory from 0x1000 on, hvm_start_info at its
 * start; phys() gives the parser what lies inside the input and no more,
 * as the kernel's gives it no more than head32.S mapped.  The addresses in
 * the structure, fuzzed like the rest, land inside the input, past it or
 * nowhere.  The module taken must be the one the first entry names.  What the parser builds must hold together. */
#include "fuzz.h"
#include <amphi/boot.h>

#define BASE 0x1000

static const uint8_t *mem;
static size_t mem_size;
static struct boot_info bi;

static const void *phys(uint64_t paddr, size_t *len)
{
	if (paddr < BASE || paddr - BASE >= mem_size)
		return NULL;
	*len = MIN(*len, mem_size - (paddr - BASE));
	return mem + (paddr - BASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	mem = copy;
	mem_size = size;
	memset(&bi, 0, sizeof(bi));
	pvh_parse(BASE, phys, &bi);
	FUZZ_CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
	FUZZ_CHECK(bi.memmap.n <= MEMMAP_MAX);
	FUZZ_CHECK_MODULE(bi);
	FUZZ_CHECK(boot_pvh_found(&bi) || (bi.memmap.n == 0 && !bi.memmap_source));
	for (unsigned int i = 0; i < bi.nproblems && i < BOOT_PROBLEMS_MAX; i++)
		FUZZ_CHECK(!strncmp(bi.problems[i], "pvh: ", 5));
	free(copy);
	return 0;
}
