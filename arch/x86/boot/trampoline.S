/*
 * How another CPU gets from its startup IPI to C.  A CPU woken by
 * INIT-SIPI-SIPI starts in real mode at page VECTOR * 4096 (CS = VECTOR *
 * 256, IP = 0), so the first part, from ap_trampoline_start to
 * ap_trampoline_end, is copied by arch/x86/smp_native.c to a page below
 * 1 MiB and patched there with its own address: the linear addresses of
 * its GDT, of its 32-bit and 64-bit parts, and the physical address of the
 * page tables it turns paging on with.  Those are a root of their own
 * (smp_native.c), not the kernel's: the kernel's root maps nothing in the
 * lower half, which is user space, and this page must be mapped where it
 * runs, one to one, while paging comes on; the trampoline's root maps it
 * so and shares the kernel's upper-half slots.  The trampoline loads its
 * GDT, enters protected mode, turns on PAE, long mode and NX, and from
 * its 64-bit part here jumps to ap_start64 at the kernel's address.  That
 * loads the control registers and the stack the boot CPU left in ap_boot
 * (the kernel's own page tables among them), this CPU's struct cpu into
 * the GS base, and calls ap_main().  The boot CPU starts one CPU at a
 * time, so one ap_boot serves them all.
 */
#include <asm/cpu_start.h>

	.section .rodata.trampoline, "a"
	.code16
	.balign 16
	.globl ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl ap_tr_gdt_ptr - ap_trampoline_start
	movl ap_tr_cr3 - ap_trampoline_start, %edi
	movzwl %ax, %ebx
	shl $4, %ebx			/* this page's linear address */
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *(ap_tr_pm32_ptr - ap_trampoline_start)

	.code32
	.globl ap_tr_pm32
ap_tr_pm32:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	enter_long_mode EFER_LME + EFER_NXE, %edi
	ljmpl *(ap_tr_lm64_ptr - ap_trampoline_start)(%ebx)

	.code64
	.globl ap_tr_lm64
ap_tr_lm64:
	jmp *ap_tr_start64(%rip)	/* copied with the page: position-free */

	.balign 8
	.globl ap_tr_gdt
ap_tr_gdt:
	flat_gdt_entries
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code */
ap_tr_gdt_end:
	.globl ap_tr_gdt_ptr
ap_tr_gdt_ptr:
	.short ap_tr_gdt_end - ap_tr_gdt - 1
	.long 0				/* patched: this page + ap_tr_gdt's offset */
	.globl ap_tr_pm32_ptr
ap_tr_pm32_ptr:
	.long 0				/* patched: this page + ap_tr_pm32's offset */
	.short 0x18
	.globl ap_tr_lm64_ptr
ap_tr_lm64_ptr:
	.long 0				/* patched: this page + ap_tr_lm64's offset */
	.short 0x08
	.globl ap_tr_cr3
ap_tr_cr3:
	.long 0				/* patched: the trampoline's root */
	.balign 8
ap_tr_start64:
	.quad ap_start64
	.globl ap_trampoline_end
ap_trampoline_end:

	.text
	.code64
	.balign 16
	.globl ap_start64
	.type ap_start64, @function
ap_start64:
	load_flat_segments
	mov ap_boot+0(%rip), %rax	/* cr4 */
	mov %rax, %cr4
	mov ap_boot+8(%rip), %rax	/* cr3: the kernel's page tables */
	mov %rax, %cr3
	mov ap_boot+16(%rip), %rsp	/* stack */
	mov ap_boot+24(%rip), %rax	/* struct cpu */
	write_gs_base_rax
	xor %ebp, %ebp
	call ap_main
	ud2
	.size ap_start64, . - ap_start64
