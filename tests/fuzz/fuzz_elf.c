/* Fuzz target: the ELF checks (lib/elf.c) over a whole image.
 *
 * The input is the image, copied to an 8-byte-aligned buffer of exactly
 * its size.  An image the checks accept must keep their promises: every
 * PT_LOAD's file bytes inside the image and within its memory size, the
 * loads in ascending order inside a page-aligned span of at most 4 GiB,
 * the entry point and the program headers' address inside that span. */
#include "fuzz.h"
#include <amphi/elf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t *img = malloc(size ? (size + 7) & ~7UL : 8);
	struct elf_info info;
	uint64_t prev = 0;

	memcpy(img, data, size);
	if (elf_check(img, size, &info)) {
		free(img);
		return 0;
	}
	FUZZ_CHECK(info.nloads >= 1 && info.phnum >= info.nloads && info.phnum <= ELF_MAX_PHNUM);
	FUZZ_CHECK(info.lo % ELF_PAGE == 0 && info.hi % ELF_PAGE == 0 && info.lo < info.hi);
	FUZZ_CHECK(info.hi - info.lo <= ELF_MAX_SPAN);
	FUZZ_CHECK(info.entry >= info.lo && info.entry < info.hi);
	FUZZ_CHECK(info.phdr_vaddr >= info.lo && info.phdr_vaddr < info.hi);
	for (unsigned i = 0; i < info.phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(img, i);
		if (ph->p_type != PT_LOAD)
			continue;
		FUZZ_CHECK(ph->p_offset <= size && ph->p_filesz <= size - ph->p_offset);
		FUZZ_CHECK(ph->p_filesz <= ph->p_memsz && ph->p_vaddr >= prev);
		FUZZ_CHECK(ph->p_vaddr >= info.lo && ph->p_vaddr + ph->p_memsz <= info.hi);
		prev = ph->p_vaddr + ph->p_memsz;
	}
	free(img);
	return 0;
}
