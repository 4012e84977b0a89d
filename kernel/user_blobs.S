/*
 * The programs built into the kernel (the Makefile builds them from
 * tests/user/ with the host's gcc), each in .rodata.user_progs, 16-byte
 * aligned as the ELF checks want an image, and their table, user_progs[]
 * of amphi/user.h (name, image, length): the selftests and the shell's
 * `run` start them until the initramfs brings real files.
 */
#define STR2(x) #x
#define STR(x) STR2(x)

.macro USER_PROG name
	.section .rodata.user_progs, "a"
	.balign 16
user_prog_\name\()_start:
	.incbin STR(USER_DIR/\name)
user_prog_\name\()_end:
	.section .rodata.str1.1, "aMS", @progbits, 1
user_prog_\name\()_name:
	.asciz "\name"
	.section .rodata
	.quad user_prog_\name\()_name, user_prog_\name\()_start
	.quad user_prog_\name\()_end - user_prog_\name\()_start
.endm

	.section .rodata
	.balign 8
	.globl user_progs
user_progs:
	USER_PROG utest
	USER_PROG sysfuzz
	USER_PROG hello_glibc
	USER_PROG files
	USER_PROG procs
	USER_PROG hello_static
	.globl nr_user_progs
nr_user_progs:
	.long (nr_user_progs - user_progs) / 24
