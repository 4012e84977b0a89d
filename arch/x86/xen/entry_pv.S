/*
 * Xen PV exception entry: Xen bounces an exception to us with %rcx and %r11
 * pushed on top of the hardware-style frame.  Restore them, then continue in
 * the common stubs, so the rest of the path is the native one.
 */
	.text
.macro PV_STUB vec
	.balign 8
	.globl xen_pv_trap_\vec
xen_pv_trap_\vec:
	pop %rcx
	pop %r11
	jmp trap_stub_\vec
.endm
#define VECTORS 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.irp vec, VECTORS
	PV_STUB \vec
	.endr

	.section .rodata
	.balign 8
	.globl xen_pv_trap_table_addrs
xen_pv_trap_table_addrs:
	.irp vec, VECTORS
	.quad xen_pv_trap_\vec
	.endr

/*
 * The iret paravirt op on Xen PV: an exception frame's CS is the guest's
 * view (RPL 0, the saved event mask in the high bits), which iretq would
 * refuse; HYPERVISOR_iret takes an iret_context of rax, r11, rcx and flags
 * on top of the frame and returns there itself.
 */
#include <xen/xen.h>
	.text
	.globl xen_pv_iret
xen_pv_iret:
	pushq $0
	push %rcx
	push %r11
	push %rax
	mov $__HYPERVISOR_iret, %eax
	syscall
	ud2

/*
 * Returning to user mode after a syscall: Xen PV does it with
 * HYPERVISOR_iret and VGCF_in_syscall.  Amphi has no user mode on PV yet, so
 * reaching this is a kernel bug, reported as one.
 */
	.globl xen_pv_usergs_sysret
xen_pv_usergs_sysret:
	lea xen_pv_no_user_mode_msg(%rip), %rdi
	call panic
	.section .rodata
xen_pv_no_user_mode_msg:
	.asciz "xen-pv: return to user mode, but Amphi has no user mode on PV yet"
	.text
