/*
 * The first instructions of a Xen vCPU other than the first, PVH and PV.
 *
 * Where a Xen PVH vCPU other than the first starts (arch/x86/xen/smp_pvh.c
 * gives Xen this address): already in long mode on the kernel's page
 * tables and its stack, its struct cpu in %rbx, which goes into the GS
 * base before any C runs.
 */
#include <asm/cpu_start.h>

	.text
	.code64
	.balign 16
	.globl xen_pvh_ap_start
	.type xen_pvh_ap_start, @function
xen_pvh_ap_start:
	cld
	mov %rbx, %rax
	write_gs_base_rax
	xor %ebp, %ebp
	call xen_pvh_ap_main
	ud2
	.size xen_pvh_ap_start, . - xen_pvh_ap_start

/*
 * Where a Xen PV vCPU other than the first starts (arch/x86/xen/smp_pv.c):
 * in the kernel, on its stack, the kernel GS base already its struct cpu.
 */
	.balign 16
	.globl xen_pv_ap_start
	.type xen_pv_ap_start, @function
xen_pv_ap_start:
	cld
	xor %ebp, %ebp
	call xen_pv_ap_main
	ud2
	.size xen_pv_ap_start, . - xen_pv_ap_start
