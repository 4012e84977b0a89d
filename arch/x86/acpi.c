/*
 * Finding the ACPI tables on a PC: the RSDP from the boot protocol (PVH's
 * rsdp_paddr, or multiboot2's copy of it) or, failing that, where a PC
 * BIOS leaves it, the 16-byte boundaries of 0xe0000-0xfffff (the EBDA,
 * the other place the specification names, is in page 0, which the kernel
 * keeps unmapped).  Tables are read in place through the direct map, and
 * lib/acpi.c checks every length and checksum before a field is used; a
 * table beyond the mapped memory is not reached for.
 */
#include <amphi/acpi.h>
#include <amphi/boot.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/acpi.h>

#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000
#define MAX_TABLES 64

/* The bytes at pa, when all len of them are mapped. */
static const void *acpi_bytes(uint64_t pa, size_t len)
{
	return pa && mm_is_mapped(pa, len) ? __va(pa) : NULL;
}

static int acpi_rsdp_at(uint64_t pa, size_t len, struct acpi_rsdp_info *r, const char **why)
{
	const void *p = acpi_bytes(pa, len);

	if (!p) {
		*why = "not in mapped memory";
		return -EINVAL;
	}
	return acpi_rsdp_parse(p, len, r, why);
}

static int acpi_rsdp_scan(struct acpi_rsdp_info *r)
{
	const char *why;

	for (uint64_t pa = BIOS_ROM_START; pa < BIOS_ROM_END; pa += 16)
		if (!acpi_rsdp_at(pa, MIN(ACPI_RSDP_V2_LEN, BIOS_ROM_END - pa), r, &why))
			return 0;
	return -ENOENT;
}

static int acpi_rsdp_find_once(const struct boot_info *bi, struct acpi_rsdp_info *r)
{
	const char *why;

	if (bi->rsdp) {
		if (!acpi_rsdp_at(bi->rsdp, ACPI_RSDP_V2_LEN, r, &why) ||
		    !acpi_rsdp_at(bi->rsdp, ACPI_RSDP_V1_LEN, r, &why)) {
			pr_info("acpi: RSDP from the loader, OEM '%s', ACPI %s\n", r->oem,
				r->xsdt ? "2+ (XSDT)" : "1 (RSDT)");
			return 0;
		}
		pr_warn("acpi: the RSDP the loader gave at %#lx is unusable (%s): searching the "
			"BIOS area\n",
			bi->rsdp, why);
	}
	if (acpi_rsdp_scan(r)) {
		pr_info("acpi: no RSDP from the loader or in the BIOS area\n");
		return -ENOENT;
	}
	pr_info("acpi: RSDP in the BIOS area, OEM '%s', ACPI %s\n", r->oem,
		r->xsdt ? "2+ (XSDT)" : "1 (RSDT)");
	return 0;
}

/* Looked for once: the answer does not change, and is said once. */
static int acpi_rsdp_find(const struct boot_info *bi, struct acpi_rsdp_info *r)
{
	static struct acpi_rsdp_info found;
	static int rc = 1;

	if (rc > 0)
		rc = acpi_rsdp_find_once(bi, &found);
	*r = found;
	return rc;
}

/* A table's bytes once its header, length and checksum are good; else
 * NULL, and why is said. */
static const void *acpi_table_at(uint64_t pa, const char *sig, size_t *len)
{
	const uint8_t *hdr = acpi_bytes(pa, ACPI_SDT_HEADER_LEN);
	const char *why = "not in mapped memory";
	uint32_t full;
	long n = -EINVAL;

	if (hdr) {
		memcpy(&full, hdr + 4, sizeof(full));
		if (acpi_bytes(pa, full))
			n = acpi_sdt_check(hdr, full, sig, &why);
	}
	if (n < 0) {
		pr_warn("acpi: the %.4s at %#lx is unusable: %s\n", sig, pa, why);
		return NULL;
	}
	*len = (size_t)n;
	return hdr;
}

const void *acpi_find_table(const struct boot_info *bi, const char *sig, size_t *len)
{
	struct acpi_rsdp_info r;
	uint64_t entries[MAX_TABLES];
	const void *sdt, *t;
	size_t sdt_len, n;

	if (acpi_rsdp_find(bi, &r))
		return NULL;
	if (!(sdt = acpi_table_at(r.sdt, r.xsdt ? "XSDT" : "RSDT", &sdt_len)))
		return NULL;
	n = acpi_sdt_entries(sdt, sdt_len, r.xsdt, entries, MAX_TABLES);
	for (size_t i = 0; i < MIN(n, (size_t)MAX_TABLES); i++) {
		const uint8_t *h = acpi_bytes(entries[i], 4);

		if (h && !memcmp(h, sig, 4) && (t = acpi_table_at(entries[i], sig, len)))
			return t;
	}
	return NULL;
}
