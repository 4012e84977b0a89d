/*
 * Exception entry stubs for vectors 0-31.  Each pushes a dummy error code
 * where the CPU pushes none, then its vector, so every exception reaches
 * trap_common with the same frame (struct trap_frame in include/asm/trap.h).
 * Xen PV enters through its own stubs (arch/x86/xen/entry_pv.S), which drop
 * the two registers Xen saves and then come here.
 *
 * An exception taken in user mode (its CS the user's) exchanges the GS
 * bases on the way in and out, through the swapgs paravirt op, so that C
 * always finds the kernel's struct cpu at %gs:0.
 */
#include <asm/desc.h>
#include <asm/entry.h>
#include <asm/paravirt.h>
	.text
.macro TRAP_STUB vec
	.balign 16
	.globl trap_stub_\vec
trap_stub_\vec:
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

#define VECTORS 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.irp vec, VECTORS
	TRAP_STUB \vec
	.endr

trap_common:
	cmpw $USER_CS, 24(%rsp)		/* vector, error code, rip, cs */
	jne 1f
	PV_SWAPGS
1:	SAVE_REGS
	mov %rsp, %rdi
	call trap_dispatch
	RESTORE_REGS
	cmpw $USER_CS, 8(%rsp)		/* rip, cs */
	jne 2f
	PV_SWAPGS
2:	PV_IRET

	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.irp vec, VECTORS
	.quad trap_stub_\vec
	.endr
