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
#define NR_open 2
#define NR_close 3
#define NR_stat 4
#define NR_fstat 5
#define NR_lstat 6
#define NR_poll 7
#define NR_lseek 8
#define NR_mmap 9
#define NR_mprotect 10
#define NR_munmap 11
#define NR_brk 12
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_rt_sigreturn 15
#define NR_ioctl 16
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_access 21
#define NR_pipe 22
#define NR_select 23
#define NR_pselect6 270
#define NR_ppoll 271
#define NR_sched_yield 24
#define NR_dup 32
#define NR_dup2 33
#define NR_pause 34
#define NR_nanosleep 35
#define NR_getitimer 36
#define NR_alarm 37
#define NR_setitimer 38
#define NR_getpid 39
#define NR_sendfile 40
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_execve 59
#define NR_exit 60
#define NR_wait4 61
#define NR_kill 62
#define NR_uname 63
#define NR_fcntl 72
#define NR_truncate 76
#define NR_ftruncate 77
#define NR_getcwd 79
#define NR_chdir 80
#define NR_fchdir 81
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_creat 85
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_readlink 89
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_umask 95
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
#define NR_sysinfo 99
#define NR_prctl 157
#define NR_arch_prctl 158
#define NR_sync 162
#define NR_settimeofday 164
#define NR_reboot 169
#define NR_gettid 186
#define NR_tkill 200
#define NR_time 201
#define NR_sched_getaffinity 204
#define NR_getdents64 217
#define NR_set_tid_address 218
#define NR_clock_settime 227
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_clock_nanosleep 230
#define NR_exit_group 231
#define NR_tgkill 234
#define NR_waitid 247
#define NR_openat 257
#define NR_mkdirat 258
#define NR_fchownat 260
#define NR_newfstatat 262
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_readlinkat 267
#define NR_fchmodat 268
#define NR_faccessat 269
#define NR_set_robust_list 273
#define NR_utimensat 280
#define NR_dup3 292
#define NR_pipe2 293
#define NR_prlimit64 302
#define NR_renameat2 316
#define NR_getrandom 318
#define NR_execveat 322
#define NR_rseq 334
#define NR_faccessat2 439
#define NR_SYSCALLS 440

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
long sys_access(const struct sysargs *a);
long sys_chdir(const struct sysargs *a);
long sys_chmod(const struct sysargs *a);
long sys_chown(const struct sysargs *a);
long sys_close(const struct sysargs *a);
long sys_creat(const struct sysargs *a);
long sys_dup(const struct sysargs *a);
long sys_dup2(const struct sysargs *a);
long sys_dup3(const struct sysargs *a);
long sys_faccessat(const struct sysargs *a);
long sys_faccessat2(const struct sysargs *a);
long sys_fchdir(const struct sysargs *a);
long sys_fchmod(const struct sysargs *a);
long sys_fchmodat(const struct sysargs *a);
long sys_fchown(const struct sysargs *a);
long sys_fchownat(const struct sysargs *a);
long sys_fcntl(const struct sysargs *a);
long sys_ftruncate(const struct sysargs *a);
long sys_getcwd(const struct sysargs *a);
long sys_getdents64(const struct sysargs *a);
long sys_lchown(const struct sysargs *a);
long sys_link(const struct sysargs *a);
long sys_linkat(const struct sysargs *a);
long sys_lseek(const struct sysargs *a);
long sys_lstat(const struct sysargs *a);
long sys_mkdir(const struct sysargs *a);
long sys_mkdirat(const struct sysargs *a);
long sys_open(const struct sysargs *a);
long sys_openat(const struct sysargs *a);
long sys_pipe(const struct sysargs *a);
long sys_pipe2(const struct sysargs *a);
long sys_poll(const struct sysargs *a);
long sys_pread64(const struct sysargs *a);
long sys_pwrite64(const struct sysargs *a);
long sys_readv(const struct sysargs *a);
long sys_rename(const struct sysargs *a);
long sys_renameat(const struct sysargs *a);
long sys_renameat2(const struct sysargs *a);
long sys_rmdir(const struct sysargs *a);
long sys_select(const struct sysargs *a);
long sys_pselect6(const struct sysargs *a);
long sys_ppoll(const struct sysargs *a);
long sys_sendfile(const struct sysargs *a);
long sys_stat(const struct sysargs *a);
long sys_symlink(const struct sysargs *a);
long sys_symlinkat(const struct sysargs *a);
long sys_truncate(const struct sysargs *a);
long sys_umask(const struct sysargs *a);
long sys_unlink(const struct sysargs *a);
long sys_unlinkat(const struct sysargs *a);
long sys_utimensat(const struct sysargs *a);
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
long sys_execveat(const struct sysargs *a);
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
long sys_prctl(const struct sysargs *a);
long sys_sysinfo(const struct sysargs *a);
long sys_sync(const struct sysargs *a);
long sys_reboot(const struct sysargs *a);
long sys_set_tid_address(const struct sysargs *a);
long sys_clock_gettime(const struct sysargs *a);
long sys_clock_nanosleep(const struct sysargs *a);
long sys_nanosleep(const struct sysargs *a);
long sys_gettimeofday(const struct sysargs *a);
long sys_settimeofday(const struct sysargs *a);
long sys_clock_settime(const struct sysargs *a);
long sys_clock_getres(const struct sysargs *a);
long sys_time(const struct sysargs *a);
long sys_getrlimit(const struct sysargs *a);
long sys_sched_getaffinity(const struct sysargs *a);
long sys_set_robust_list(const struct sysargs *a);
long sys_prlimit64(const struct sysargs *a);
long sys_getrandom(const struct sysargs *a);

/* The xorshift generator behind getrandom and /dev/urandom (not
 * cryptographic): the next value from the state *x. */
uint64_t random_next(uint64_t *x);

/* For the selftests: system calls made since boot, and unknown ones. */
extern uint64_t syscalls_made, syscalls_unknown;

#endif
