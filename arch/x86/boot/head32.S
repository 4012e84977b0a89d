/*
 * The 32-bit entry shared by PVH (Xen, QEMU -kernel, Firecracker,
 * cloud-hypervisor) and multiboot2 (GRUB).  Both start us in flat 32-bit
 * protected mode with paging off; multiboot2 says so with its magic in %eax,
 * PVH with the magic at the start of the structure %ebx points to, and the C
 * code tells them apart.  Here we only clear the BSS, identity-map the first
 * 4 GiB with 2 MiB pages (which covers the kernel, the boot structures and
 * the Xen console and xenstore pages) and switch to long mode.
 */
#include <asm/cpu_start.h>
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define COM1 0x3f8

	.section .text.boot, "ax"
	.code32
	.globl entry32
entry32:
	cli
	cld
	mov %eax, %ebp			/* multiboot2 magic, or nothing (PVH) */
	mov %ebx, %esi			/* boot information */

	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pdpt + PTE_P + PTE_W, boot_pml4
	xor %ecx, %ecx
1:	mov %ecx, %edx
	shl $12, %edx
	lea boot_pd + PTE_P + PTE_W(%edx), %eax
	mov %eax, boot_pdpt(,%ecx,8)
	inc %ecx
	cmp $4, %ecx
	jb 1b
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $PTE_P + PTE_W + PTE_PS, %eax
	mov %eax, boot_pd(,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jb 2b

	enter_long_mode EFER_LME
	lgdt boot_gdt_ptr
	ljmp $0x08, $entry64

	/* No long mode: say so on the first serial port (harmless where there
	 * is none) rather than fault, then stop. */
no_long_mode:
	mov $no_lm_msg, %esi
3:	lodsb
	test %al, %al
	jz 4f
	mov $COM1, %dx
	outb %al, %dx
	jmp 3b
4:	hlt
	jmp 4b

	.code64
entry64:
	load_flat_segments
	/* The GS base: the boot CPU's struct cpu (include/amphi/cpu.h). */
	mov $cpus, %eax
	write_gs_base_rax
	mov $boot_stack_top, %rsp
	mov %ebp, %edi			/* zero-extends: upper halves are undefined */
	mov %esi, %esi
	xor %ebp, %ebp
	call boot32_main
5:	hlt
	jmp 5b

	.section .rodata
no_lm_msg:
	.asciz "Amphi: this CPU has no 64-bit long mode; stopping.\r\n"

	.balign 16
	.globl boot_gdt
boot_gdt:
	flat_gdt_entries
boot_gdt_end:
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.balign 16
	.globl boot_stack_top
boot_stack:	.skip 32768
boot_stack_top:
