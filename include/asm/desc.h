/* Descriptor-table pointers and gates (x86-64). */
#ifndef ASM_DESC_H
#define ASM_DESC_H
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

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18

#define X86_EFLAGS_IF (1UL << 9)

#endif
