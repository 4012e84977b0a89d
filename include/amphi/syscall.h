/*
 * System calls by Linux's x86-64 numbers (kernel/syscall.c holds the one
 * table).  Each handler gets the six argument registers and validates them
 * itself; what it returns goes back in rax, a negative errno on failure.
 */
#ifndef AMPHI_SYSCALL_H
#define AMPHI_SYSCALL_H
#include <amphi/types.h>

struct sysargs {
	uint64_t a[6];
};

#define NR_read 0
#define NR_write 1
#define NR_fstat 5
#define NR_mmap 9
#define NR_mprotect 10
#define NR_munmap 11
#define NR_brk 12
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_ioctl 16
#define NR_writev 20
#define NR_sched_yield 24
#define NR_nanosleep 35
#define NR_getpid 39
#define NR_exit 60
#define NR_uname 63
#define NR_readlink 89
#define NR_gettimeofday 96
#define NR_getrlimit 97
#define NR_getuid 102
#define NR_getgid 104
#define NR_geteuid 107
#define NR_getegid 108
#define NR_getppid 110
#define NR_arch_prctl 158
#define NR_gettid 186
#define NR_time 201
#define NR_sched_getaffinity 204
#define NR_set_tid_address 218
#define NR_clock_gettime 228
#define NR_clock_nanosleep 230
#define NR_exit_group 231
#define NR_newfstatat 262
#define NR_readlinkat 267
#define NR_set_robust_list 273
#define NR_prlimit64 302
#define NR_getrandom 318
#define NR_rseq 334
#define NR_SYSCALLS 335

typedef long (*syscall_fn)(const struct sysargs *a);

/* The handlers, by subject (kernel/sys_*.c). */
long sys_read(const struct sysargs *a);
long sys_write(const struct sysargs *a);
long sys_writev(const struct sysargs *a);
long sys_ioctl(const struct sysargs *a);
long sys_fstat(const struct sysargs *a);
long sys_newfstatat(const struct sysargs *a);
long sys_readlink(const struct sysargs *a);
long sys_readlinkat(const struct sysargs *a);
long sys_mmap(const struct sysargs *a);
long sys_mprotect(const struct sysargs *a);
long sys_munmap(const struct sysargs *a);
long sys_brk(const struct sysargs *a);
long sys_rt_sigaction(const struct sysargs *a);
long sys_rt_sigprocmask(const struct sysargs *a);
long sys_sched_yield(const struct sysargs *a);
long sys_getpid(const struct sysargs *a);
long sys_getppid(const struct sysargs *a);
long sys_getid0(const struct sysargs *a);
long sys_exit(const struct sysargs *a);
long sys_uname(const struct sysargs *a);
long sys_arch_prctl(const struct sysargs *a);
long sys_set_tid_address(const struct sysargs *a);
long sys_clock_gettime(const struct sysargs *a);
long sys_clock_nanosleep(const struct sysargs *a);
long sys_nanosleep(const struct sysargs *a);
long sys_gettimeofday(const struct sysargs *a);
long sys_time(const struct sysargs *a);
long sys_getrlimit(const struct sysargs *a);
long sys_sched_getaffinity(const struct sysargs *a);
long sys_set_robust_list(const struct sysargs *a);
long sys_prlimit64(const struct sysargs *a);
long sys_getrandom(const struct sysargs *a);

/* For the selftests: system calls made since boot, and unknown ones. */
extern uint64_t syscalls_made, syscalls_unknown;

#endif
