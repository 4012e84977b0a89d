/* The frame every exception stub builds (arch/x86/entry.S). */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H
#include <amphi/types.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

extern const uint64_t trap_stub_table[32];
void trap_dispatch(struct trap_frame *f);
/* Builds the exception gates and loads them with the load_idt op. */
void idt_init(void);
/* The IDT itself, for arch/x86/irq.c. */
struct idt_gate *idt_table(void);
const char *trap_name(uint64_t vector);

/* For selftests: the next exception of this vector is expected; the
 * handler records it and resumes where trap_expect_run() called `cause`,
 * with the stack and the callee-saved registers as they were there, the way
 * longjmp does. */
struct trap_expect {
	int vector;
	uint64_t resume, resume_rsp;
	uint64_t rbx, rbp, r12, r13, r14, r15;
	bool seen;
	uint64_t cr2, error_code;
};
extern struct trap_expect trap_expect;

/* Calls cause(), expecting it to take exception `vector`; true when it did.
 * trap_expect then holds the fault address and error code. */
bool trap_expect_run(int vector, void (*cause)(void));

#endif
