/*
 * Xen PV event entry.  Xen enters the event callback the way it bounces an
 * exception: %rcx and %r11 on top of a hardware-style frame (rip, cs,
 * rflags, rsp, ss), no error code, and events masked.  We build the same
 * struct trap_frame the exception stubs build (arch/x86/entry.S), so the C
 * side and any debugger see one frame layout, and leave through
 * HYPERVISOR_iret, which restores the event mask from the saved flags.
 */
#include <asm/entry.h>
/* The vector word of the frame: VECTOR_XEN_CALLBACK (amphi/irq.h), the
 * vector the same events arrive on under PVH. */
#define UPCALL_VECTOR 0xf3

	.text
	.balign 16
	.globl xen_pv_upcall
	.type xen_pv_upcall, @function
xen_pv_upcall:
	pop %rcx
	pop %r11
	pushq $0
	pushq $UPCALL_VECTOR
	SAVE_REGS
	mov %rsp, %rdi
	/* Xen aligns the frame it builds, but the C ABI's alignment is ours
	 * to keep: %rbx survives the call and holds the frame. */
	mov %rsp, %rbx
	and $-16, %rsp
	call xen_pv_upcall_dispatch
	mov %rbx, %rsp
	RESTORE_REGS
	jmp xen_pv_iret
	.size xen_pv_upcall, . - xen_pv_upcall

/*
 * The failsafe callback: Xen could not load the segment registers of the
 * context it was returning to.  The frame is %rcx, %r11, ds, es, fs, gs,
 * then rip, cs, rflags, rsp, ss.  Amphi never loads a segment Xen could
 * refuse, so this is a bug: report it and stop.
 */
	.balign 16
	.globl xen_pv_failsafe
	.type xen_pv_failsafe, @function
xen_pv_failsafe:
	mov %rsp, %rdi
	and $-16, %rsp
	call xen_pv_failsafe_report
	ud2
	.size xen_pv_failsafe, . - xen_pv_failsafe
