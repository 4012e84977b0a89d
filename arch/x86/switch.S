/*
 * The context switch and the first instructions of every new thread.
 *
 * A switch happens only inside a C call (schedule()), so it needs to keep
 * just what the C ABI says a callee preserves: rbx, rbp, r12-r15 and the
 * stack pointer.  Everything else a thread needs is already on its own
 * stack: the caller-saved registers (spilled by the compiler around the
 * call), an interrupt frame when it was preempted, and the interrupt flag,
 * which schedule() saves and restores in C because on Xen PV it is a mask
 * in memory, not a bit that popf could restore.
 */
	.text

/*
 * void switch_stacks(uint64_t *prev_sp, uint64_t next_sp)
 * Called with interrupts off.  Pushes the callee-saved registers, parks
 * the stack pointer in *prev_sp, and returns on the next thread's stack,
 * into whatever call of switch_stacks (or thread_trampoline) left it.
 */
	.balign 16
	.globl switch_stacks
	.type switch_stacks, @function
switch_stacks:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size switch_stacks, . - switch_stacks

/*
 * Where a new thread's first switch_stacks returns to.  kernel/sched.c
 * builds the frame: r12 = fn, r13 = arg, and the stack 16-byte aligned
 * here, as a call expects.  thread_entry() enables interrupts, runs
 * fn(arg) and exits the thread; it never returns.  A zero rbp ends any
 * backtrace at this frame.
 */
	.balign 16
	.globl thread_trampoline
	.type thread_trampoline, @function
thread_trampoline:
	xor %ebp, %ebp
	mov %r12, %rdi
	mov %r13, %rsi
	call thread_entry
	ud2
	.size thread_trampoline, . - thread_trampoline
