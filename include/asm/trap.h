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
const char *trap_name(uint64_t vector);

/* For selftests: the next exception of this vector is expected; the
 * handler records it and resumes at `resume` with the stack at `resume_rsp`.  Natively only. */
struct trap_expect {
	int vector;
	uint64_t resume, resume_rsp;
	bool seen;
	uint64_t cr2, error_code;
};
extern struct trap_expect trap_expect;

#endif
