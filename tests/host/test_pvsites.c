/* A host check over the real kernel: reads build/amphi.elf (or $AMPHI_ELF),
 * applies to every recorded paravirt site the plan the kernel applies at
 * boot on bare hardware (the native implementations from pv_ops' initial
 * values, the op descriptors from .pv_descs, the patcher from lib/), and
 * checks that no site is left an indirect call and that every inline site
 * holds its op's native instruction. */
#include "amphi_test.h"
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct image {
	uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
};

/* The kernel's struct pv_op_desc, as laid out in .pv_descs. */
struct desc {
	uint16_t offset;
	uint8_t pad[6];
	uint64_t native;
	uint64_t insn_len;
	uint64_t name;
};

static struct image img;

static int load(void **state)
{
	const char *path = getenv("AMPHI_ELF") ? getenv("AMPHI_ELF") : "build/amphi.elf";
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "cannot open %s: build the kernel first\n", path);
		return -1;
	}
	img.size = (size_t)st.st_size;
	img.data = malloc(img.size);
	if (read(fd, img.data, img.size) != (ssize_t)img.size)
		return -1;
	close(fd);
	img.eh = (const Elf64_Ehdr *)img.data;
	if (memcmp(img.eh->e_ident, ELFMAG, SELFMAG) || img.eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -1;
	img.sh = (const Elf64_Shdr *)(img.data + img.eh->e_shoff);
	return 0;
}

static int unload(void **state)
{
	free(img.data);
	return 0;
}

static uint64_t symbol(const char *name)
{
	for (unsigned i = 0; i < img.eh->e_shnum; i++) {
		if (img.sh[i].sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Sym *sym = (const void *)(img.data + img.sh[i].sh_offset);
		const char *str = (const char *)img.data + img.sh[img.sh[i].sh_link].sh_offset;
		for (size_t j = 0; j < img.sh[i].sh_size / sizeof(*sym); j++)
			if (!strcmp(str + sym[j].st_name, name))
				return sym[j].st_value;
	}
	fail_msg("symbol %s not in the kernel", name);
	return 0;
}

/* The file bytes behind a virtual address (virtual == load address). */
static uint8_t *at(uint64_t addr)
{
	for (unsigned i = 0; i < img.eh->e_shnum; i++) {
		const Elf64_Shdr *s = &img.sh[i];
		if ((s->sh_flags & SHF_ALLOC) && s->sh_type == SHT_PROGBITS && addr >= s->sh_addr &&
		    addr < s->sh_addr + s->sh_size)
			return img.data + s->sh_offset + (addr - s->sh_addr);
	}
	fail_msg("address %#lx is not in a loaded section", (unsigned long)addr);
	return NULL;
}

static const struct desc *find_desc(uint16_t off)
{
	uint64_t start = symbol("__pv_descs_start"), end = symbol("__pv_descs_end");

	for (uint64_t a = start; a < end; a += sizeof(struct desc)) {
		const struct desc *d = (const void *)at(a);
		if (d->offset == off)
			return d;
	}
	return NULL;
}

static void test_native_plan_leaves_no_indirect_site(void **state)
{
	uint64_t start = symbol("__pv_sites_start"), end = symbol("__pv_sites_end");
	uint64_t pv_ops = symbol("pv_ops"), nop = symbol("paravirt_nop");
	unsigned counts[4] = {0}, n = 0;

	for (uint64_t a = start; a < end; a += sizeof(struct pv_site), n++) {
		struct pv_site s;
		memcpy(&s, at(a), sizeof(s));
		uint64_t site = a + (uint64_t)(int64_t)s.rel;
		const struct desc *d = find_desc(s.op_off);
		if (!d)
			fail_msg("site %#lx: no descriptor for pv_ops offset %u", (unsigned long)site,
				 s.op_off);
		uint64_t impl;
		memcpy(&impl, at(pv_ops + s.op_off), 8);
		uint8_t tlen = d->insn_len ? *at(d->insn_len) : 0;
		enum pv_patch_how how = pv_patch_choose(impl, d->native, nop, tlen != 0, s.kind);
		uint8_t code[PV_SITE_MAX_LEN];
		const char *why;

		assert_in_range(s.len, 6, PV_SITE_MAX_LEN);
		memcpy(code, at(site), s.len);
		assert_int_equal(pv_site_classify(code, site, s.len, NULL), PV_PATCH_INDIRECT);
		if (pv_patch_site(code, site, s.len, s.kind, how, tlen ? at(d->native) : NULL, tlen,
				  impl, &why))
			fail_msg("site %#lx (%s): %s", (unsigned long)site, (const char *)at(d->name), why);
		enum pv_patch_how now = pv_site_classify(code, site, s.len, NULL);
		assert_int_not_equal(now, PV_PATCH_INDIRECT);
		if (now == PV_PATCH_INLINE)
			assert_memory_equal(code + s.len - tlen, at(d->native), tlen);
		counts[now]++;
	}
	print_message("%u sites: %u inline, %u direct, %u nop, %u indirect\n", n,
		      counts[PV_PATCH_INLINE], counts[PV_PATCH_DIRECT], counts[PV_PATCH_NOP],
		      counts[PV_PATCH_INDIRECT]);
	/* The kernel has interrupt, cr3 and exception-return sites at least. */
	assert_true(n >= 10);
	assert_true(counts[PV_PATCH_INLINE] >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_plan_leaves_no_indirect_site),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
