/*
 * The Xen PV entry (XEN_ELFNOTE_ENTRY).  Xen starts us in 64-bit mode in
 * ring 3 with its own page tables mapping the kernel, start_info, the P2M
 * list and a bootstrap stack, and start_info's virtual address in %rsi.
 * Privileged instructions would fault here, so we only clear the BSS,
 * point the kernel GS base at the boot CPU's struct cpu (set_segment_base,
 * a hypercall, which a PV kernel makes with syscall), move to our own
 * stack and go to C.
 */
#include <xen/xen.h>
	.section .text.boot, "ax"
	.code64
	.globl xen_pv_start
xen_pv_start:
	cld
	mov %rsi, %r12
	lea __bss_start(%rip), %rdi
	lea __bss_end(%rip), %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	mov $__HYPERVISOR_set_segment_base, %eax
	mov $SEGBASE_GS_KERNEL, %edi
	lea cpus(%rip), %rsi
	syscall
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	mov %r12, %rdi
	call xen_pv_boot
	ud2
