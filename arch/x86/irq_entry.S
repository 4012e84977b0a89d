/*
 * Interrupt entry stubs for vectors 32-255.  The CPU pushes no error code
 * for an external interrupt, so each stub pushes a zero and its vector:
 * irq_common then builds exactly the struct trap_frame of the exception
 * path (arch/x86/entry.S), so one frame layout serves both.  The C side,
 * irq_dispatch(), runs the handler and irq_exit(); the return goes through
 * the iret paravirt op, as the exception path's does.  An interrupt of
 * user code exchanges the GS bases on the way in and out (the swapgs op),
 * and may switch threads in irq_exit: that is how the timer preempts a
 * program.
 *
 * Each stub is 16-byte aligned so that the stub table below is the only
 * thing that needs to know where a stub is.
 */
#include <asm/desc.h>
#include <asm/entry.h>
#include <asm/paravirt.h>
	.text
.macro IRQ_STUB vec
	.balign 16
irq_stub_\vec:
	pushq $0
	pushq $\vec
	jmp irq_common
.endm

.altmacro
.macro IRQ_STUBS_FROM first, last
	.set vec, \first
	.rept \last - \first + 1
	IRQ_STUB %vec
	.set vec, vec + 1
	.endr
.endm

.macro IRQ_STUB_ADDR vec
	.quad irq_stub_\vec
.endm

	IRQ_STUBS_FROM 32, 255

	.balign 16
irq_common:
	cmpw $USER_CS, 24(%rsp)		/* vector, error code, rip, cs */
	jne 1f
	PV_SWAPGS
1:	SAVE_REGS
	/* The CPU aligned the stack to 16 bytes before its five-word frame;
	 * with the 17 words pushed since that makes 22, so %rsp is still
	 * aligned for the call. */
	mov %rsp, %rdi
	call irq_dispatch
	RESTORE_REGS
	cmpw $USER_CS, 8(%rsp)		/* rip, cs */
	jne 2f
	PV_SWAPGS
	/* The iret paravirt op, a jump site: patched to iretq natively. */
2:	PV_IRET

	.section .rodata
	.balign 8
	.globl irq_stub_table
irq_stub_table:
	.set vec, 32
	.rept 224
	IRQ_STUB_ADDR %vec
	.set vec, vec + 1
	.endr
