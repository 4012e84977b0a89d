/* The ACPI tables of a PC (arch/x86/acpi.c). */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H
#include <amphi/boot.h>
#include <amphi/types.h>

/* The table with signature sig (4 characters, "APIC" for the MADT), its
 * header and checksum verified, and its length; NULL when there is no
 * RSDP, no such table or it is malformed (said at warning level). */
const void *acpi_find_table(const struct boot_info *bi, const char *sig, size_t *len);

#endif
