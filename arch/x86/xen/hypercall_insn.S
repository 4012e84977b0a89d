/*
 * The one hypercall instruction slot (see include/asm/xen/hypercall.h).
 * Three bytes fit `syscall; nop`, `vmcall` and `vmmcall`; ud2 until set.
 */
	.text
	.balign 16
	.globl xen_hypercall_insn
xen_hypercall_insn:
	ud2
	nop
	ret
