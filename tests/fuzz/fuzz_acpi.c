/* Fuzz target: the ACPI tables (lib/acpi.c) the firmware hands over.
 *
 * The input is given, as it is, to each parser in turn: as an RSDP, as a
 * table header (of any signature), as an RSDT and an XSDT's list, and as
 * a MADT both raw and, when its header checks, as arch/x86/acpi.c gives
 * it (only the length the header claims).  What each accepts must hold:
 * an RSDP names a table, a checked length lies within the input, the
 * MADT's CPUs are within the caller's room, each APIC ID once. */
#include "fuzz.h"
#include <amphi/acpi.h>

#define CPUS_MAX 8

static void madt(const uint8_t *data, size_t size)
{
	struct acpi_cpu cpus[CPUS_MAX];
	struct acpi_madt_info info;
	const char *why = NULL;

	if (acpi_madt_parse(data, size, cpus, CPUS_MAX, &info, &why)) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(info.stored <= CPUS_MAX && info.stored <= info.found);
	FUZZ_CHECK(info.found == info.stored || info.stored == CPUS_MAX);
	for (unsigned int i = 0; i < info.stored; i++)
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(cpus[i].apic_id != cpus[j].apic_id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_rsdp_info rsdp;
	uint64_t entries[4];
	const char *why = NULL;
	long len;

	if (!acpi_rsdp_parse(data, size, &rsdp, &why))
		FUZZ_CHECK(rsdp.sdt != 0 && rsdp.oem[6] == '\0');
	len = acpi_sdt_check(data, size, NULL, &why);
	if (len >= 0) {
		FUZZ_CHECK(len >= ACPI_SDT_HEADER_LEN && (size_t)len <= size);
		FUZZ_CHECK(acpi_sdt_entries(data, len, false, entries, 4) ==
			   (size_t)(len - ACPI_SDT_HEADER_LEN) / 4);
		acpi_sdt_entries(data, len, true, entries, 4);
		madt(data, len);
	}
	madt(data, size);
	return 0;
}
