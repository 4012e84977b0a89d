/*
 * SMP on bare hardware (and PVH outside Xen, as QEMU boots it): the CPUs
 * are the enabled local APIC and x2APIC entries of ACPI's MADT, the boot
 * CPU the one whose APIC ID this CPU reads.  Entries that are only
 * online-capable are CPUs that may be plugged in later: counted, not
 * present.  A missing or malformed MADT leaves the boot CPU alone, and
 * says why.
 */
#include <amphi/acpi.h>
#include <amphi/boot.h>
#include <amphi/cpu.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <asm/acpi.h>
#include <asm/apic.h>

static struct acpi_cpu madt_cpus[NR_CPUS];

/* The MADT's CPUs into cpus[]; how they were found, for the report. */
static void native_smp_enumerate(char *how, size_t len)
{
	struct acpi_madt_info info;
	const char *why;
	size_t madt_len;
	const void *madt = acpi_find_table(&boot_info, "APIC", &madt_len);
	unsigned int later = 0;

	if (!madt) {
		snprintf(how, len, "no MADT: the boot CPU alone");
		return;
	}
	if (acpi_madt_parse(madt, madt_len, madt_cpus, NR_CPUS, &info, &why)) {
		pr_err("smp: the MADT is malformed (%s): the boot CPU alone\n", why);
		snprintf(how, len, "malformed MADT");
		return;
	}
	for (unsigned int i = 0; i < info.stored; i++) {
		struct cpu *c;

		if (!madt_cpus[i].enabled) {
			later++;
			continue;
		}
		if (madt_cpus[i].apic_id == cpus[0].apic_id)
			continue;
		if ((c = cpu_add_present()))
			c->apic_id = madt_cpus[i].apic_id;
	}
	snprintf(how, len, "MADT: %u enabled, %u online-capable, %s", info.found - later, later,
		 apic_mode == APIC_MODE_X2APIC ? "x2APIC" : "xAPIC");
}

void native_smp_init(void)
{
	char how[96];

	cpus[0].apic_id = apic_id();
	native_smp_enumerate(how, sizeof(how));
	smp_report(how);
}
