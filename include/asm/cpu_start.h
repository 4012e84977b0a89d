/*
 * What the first instructions of CPUs started outside Xen PV share (the
 * boot CPU in head32.S, the others through trampoline.S, Xen PVH vCPUs in
 * arch/x86/xen/smp_entry.S): the steps into long mode, the flat data
 * segments, and the CPU's struct cpu into the GS base before any C runs.
 * For assembly only.
 */
#ifndef ASM_CPU_START_H
#define ASM_CPU_START_H

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

/* From 32-bit protected mode: PAE, the page tables whose physical
 * address `root` gives (an operand: head32.S's boot_pml4, the trampoline's
 * own root), EFER's long-mode bit (and whatever else the caller asks for),
 * then paging.  A far jump to a 64-bit code segment must follow.  Clobbers
 * eax, ecx and edx. */
.macro enter_long_mode efer_bits, root
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov \root, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $\efer_bits, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG + CR0_WP + CR0_PE, %eax
	mov %eax, %cr0
.endm

/* The flat descriptors both boot GDTs hold (head32.S's boot_gdt, the
 * trampoline's ap_tr_gdt), at the selectors the code above and below
 * uses: 0x08 64-bit code, 0x10 data; the trampoline adds 0x18, 32-bit
 * code, for the step out of real mode. */
.macro flat_gdt_entries
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
.endm

/* The data segments of boot_gdt (selector 0x10); fs and gs null. */
.macro load_flat_segments
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
.endm

/* The GS base from %rax (this CPU's struct cpu); clobbers rcx and rdx.
 * Not for Xen PV, whose GS base only set_segment_base can write. */
.macro write_gs_base_rax
	mov $MSR_GS_BASE, %ecx
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
.endm

#endif
