/*
 * Xen PV exceptions: a PV guest has no IDT; it gives Xen a trap table and
 * Xen bounces each exception to the listed address.  Returning from one
 * takes HYPERVISOR_iret, which trap_return_via_xen selects in entry.S.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

extern const uint64_t xen_pv_trap_table_addrs[32];
extern bool trap_return_via_xen;

void xen_pv_traps_init(void)
{
	static struct trap_info table[33];
	int n = 0;

	for (int v = 0; v < 32; v++) {
		/* Xen keeps NMI and double fault for itself. */
		if (v == 2 || v == 8 || v == 15 || v > 19)
			continue;
		table[n++] = (struct trap_info){
			.vector = (uint8_t)v,
			.flags = (v == 3 || v == 4) ? 3 : 0, /* int3/into from any ring */
			.cs = FLAT_KERNEL_CS,
			.address = xen_pv_trap_table_addrs[v],
		};
	}
	table[n] = (struct trap_info){0};
	trap_return_via_xen = true;
	long rc = hypercall_set_trap_table(table);
	if (rc)
		pr_err("xen-pv: set_trap_table failed (%ld)\n", rc);
}
