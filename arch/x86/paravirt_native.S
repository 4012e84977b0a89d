/*
 * The native implementations of the callee-save paravirt ops: one
 * instruction (the same text as the NATIVE_* strings in asm/paravirt.h)
 * and a ret, so they preserve every register but their result.  The bytes
 * before the ret are also what the patcher copies into a call site; each
 * op's <name>_insn_len says how many there are.
 */
.macro NATIVE_OP name
	.text
	.balign 16
	.globl native_\name
	.type native_\name, @function
native_\name:
.endm
.macro NATIVE_END name
native_\name\()_insn_end:
	ret
	.size native_\name, . - native_\name
	.section .rodata
	.globl native_\name\()_insn_len
native_\name\()_insn_len:
	.byte native_\name\()_insn_end - native_\name
	.text
.endm

NATIVE_OP save_fl
	pushf
	pop %rax
NATIVE_END save_fl

NATIVE_OP irq_disable
	cli
NATIVE_END irq_disable

NATIVE_OP irq_enable
	sti
NATIVE_END irq_enable

NATIVE_OP read_cr2
	mov %cr2, %rax
NATIVE_END read_cr2

NATIVE_OP read_cr3
	mov %cr3, %rax
NATIVE_END read_cr3

NATIVE_OP write_cr3
	mov %rdi, %cr3
NATIVE_END write_cr3

NATIVE_OP set_pte
	mov %rsi, (%rdi)
NATIVE_END set_pte

NATIVE_OP pte_ident
	mov %rdi, %rax
NATIVE_END pte_ident

NATIVE_OP flush_tlb_one
	invlpg (%rdi)
NATIVE_END flush_tlb_one

NATIVE_OP swapgs
	swapgs
NATIVE_END swapgs

NATIVE_OP spin_unlock
	addb $2, (%rdi)
NATIVE_END spin_unlock

/* Return-to-user hooks: jump targets, entered with the frame on the stack. */
NATIVE_OP iret
	iretq
native_iret_insn_end:
	.size native_iret, . - native_iret
	.section .rodata
	.globl native_iret_insn_len
native_iret_insn_len:
	.byte native_iret_insn_end - native_iret
	.text

	.balign 16
	.globl native_usergs_sysret
native_usergs_sysret:
	swapgs
	sysretq
native_usergs_sysret_insn_end:
	.size native_usergs_sysret, . - native_usergs_sysret
	.section .rodata
	.globl native_usergs_sysret_insn_len
native_usergs_sysret_insn_len:
	.byte native_usergs_sysret_insn_end - native_usergs_sysret
	.text

/* The named no-op every unused slot points at. */
	.globl paravirt_nop
	.type paravirt_nop, @function
paravirt_nop:
	ret
	.size paravirt_nop, . - paravirt_nop
