/*
 * The 32-bit entry shared by PVH (Xen, QEMU -kernel, Firecracker,
 * cloud-hypervisor) and multiboot2 (GRUB).  Both start us in flat 32-bit
 * protected mode with paging off; multiboot2 says so with its magic in %eax,
 * PVH with the magic at the start of the structure %ebx points to, and the C
 * code tells them apart.
 *
 * The kernel is linked in the upper half (include/asm/page.h) but loaded at
 * 1 MiB, and this code runs before paging, at physical addresses: every
 * symbol is taken as PHYS(sym).  Here we only clear the BSS, map the first
 * 4 GiB with 2 MiB pages twice, one to one (for the instructions that turn
 * paging on) and at PAGE_OFFSET (the direct map, which covers the kernel,
 * the boot structures and the Xen console and xenstore pages), switch to
 * long mode and jump to the kernel's own address.  There the one-to-one
 * half is dropped at once: the lower half is user space.
 */
#include <asm/cpu_start.h>
#include <asm/page.h>
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define COM1 0x3f8
#define PHYS(sym) ((sym) - PAGE_OFFSET)
#define L4_DIRECT ((PAGE_OFFSET >> 39) & 511)

	.section .text.boot, "ax"
	.code32
	.globl entry32
entry32:
	cli
	cld
	mov %eax, %ebp			/* multiboot2 magic, or nothing (PVH) */
	mov %ebx, %esi			/* boot information */

	mov $PHYS(__bss_start), %edi
	mov $PHYS(__bss_end), %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $PHYS(boot_stack_top), %esp

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode

	/* PML4[0] and PML4[L4_DIRECT] -> one PDPT; PDPT[0..3] -> four page
	 * directories of 2 MiB pages. */
	movl $PHYS(boot_pdpt) + PTE_P + PTE_W, PHYS(boot_pml4)
	movl $PHYS(boot_pdpt) + PTE_P + PTE_W, PHYS(boot_pml4) + 8 * L4_DIRECT
	xor %ecx, %ecx
1:	mov %ecx, %edx
	shl $12, %edx
	lea PHYS(boot_pd) + PTE_P + PTE_W(%edx), %eax
	mov %eax, PHYS(boot_pdpt)(,%ecx,8)
	inc %ecx
	cmp $4, %ecx
	jb 1b
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $PTE_P + PTE_W + PTE_PS, %eax
	mov %eax, PHYS(boot_pd)(,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jb 2b

	enter_long_mode EFER_LME, $PHYS(boot_pml4)
	lgdt PHYS(boot_gdt_ptr32)
	ljmp $0x08, $PHYS(entry64_low)

	/* No long mode: say so on the first serial port (harmless where there
	 * is none) rather than fault, then stop. */
no_long_mode:
	mov $PHYS(no_lm_msg), %esi
3:	lodsb
	test %al, %al
	jz 4f
	mov $COM1, %dx
	outb %al, %dx
	jmp 3b
4:	hlt
	jmp 4b

	.code64
entry64_low:
	movabs $entry64, %rax
	jmp *%rax

entry64:
	lgdt boot_gdt_ptr(%rip)		/* the GDT at its kernel address */
	load_flat_segments
	movq $0, boot_pml4(%rip)	/* no one-to-one map from here on */
	mov %cr3, %rax
	mov %rax, %cr3
	/* The GS base: the boot CPU's struct cpu (include/amphi/cpu.h). */
	lea cpus(%rip), %rax
	write_gs_base_rax
	lea boot_stack_top(%rip), %rsp
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
	/* The same GDT for lgdt in 32-bit mode, at its physical address. */
boot_gdt_ptr32:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

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
