/*
 * The checks of an ELF executable before it is loaded (amphi/elf.h).  Pure
 * code over a byte buffer, like the boot parsers: every offset and size is
 * checked against the buffer and against overflow before it is used, and
 * the first thing wrong is reported in words.  The loader then needs no
 * checks of its own beyond where the segments land.
 */
#include <amphi/elf.h>
#include <amphi/string.h>

static bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

static const char *check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
	uint64_t end;

	if (len < sizeof(*eh))
		return "shorter than an ELF header";
	if (memcmp(eh->e_ident, magic, 4))
		return "not an ELF file (bad magic)";
	if (eh->e_ident[4] != 2)
		return "not a 64-bit ELF (EI_CLASS)";
	if (eh->e_ident[5] != 1)
		return "not little-endian (EI_DATA)";
	if (eh->e_ident[6] != 1 || eh->e_version != 1)
		return "unknown ELF version";
	if (eh->e_machine != EM_X86_64)
		return "not an x86-64 program (e_machine)";
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return "neither an executable nor a position-independent one (e_type)";
	if (eh->e_ehsize < sizeof(*eh))
		return "e_ehsize below the ELF64 header's size";
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return "e_phentsize is not 56";
	if (eh->e_phnum == 0)
		return "no program headers";
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return "more than 64 program headers";
	if (add_overflows(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), &end) ||
	    end > len)
		return "program headers run past the end of the file";
	if (eh->e_phoff % 8)
		return "program headers misaligned";
	return NULL;
}

static const char *check_load(const struct elf64_phdr *ph, size_t len)
{
	uint64_t end;

	if (ph->p_filesz > ph->p_memsz)
		return "a PT_LOAD's p_filesz exceeds its p_memsz";
	if (ph->p_memsz == 0)
		return "an empty PT_LOAD";
	if (add_overflows(ph->p_offset, ph->p_filesz, &end) || end > len)
		return "a PT_LOAD's file bytes run past the end of the file";
	if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)))
		return "a PT_LOAD's p_align is not a power of two";
	if (ph->p_align > 1 && ph->p_align < ELF_PAGE)
		return "a PT_LOAD's p_align is below the page size";
	if ((ph->p_vaddr - ph->p_offset) % ELF_PAGE)
		return "a PT_LOAD's p_vaddr and p_offset differ within a page";
	if (add_overflows(ph->p_vaddr, ph->p_memsz, &end) || end > (1ULL << 47))
		return "a PT_LOAD reaches past the user address range";
	return NULL;
}

/* A segment that is not PT_LOAD must still lie in the file when it says
 * it has file bytes (PT_TLS's initial image, PT_PHDR). */
static const char *check_other(const struct elf64_phdr *ph, size_t len)
{
	uint64_t end;

	if (ph->p_type == PT_INTERP)
		return "PT_INTERP: a dynamically linked program (no interpreter here)";
	if (ph->p_type != PT_TLS && ph->p_type != PT_PHDR)
		return NULL;
	if (ph->p_filesz > ph->p_memsz)
		return "a PT_TLS or PT_PHDR's p_filesz exceeds its p_memsz";
	if (add_overflows(ph->p_offset, ph->p_filesz, &end) || end > len)
		return "a PT_TLS or PT_PHDR runs past the end of the file";
	return NULL;
}

/* The loads in ascending order, none overlapping the one before. */
static const char *add_load(const struct elf64_phdr *ph, uint64_t *prev_end, struct elf_info *info)
{
	uint64_t lo = ph->p_vaddr & ~(ELF_PAGE - 1);
	uint64_t hi = (ph->p_vaddr + ph->p_memsz + ELF_PAGE - 1) & ~(ELF_PAGE - 1);

	if (info->nloads && ph->p_vaddr < *prev_end)
		return "PT_LOAD segments overlap or are not in ascending order";
	if (!info->nloads)
		info->lo = lo;
	info->hi = hi;
	*prev_end = ph->p_vaddr + ph->p_memsz;
	info->nloads++;
	if (info->hi - info->lo > ELF_MAX_SPAN)
		return "PT_LOAD segments span more than 4 GiB";
	return NULL;
}

/* Where the program headers are in memory: PT_PHDR, or the load whose
 * file bytes hold them. */
static bool find_phdrs(const struct elf64_phdr *ph, const struct elf64_ehdr *eh,
		       struct elf_info *info)
{
	uint64_t size = (uint64_t)eh->e_phnum * sizeof(*ph);

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && eh->e_phoff >= ph[i].p_offset &&
		    eh->e_phoff + size <= ph[i].p_offset + ph[i].p_filesz) {
			info->phdr_vaddr = ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
			return true;
		}
	return false;
}

static bool entry_executable(const struct elf64_phdr *ph, unsigned n, uint64_t entry)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && entry >= ph[i].p_vaddr &&
		    entry - ph[i].p_vaddr < ph[i].p_memsz)
			return true;
	return false;
}

static const char *check_phdrs(const struct elf64_ehdr *eh, const struct elf64_phdr *ph, size_t len,
			       struct elf_info *info)
{
	uint64_t prev_end = 0;
	const char *why;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			why = check_other(&ph[i], len);
		else if (!(why = check_load(&ph[i], len)))
			why = add_load(&ph[i], &prev_end, info);
		if (why)
			return why;
	}
	if (!info->nloads)
		return "no PT_LOAD segment";
	if (!entry_executable(ph, eh->e_phnum, eh->e_entry))
		return "the entry point is not in an executable PT_LOAD";
	if (!find_phdrs(ph, eh, info))
		return "the program headers are not in any PT_LOAD (AT_PHDR needs them)";
	return NULL;
}

const char *elf_check(const void *img, size_t len, struct elf_info *info)
{
	const struct elf64_ehdr *eh = img;
	const char *why;

	memset(info, 0, sizeof(*info));
	if (!img || (uintptr_t)img % 8)
		return "the image is not 8-byte aligned in memory";
	if ((why = check_ehdr(eh, len)))
		return why;
	if ((why = check_phdrs(eh, elf_phdr(img, 0), len, info)))
		return why;
	info->type = eh->e_type;
	info->phnum = eh->e_phnum;
	info->entry = eh->e_entry;
	info->phoff = eh->e_phoff;
	return NULL;
}

const struct elf64_phdr *elf_phdr(const void *img, unsigned int i)
{
	const struct elf64_ehdr *eh = img;

	return (const struct elf64_phdr *)((const uint8_t *)img + eh->e_phoff) + i;
}
