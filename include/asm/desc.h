/* Descriptor-table pointers and gates (x86-64). */
#ifndef ASM_DESC_H
#define ASM_DESC_H

/* The GDT every CPU has natively and on PVH (arch/x86/traps.c).  The user
 * segments follow the TSS in the order syscall/sysret need: sysretq takes
 * its CS from STAR[63:48] + 16 and SS from STAR[63:48] + 8, so a 32-bit
 * user code slot (never used: no compat mode) comes first. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18
#define USER32_CS 0x2b
#define USER_DS 0x33
#define USER_CS 0x3b
#define GDT_ENTRIES 8

#ifndef __ASSEMBLY__
#include <amphi/types.h>

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __packed;

#endif /* !__ASSEMBLY__ */

#define X86_EFLAGS_IF (1UL << 9)

#endif
