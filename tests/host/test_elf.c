/* Unit tests of the ELF checks (lib/elf.c).
 *
 * Each image is built here: a header, program headers and bytes in a
 * buffer of exactly the file's size, a valid program first and then one
 * thing wrong at a time, each expected to be refused with its own words.
 * Real programs are read too when the machine has them: Debian's busybox
 * (ET_EXEC, glibc static) must pass the checks, whatever the loader then
 * says about where it lives. */
#include "amphi_test.h"
#include <amphi/elf.h>

#define LO 0x600000400000ULL
#define FILE_SIZE 0x3000

struct img {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[8];
};

static uint64_t buf_storage[FILE_SIZE / 8];
static uint8_t *buf = (uint8_t *)buf_storage;
static struct elf_info info;

/* A valid ET_EXEC: headers and rodata in a read-only load, text in an
 * executable one holding the entry, data with bss in a writable one. */
static struct img *valid(void)
{
	struct img *m = (struct img *)buf;

	memset(buf, 0, FILE_SIZE);
	memcpy(m->eh.e_ident, "\177ELF\2\1\1", 7);
	m->eh.e_type = ET_EXEC;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = 1;
	m->eh.e_entry = LO + 0x1010;
	m->eh.e_phoff = 64;
	m->eh.e_ehsize = 64;
	m->eh.e_phentsize = 56;
	m->eh.e_phnum = 4;
	m->ph[0] = (struct elf64_phdr){PT_LOAD, PF_R, 0, LO, LO, 0x400, 0x400, 0x1000};
	m->ph[1] = (struct elf64_phdr){PT_LOAD, PF_R | PF_X, 0x1000, LO + 0x1000, LO + 0x1000, 0x800, 0x800, 0x1000};
	m->ph[2] = (struct elf64_phdr){PT_LOAD, PF_R | PF_W, 0x2000, LO + 0x2000, LO + 0x2000, 0x100, 0x5000, 0x1000};
	m->ph[3] = (struct elf64_phdr){PT_TLS, PF_R, 0x2000, LO + 0x2000, LO + 0x2000, 0x10, 0x20, 8};
	return m;
}

static const char *check(void)
{
	return elf_check(buf, FILE_SIZE, &info);
}

#define REFUSED(words) assert_string_equal(check(), words)

static void test_valid_exec(void **state)
{
	valid();
	assert_null(check());
	assert_int_equal(info.type, ET_EXEC);
	assert_int_equal(info.nloads, 3);
	assert_int_equal(info.phnum, 4);
	assert_true(info.lo == LO && info.hi == LO + 0x7000);
	assert_true(info.phdr_vaddr == LO + 64);
	assert_true(info.entry == LO + 0x1010);
}

static void test_valid_dyn(void **state)
{
	struct img *m = valid();

	m->eh.e_type = ET_DYN;
	for (int i = 0; i < 4; i++)
		m->ph[i].p_vaddr -= LO;
	m->eh.e_entry -= LO;
	assert_null(check());
	assert_true(info.lo == 0 && info.phdr_vaddr == 64);
}

static void test_header(void **state)
{
	struct img *m;

	valid();
	assert_string_equal(elf_check(buf, 63, &info), "shorter than an ELF header");
	m = valid(), m->eh.e_ident[1] = 'X';
	REFUSED("not an ELF file (bad magic)");
	m = valid(), m->eh.e_ident[4] = 1;
	REFUSED("not a 64-bit ELF (EI_CLASS)");
	m = valid(), m->eh.e_ident[5] = 2;
	REFUSED("not little-endian (EI_DATA)");
	m = valid(), m->eh.e_version = 2;
	REFUSED("unknown ELF version");
	m = valid(), m->eh.e_machine = 3;
	REFUSED("not an x86-64 program (e_machine)");
	m = valid(), m->eh.e_type = 1;
	REFUSED("neither an executable nor a position-independent one (e_type)");
	m = valid(), m->eh.e_ehsize = 52;
	REFUSED("e_ehsize below the ELF64 header's size");
	m = valid(), m->eh.e_phentsize = 32;
	REFUSED("e_phentsize is not 56");
}

static void test_phdr_table(void **state)
{
	struct img *m;

	m = valid(), m->eh.e_phnum = 0;
	REFUSED("no program headers");
	m = valid(), m->eh.e_phnum = 65;
	REFUSED("more than 64 program headers");
	m = valid(), m->eh.e_phoff = FILE_SIZE - 100;
	REFUSED("program headers run past the end of the file");
	m = valid(), m->eh.e_phoff = UINT64_MAX - 8;
	REFUSED("program headers run past the end of the file");
	m = valid(), m->eh.e_phoff = 68;
	REFUSED("program headers misaligned");
	valid();
	assert_string_equal(elf_check(buf + 4, FILE_SIZE - 4, &info),
			    "the image is not 8-byte aligned in memory");
}

static void test_loads(void **state)
{
	struct img *m;

	m = valid(), m->ph[2].p_filesz = 0x6000;
	REFUSED("a PT_LOAD's p_filesz exceeds its p_memsz");
	m = valid(), m->ph[2].p_memsz = m->ph[2].p_filesz = 0;
	REFUSED("an empty PT_LOAD");
	m = valid(), m->ph[2].p_filesz = 0x1001;
	REFUSED("a PT_LOAD's file bytes run past the end of the file");
	m = valid(), m->ph[2].p_offset = UINT64_MAX - 0x10;
	REFUSED("a PT_LOAD's file bytes run past the end of the file");
	m = valid(), m->ph[1].p_align = 0x3000;
	REFUSED("a PT_LOAD's p_align is not a power of two");
	m = valid(), m->ph[1].p_align = 0x800;
	REFUSED("a PT_LOAD's p_align is below the page size");
	m = valid(), m->ph[1].p_vaddr += 8, m->eh.e_entry += 8;
	REFUSED("a PT_LOAD's p_vaddr and p_offset differ within a page");
	m = valid(), m->ph[2].p_memsz = UINT64_MAX - 0x1000;
	REFUSED("a PT_LOAD reaches past the user address range");
	m = valid(), m->ph[2].p_vaddr = m->ph[2].p_paddr = 0x7ffffffff000ULL, m->ph[2].p_memsz = 0x2000;
	REFUSED("a PT_LOAD reaches past the user address range");
}

static void test_layout(void **state)
{
	struct img *m;

	m = valid(), m->ph[2].p_vaddr = LO + 0x1000, m->ph[2].p_offset = 0x1000;
	REFUSED("PT_LOAD segments overlap or are not in ascending order");
	m = valid(), m->ph[1].p_vaddr = LO - 0x1000, m->eh.e_entry = LO - 0x1000;
	REFUSED("PT_LOAD segments overlap or are not in ascending order");
	m = valid(), m->ph[2].p_vaddr = LO + 0x200002000ULL;
	REFUSED("PT_LOAD segments span more than 4 GiB");
	m = valid(), m->ph[3].p_type = PT_INTERP;
	REFUSED("PT_INTERP: a dynamically linked program (no interpreter here)");
	m = valid(), m->ph[3].p_filesz = 0x2000;
	REFUSED("a PT_TLS or PT_PHDR's p_filesz exceeds its p_memsz");
	m = valid(), m->ph[3].p_offset = FILE_SIZE - 8;
	REFUSED("a PT_TLS or PT_PHDR runs past the end of the file");
	m = valid();
	for (int i = 0; i < 3; i++)
		m->ph[i].p_type = 4; /* PT_NOTE */
	REFUSED("no PT_LOAD segment");
	m = valid(), m->eh.e_entry = LO + 0x2010;
	REFUSED("the entry point is not in an executable PT_LOAD");
	m = valid(), m->eh.e_entry = LO + 0x1800;
	REFUSED("the entry point is not in an executable PT_LOAD");
	m = valid(), m->ph[0].p_filesz = 0x80;
	REFUSED("the program headers are not in any PT_LOAD (AT_PHDR needs them)");
}

/* Debian's busybox-static where the machine has it: a real glibc static
 * program passes; cut anywhere in its headers, it is refused. */
static void test_busybox(void **state)
{
	FILE *f = fopen("/bin/busybox", "rb");
	uint8_t *img;
	long len;

	if (!f) {
		skip();
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	img = aligned_alloc(16, (len + 15) & ~15L);
	assert_int_equal(fread(img, 1, len, f), len);
	fclose(f);
	assert_null(elf_check(img, len, &info));
	assert_int_equal(info.type, ET_EXEC);
	assert_true(info.lo == 0x400000);
	assert_non_null(elf_check(img, 64 + 56 * 3, &info));
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_exec), cmocka_unit_test(test_valid_dyn),
	    cmocka_unit_test(test_header),     cmocka_unit_test(test_phdr_table),
	    cmocka_unit_test(test_loads),      cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_busybox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
