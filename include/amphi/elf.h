/*
 * ELF64 executables for x86-64 as Linux runs them, judged by pure code
 * (lib/elf.c, host-tested and fuzzed) before the loader (kernel/exec.c)
 * maps anything: a program is foreign data.
 */
#ifndef AMPHI_ELF_H
#define AMPHI_ELF_H
#include <amphi/types.h>

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* Bounds: more program headers, or a wider span of segments, is not a
 * program this kernel runs. */
#define ELF_MAX_PHNUM 64
#define ELF_MAX_SPAN (1ULL << 32)
#define ELF_PAGE 4096ULL

/* What a valid image says, in its own (unrelocated) addresses. */
struct elf_info {
	uint16_t type; /* ET_EXEC or ET_DYN */
	uint16_t phnum;
	uint64_t entry;
	uint64_t phoff;
	uint64_t phdr_vaddr; /* where the program headers are once loaded */
	uint64_t lo, hi;     /* page-aligned span of the PT_LOAD segments */
	unsigned int nloads;
};

/* NULL when img[0..len) is an ELF64 x86-64 executable this kernel can load
 * (ET_EXEC, or ET_DYN without PT_INTERP: static-pie), with *info filled;
 * else what is wrong with it, in words. */
const char *elf_check(const void *img, size_t len, struct elf_info *info);
/* The i-th program header of an image elf_check accepted. */
const struct elf64_phdr *elf_phdr(const void *img, unsigned int i);

#endif
