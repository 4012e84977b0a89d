/*
 * The way into the kernel by `syscall` and the ways back to user mode,
 * natively and on Xen PVH (both run the kernel in ring 0 with the CPU's own
 * syscall MSRs, arch/x86/syscall_native.c).
 *
 * `syscall` leaves the user's rip in rcx, its rflags in r11 and everything
 * else, the stack pointer included, as it was; interrupts are off (SFMASK).
 * The entry swaps in the kernel's GS base, parks the user's rsp in struct
 * cpu, takes the running thread's kernel stack from where the TSS keeps it
 * (load_sp0 sets it at every switch), and builds on it the same struct
 * trap_frame every exception and interrupt builds, so that exit, signals
 * and a debugger see one layout.  The swapgs here is the instruction, not
 * the paravirt op: it runs on the user's stack, where no call may push, and
 * Xen PV never comes here (its syscall callback, arch/x86/xen/entry_pv.S,
 * arrives with GS and the stack already switched and joins at
 * syscall_common).
 *
 * The way out: sysretq when the frame still says what sysret can restore
 * (the user's code segment and a canonical rip: sysretq with a
 * non-canonical rcx faults in ring 0 on the user's stack on Intel CPUs),
 * else iretq; and iretq too when rcx and r11 are not the rip and rflags
 * sysret would make of them.  Both are paravirt ops, jump sites (usergs_sysret, and the
 * swapgs op before iret), so that Xen PV replaces them with HYPERVISOR_iret.
 */
#include <asm/desc.h>
#include <asm/entry.h>
#include <asm/paravirt.h>

	.text
	.balign 16
	.globl syscall_entry_native
	.type syscall_entry_native, @function
syscall_entry_native:
	swapgs
	movq %rsp, %gs:CPU_ENTRY_USER_RSP
	movq %gs:CPU_ENTRY_SP0, %rsp
	movq (%rsp), %rsp
	pushq $USER_DS
	pushq %gs:CPU_ENTRY_USER_RSP
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	.globl syscall_common
syscall_common:
	pushq $0			/* error code */
	pushq $TRAP_SYSCALL		/* vector */
	SAVE_REGS
	movq %rsp, %rdi
	call syscall_dispatch		/* returns with interrupts off */
	jmp user_return
	.size syscall_entry_native, . - syscall_entry_native

/*
 * `syscall` from 32-bit code (CSTAR; AMD CPUs take it, Intel's raise #UD):
 * there is no 32-bit system call table, so the answer is -ENOSYS straight
 * back, as Linux's without ia32 emulation.  Nothing else is touched: GS is
 * still the user's and rsp the user's stack.  sysretl returns to the
 * 32-bit code at ecx with r11's flags, as the syscall left them.
 */
	.balign 16
	.globl syscall32_entry_native
	.type syscall32_entry_native, @function
syscall32_entry_native:
	movl $-38, %eax			/* -ENOSYS */
	sysretl
	.size syscall32_entry_native, . - syscall32_entry_native

/*
 * void user_return(void), jumped to with %rsp at a struct trap_frame of
 * a return to user mode and interrupts off.
 */
	.balign 16
	.globl user_return
user_return:
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %r11
	shlq $16, %r11
	sarq $16, %r11
	cmpq %rcx, %r11
	jne user_return_iret		/* non-canonical: sysret would fault */
	cmpq $USER_CS, TF_CS(%rsp)
	jne user_return_iret
	cmpq $USER_DS, TF_SS(%rsp)
	jne user_return_iret
	/* sysret returns rcx and r11 as rip and rflags: a frame whose rcx
	 * and r11 say otherwise (a signal handler's return, a child's first
	 * return) needs iret to come back whole. */
	cmpq %rcx, TF_RCX(%rsp)
	jne user_return_iret
	movq TF_RFLAGS(%rsp), %r11
	cmpq %r11, TF_R11(%rsp)
	jne user_return_iret
	RESTORE_REGS
	movq (%rsp), %rcx		/* rip */
	movq 16(%rsp), %r11		/* rflags */
	movq 24(%rsp), %rsp		/* the user's stack */
	PV_USERGS_SYSRET
user_return_iret:
	RESTORE_REGS
	PV_SWAPGS
	PV_IRET

/*
 * void user_enter(const struct trap_frame *f, uintptr_t stack_top): the
 * first entry of a program into user mode, interrupts off.  The frame is
 * copied to the top of the thread's kernel stack, where the CPU builds the
 * frames of its later entries: over the C frames of the caller, which is
 * never returned to, and perhaps over f itself, so the copy goes backwards
 * when the frame moves up.
 */
	.balign 16
	.globl user_enter
	.type user_enter, @function
user_enter:
	leaq -TF_SIZE(%rsi), %rax	/* where the frame goes */
	movq %rdi, %rsi
	movq %rax, %rdi
	movq $TF_SIZE, %rcx
	cmpq %rsi, %rdi
	jb 1f				/* moving down: forwards is safe */
	leaq -1(%rsi,%rcx), %rsi
	leaq -1(%rdi,%rcx), %rdi
	std
1:	rep movsb
	cld
	movq %rax, %rsp
	jmp user_return_iret
	.size user_enter, . - user_enter
