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

/* HYPERVISOR_iret with FLAGS: the iret_context's rax, r11, rcx and flags
 * pushed on top of the frame, then the hypercall, which never returns. */
.macro xen_pv_hypervisor_iret flags
	pushq \flags
	push %rcx
	push %r11
	push %rax
	mov $__HYPERVISOR_iret, %eax
	syscall
	ud2
.endm

	.text
	.globl xen_pv_iret
xen_pv_iret:
	xen_pv_hypervisor_iret $0

/*
 * The system call callbacks (registered by arch/x86/xen/user_pv.c).  A
 * `syscall` from user mode traps to Xen, which switches to the kernel's
 * root and GS base, masks events (CALLBACKF_mask_events) and enters here
 * on the kernel stack given by stack_switch, with the user's rcx (its rip)
 * and r11 (its rflags) on top of a frame of rip, cs, rflags, rsp and ss:
 * the native entry's frame once those two are taken off.  The cs and ss
 * Xen writes are its guesses; the frame says the selectors user mode runs
 * on, as every other frame of user mode does.
 *
 * The way back is HYPERVISOR_iret.  When rcx and r11 in the frame are
 * the rip and rflags the program returns with, as after any plain system
 * call, the iret says VGCF_in_syscall: Xen then need not restore them and
 * may leave by sysret.  Otherwise (a signal handler entered or returned
 * from, a child's first return) the common path, user_return, whose
 * sysret test fails on Xen's selectors, takes the full iret.
 */
#include <asm/entry.h>
	.text
	.balign 16
	.globl xen_pv_syscall
	.type xen_pv_syscall, @function
xen_pv_syscall:
	pop %rcx
	pop %r11
	movq $FLAT_USER_CS64, 8(%rsp)
	movq $FLAT_USER_SS64, 32(%rsp)
	pushq $0			/* error code */
	pushq $TRAP_SYSCALL		/* vector */
	SAVE_REGS
	movq %rsp, %rdi
	call syscall_dispatch		/* returns with events masked */
	movq TF_RIP(%rsp), %rcx
	cmpq %rcx, TF_RCX(%rsp)
	jne user_return
	movq TF_RFLAGS(%rsp), %r11
	cmpq %r11, TF_R11(%rsp)
	jne user_return
	RESTORE_REGS
	xen_pv_hypervisor_iret $VGCF_in_syscall
	.size xen_pv_syscall, . - xen_pv_syscall

/*
 * A `syscall` from 32-bit compatibility mode: Amphi runs no 32-bit
 * programs, so it fails with -ENOSYS, and the program goes on in the mode
 * it was in.  Without this callback Xen would send it to the 64-bit one,
 * which would return to it in 64-bit mode.
 */
	.balign 16
	.globl xen_pv_syscall32
	.type xen_pv_syscall32, @function
xen_pv_syscall32:
	pop %rcx
	pop %r11
	movq $-38, %rax			/* -ENOSYS */
	jmp xen_pv_iret
	.size xen_pv_syscall32, . - xen_pv_syscall32

/*
 * The sysret op: never reached on PV, since user_return sends every frame
 * whose cs is not USER_CS to iret, and PV's frames carry FLAT_USER_CS64.
 * Reaching it is a kernel bug, reported as one.
 */
	.globl xen_pv_usergs_sysret
xen_pv_usergs_sysret:
	lea xen_pv_no_sysret_msg(%rip), %rdi
	call panic
	.section .rodata
xen_pv_no_sysret_msg:
	.asciz "xen-pv: the sysret op was reached; PV returns to user mode by HYPERVISOR_iret"
	.text
