/*
 * Assembler macros shared by every entry path (exceptions in
 * arch/x86/entry.S, IDT interrupts in arch/x86/irq_entry.S, the Xen PV event
 * upcall in arch/x86/xen/upcall_pv.S): all of them build and unwind the one
 * struct trap_frame layout of include/asm/trap.h, so the C side and a
 * debugger see the same frame whichever way the CPU came in.
 */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H

/* struct cpu's fields the syscall entry reads through %gs (checked in
 * arch/x86/cpu.c). */
#define CPU_ENTRY_USER_RSP 8
#define CPU_ENTRY_SP0 16

/* struct trap_frame (asm/trap.h): the two registers sysret takes rip and
 * rflags from, and the hardware part, from the bottom of the general
 * registers. */
#define TF_R11 (4 * 8)
#define TF_RCX (12 * 8)
#define TF_RIP (17 * 8)
#define TF_CS (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP (20 * 8)
#define TF_SS (21 * 8)
#define TF_SIZE (22 * 8)
/* The vector word of a system call's frame: not an exception vector. */
#define TRAP_SYSCALL 0x100

#ifdef __ASSEMBLY__

/* Below the vector and error-code words: the general registers, r15 lowest. */
.macro SAVE_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
.endm

/* The reverse, and the vector and error-code words dropped: the stack is
 * left at the hardware frame, ready for the iret op. */
.macro RESTORE_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
.endm

#endif
#endif
