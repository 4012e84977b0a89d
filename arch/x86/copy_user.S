/*
 * The copies between kernel and user memory (amphi/uaccess.h).  Each
 * instruction that touches user memory has an entry in .ex_table: its
 * address and where to go if it faults on an address the process cannot
 * have.  rep movsb leaves rcx at the bytes still to copy when it faults,
 * which is what __copy_user returns.  stac and clac only where the CPU has
 * SMAP (they are invalid opcodes elsewhere), decided by one flag.
 */
	.text
.macro OPEN_USER
	testb $1, uaccess_smap(%rip)
	jz 9f
	stac
9:
.endm
.macro CLOSE_USER
	testb $1, uaccess_smap(%rip)
	jz 9f
	clac
9:
.endm

/* size_t __copy_user(void *dst, const void *src, size_t n): bytes not copied */
	.balign 16
	.globl __copy_user
	.type __copy_user, @function
__copy_user:
	movq %rdx, %rcx
	OPEN_USER
1:	rep movsb
2:	CLOSE_USER
	movq %rcx, %rax
	ret
	.size __copy_user, . - __copy_user
	.pushsection .ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

/* long __strncpy_user(char *dst, const char *src, long n): the length of
 * the string (the NUL copied too), n when no NUL came, -1 on a fault. */
	.balign 16
	.globl __strncpy_user
	.type __strncpy_user, @function
__strncpy_user:
	OPEN_USER
	xorl %eax, %eax
3:	cmpq %rdx, %rax
	je 5f
4:	movb (%rsi,%rax), %cl
	movb %cl, (%rdi,%rax)
	testb %cl, %cl
	jz 5f
	incq %rax
	jmp 3b
6:	movq $-1, %rax
5:	CLOSE_USER
	ret
	.size __strncpy_user, . - __strncpy_user
	.pushsection .ex_table, "a"
	.balign 8
	.quad 4b, 6b
	.popsection
