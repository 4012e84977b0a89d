/*
 * ACPI tables as the kernel reads them to find its CPUs (lib/acpi.c,
 * pure code, fed buffers by arch/x86/acpi.c and by the host tests).  The
 * firmware's tables are foreign data: every length is checked against
 * the bytes actually given, every checksum is verified, and a malformed
 * entry ends the walk with a reason rather than a read past the end.
 */
#ifndef AMPHI_ACPI_H
#define AMPHI_ACPI_H
#include <amphi/types.h>

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
#define ACPI_SDT_HEADER_LEN 36

struct acpi_rsdp_info {
	uint64_t sdt;	  /* physical address of the XSDT, else the RSDT */
	bool xsdt;	  /* sdt is an XSDT (8-byte entries) */
	uint8_t revision; /* 0 for ACPI 1.0, 2 and up after */
	char oem[7];
};

/* An RSDP at p, `len` readable bytes: 0, or -EINVAL with *why set. */
int acpi_rsdp_parse(const void *p, size_t len, struct acpi_rsdp_info *out, const char **why);

/* The header of a system description table at p, `avail` readable bytes:
 * its signature must be `sig` (4 characters, or NULL for any), its length
 * fit in avail and its bytes sum to zero.  The table's length, or
 * -EINVAL with *why set. */
long acpi_sdt_check(const void *p, size_t avail, const char *sig, const char **why);

/* The physical addresses an RSDT or XSDT (checked, `len` bytes) lists,
 * up to max of them; how many it lists in all. */
size_t acpi_sdt_entries(const void *sdt, size_t len, bool xsdt, uint64_t *out, size_t max);

struct acpi_cpu {
	uint32_t apic_id; /* xAPIC (8-bit) or x2APIC (32-bit) ID */
	uint32_t uid;	  /* ACPI processor UID */
	bool x2apic;	  /* from a local x2APIC entry */
	bool enabled;	  /* usable now; otherwise only online-capable */
};

struct acpi_madt_info {
	uint64_t lapic_addr;  /* after any address override */
	unsigned int found;   /* CPU entries seen, enabled or online-capable */
	unsigned int stored;  /* of them kept in the caller's array */
	unsigned int skipped; /* disabled for good, or a duplicate ID */
};

/* The CPUs of a MADT (checked, `len` bytes): enabled or online-capable
 * local APIC and x2APIC entries, each APIC ID once, up to max of them.
 * 0, or -EINVAL with *why set for an entry that runs past the table. */
int acpi_madt_parse(const void *madt, size_t len, struct acpi_cpu *cpus, unsigned int max,
		    struct acpi_madt_info *info, const char **why);

#endif
