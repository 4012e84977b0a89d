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
#define NR_rt_sigreturn 15
#define NR_ioctl 16
#define NR_writev 20
#define NR_sched_yield 24
#define NR_pause 34
#define NR_nanosleep 35
#define NR_getitimer 36
#define NR_alarm 37
#define NR_setitimer 38
#define NR_getpid 39
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_execve 59
#define NR_exit 60
#define NR_wait4 61
#define NR_kill 62
#define NR_uname 63
#define NR_readlink 89
#define NR_gettimeofday 96
#define NR_getrlimit 97
#define NR_getuid 102
#define NR_getgid 104
#define NR_geteuid 107
#define NR_getegid 108
#define NR_setpgid 109
#define NR_getppid 110
#define NR_getpgrp 111
#define NR_setsid 112
#define NR_getpgid 121
#define NR_getsid 124
#define NR_rt_sigpending 127
#define NR_rt_sigsuspend 130
#define NR_sigaltstack 131
#define NR_arch_prctl 158
#define NR_gettid 186
#define NR_tkill 200
#define NR_time 201
#define NR_sched_getaffinity 204
#define NR_set_tid_address 218
#define NR_clock_gettime 228
#define NR_clock_nanosleep 230
#define NR_exit_group 231
#define NR_tgkill 234
#define NR_waitid 247
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
long sys_rt_sigreturn(const struct sysargs *a);
long sys_pause(const struct sysargs *a);
long sys_getitimer(const struct sysargs *a);
long sys_alarm(const struct sysargs *a);
long sys_setitimer(const struct sysargs *a);
long sys_clone(const struct sysargs *a);
long sys_fork(const struct sysargs *a);
long sys_execve(const struct sysargs *a);
long sys_wait4(const struct sysargs *a);
long sys_kill(const struct sysargs *a);
long sys_setpgid(const struct sysargs *a);
long sys_getpgrp(const struct sysargs *a);
long sys_setsid(const struct sysargs *a);
long sys_getpgid(const struct sysargs *a);
long sys_getsid(const struct sysargs *a);
long sys_rt_sigpending(const struct sysargs *a);
long sys_rt_sigsuspend(const struct sysargs *a);
long sys_sigaltstack(const struct sysargs *a);
long sys_tkill(const struct sysargs *a);
long sys_tgkill(const struct sysargs *a);
long sys_waitid(const struct sysargs *a);
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
