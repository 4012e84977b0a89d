/*
 * ACPI table parsing (include/amphi/acpi.h): the RSDP, a table header, the
 * RSDT/XSDT's list and the MADT's CPU entries.  Pure code over buffers,
 * so that the host tests (and a fuzzer) can give it any bytes at all.
 * Fields are read with memcpy: ACPI tables are packed and only byte
 * aligned.
 */
#include <amphi/acpi.h>
#include <amphi/errno.h>
#include <amphi/string.h>

#define MADT_ENTRIES_OFF 44 /* header, local APIC address, flags */
#define MADT_LAPIC 0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC 9
#define MADT_ENABLED 1u
#define MADT_ONLINE_CAPABLE 2u

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

int acpi_rsdp_parse(const void *p, size_t len, struct acpi_rsdp_info *out, const char **why)
{
	const uint8_t *b = p;

	if (len < ACPI_RSDP_V1_LEN || memcmp(b, "RSD PTR ", 8))
		return bad(why, "no 'RSD PTR ' signature");
	if (sum(b, ACPI_RSDP_V1_LEN))
		return bad(why, "RSDP checksum wrong");
	memcpy(out->oem, b + 9, 6);
	out->oem[6] = '\0';
	out->revision = b[15];
	out->sdt = get32(b + 16);
	out->xsdt = false;
	if (out->revision < 2)
		return out->sdt ? 0 : bad(why, "RSDP names no RSDT");
	if (len < ACPI_RSDP_V2_LEN || get32(b + 20) < ACPI_RSDP_V2_LEN || get32(b + 20) > len)
		return bad(why, "ACPI 2 RSDP shorter than its 36 bytes");
	if (sum(b, get32(b + 20)))
		return bad(why, "RSDP extended checksum wrong");
	if (get64(b + 24)) {
		out->sdt = get64(b + 24);
		out->xsdt = true;
	}
	return out->sdt ? 0 : bad(why, "RSDP names neither an XSDT nor an RSDT");
}

long acpi_sdt_check(const void *p, size_t avail, const char *sig, const char **why)
{
	const uint8_t *b = p;
	uint32_t len;

	if (avail < ACPI_SDT_HEADER_LEN)
		return bad(why, "table header cut short");
	if (sig && memcmp(b, sig, 4))
		return bad(why, "table signature is not the expected one");
	len = get32(b + 4);
	if (len < ACPI_SDT_HEADER_LEN || len > avail)
		return bad(why, "table length out of bounds");
	if (sum(b, len))
		return bad(why, "table checksum wrong");
	return len;
}

size_t acpi_sdt_entries(const void *sdt, size_t len, bool xsdt, uint64_t *out, size_t max)
{
	const uint8_t *b = sdt;
	size_t size = xsdt ? 8 : 4;
	size_t n = len > ACPI_SDT_HEADER_LEN ? (len - ACPI_SDT_HEADER_LEN) / size : 0;

	for (size_t i = 0; i < n && i < max; i++) {
		const uint8_t *e = b + ACPI_SDT_HEADER_LEN + i * size;

		out[i] = xsdt ? get64(e) : get32(e);
	}
	return n;
}

static bool cpu_known(const struct acpi_cpu *cpus, unsigned int n, uint32_t apic_id)
{
	for (unsigned int i = 0; i < n; i++)
		if (cpus[i].apic_id == apic_id)
			return true;
	return false;
}

/* One CPU entry: kept, counted as skipped, or beyond the caller's room. */
static void madt_cpu(struct acpi_cpu c, uint32_t flags, struct acpi_cpu *cpus, unsigned int max,
		     struct acpi_madt_info *info)
{
	if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)) ||
	    cpu_known(cpus, info->stored, c.apic_id)) {
		info->skipped++;
		return;
	}
	c.enabled = flags & MADT_ENABLED;
	info->found++;
	if (info->stored < max)
		cpus[info->stored++] = c;
}

static int madt_entry(const uint8_t *e, struct acpi_cpu *cpus, unsigned int max,
		      struct acpi_madt_info *info, const char **why)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (e[1] < 8)
			return bad(why, "local APIC entry shorter than 8 bytes");
		/* 0xff is the xAPIC broadcast ID: no CPU has it. */
		if (e[3] == 0xff)
			info->skipped++;
		else
			madt_cpu((struct acpi_cpu){.apic_id = e[3], .uid = e[2]}, get32(e + 4),
				 cpus, max, info);
		break;
	case MADT_X2APIC:
		if (e[1] < 16)
			return bad(why, "local x2APIC entry shorter than 16 bytes");
		madt_cpu((struct acpi_cpu){.apic_id = get32(e + 4),
					   .uid = get32(e + 12),
					   .x2apic = true},
			 get32(e + 8), cpus, max, info);
		break;
	case MADT_LAPIC_OVERRIDE:
		if (e[1] < 12)
			return bad(why, "local APIC address override shorter than 12 bytes");
		info->lapic_addr = get64(e + 4);
		break;
	}
	return 0;
}

int acpi_madt_parse(const void *madt, size_t len, struct acpi_cpu *cpus, unsigned int max,
		    struct acpi_madt_info *info, const char **why)
{
	const uint8_t *b = madt;

	*info = (struct acpi_madt_info){0};
	if (len < MADT_ENTRIES_OFF)
		return bad(why, "MADT shorter than its fixed part");
	info->lapic_addr = get32(b + ACPI_SDT_HEADER_LEN);
	for (size_t off = MADT_ENTRIES_OFF; off < len;) {
		const uint8_t *e = b + off;
		int rc;

		if (len - off < 2 || e[1] < 2 || e[1] > len - off)
			return bad(why, "MADT entry length runs past the table or is below 2");
		if ((rc = madt_entry(e, cpus, max, info, why)))
			return rc;
		off += e[1];
	}
	return 0;
}
