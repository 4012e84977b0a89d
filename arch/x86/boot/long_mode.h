/*
 * The steps from 32-bit protected mode into long mode that the boot CPU
 * (head32.S) and every other native CPU (trampoline.S) take alike: PAE,
 * the boot page tables of head32.S, EFER's long-mode bit (and whatever
 * else the caller asks for), then paging.  A far jump to a 64-bit code
 * segment must follow.  For assembly only.
 */
#ifndef ARCH_X86_BOOT_LONG_MODE_H
#define ARCH_X86_BOOT_LONG_MODE_H

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

.macro enter_long_mode efer_bits
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $\efer_bits, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG + CR0_WP + CR0_PE, %eax
	mov %eax, %cr0
.endm

#endif
