/*
 * What the loaders read before running a single instruction of ours:
 * Xen's ELF notes (PV entry, PVH entry, features) and the multiboot2 header
 * that GRUB looks for in the first 32 KiB of the file.
 */
#include <xen/elfnote.h>
#include <xen/features.h>
#include <asm/page.h>

#define ELFNOTE(type, desc)				\
	.pushsection .note.Xen, "a", @note;		\
	.balign 4;					\
	.long 2f - 1f;		/* name size */		\
	.long 4f - 3f;		/* desc size */		\
	.long type;					\
1:	.asciz "Xen";					\
2:	.balign 4;					\
3:	desc;						\
4:	.balign 4;					\
	.popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "Amphi")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
/* Xen maps pseudo-physical page N at VIRT_BASE + N * 4 KiB, and with
 * PADDR_OFFSET 0 a segment's virtual address is its p_paddr + VIRT_BASE:
 * the direct map the kernel is linked in (see the linker script). */
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad PAGE_OFFSET)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad xen_pv_start)
/* Page tables are read-only to a PV guest and updated by hypercall. */
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "!writable_page_tables")
ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long (1 << XENFEAT_dom0))
ELFNOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long 1)
/* QEMU's PVH loader reads this as 8 bytes, Xen accepts 4 or 8.  Physical:
 * paging is off there. */
ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .quad entry32 - PAGE_OFFSET)

/* Multiboot2 header: GRUB loads our ELF segments, then enters at entry32. */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Entry address tag: enter at the 32-bit entry, not the ELF's, at its
	 * physical address. */
	.balign 8
	.short 3, 0
	.long 12
	.long entry32 - PAGE_OFFSET
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:
