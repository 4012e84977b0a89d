/*
 * The system-call table: Linux's x86-64 numbers, one entry each for the
 * calls implemented, and the dispatcher the syscall entry calls
 * (arch/x86/syscall_64.S) with the caller's registers in a trap frame.  A
 * number without an entry returns -ENOSYS, as Linux does, and is said on
 * the console once per number, so that what a program still needs shows.
 */
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/syscall.h>
#include <asm/paravirt.h>
#include <asm/user.h>

struct syscall_entry {
	const char *name;
	syscall_fn fn;
};

#define SYS(nr, fn) [NR_##nr] = {#nr, fn}
/* clang-format off */
static const struct syscall_entry syscall_table[NR_SYSCALLS] = {
	SYS(read, sys_read),
	SYS(write, sys_write),
	SYS(fstat, sys_fstat),
	SYS(mmap, sys_mmap),
	SYS(mprotect, sys_mprotect),
	SYS(munmap, sys_munmap),
	SYS(brk, sys_brk),
	SYS(rt_sigaction, sys_rt_sigaction),
	SYS(rt_sigprocmask, sys_rt_sigprocmask),
	SYS(rt_sigreturn, sys_rt_sigreturn),
	SYS(ioctl, sys_ioctl),
	SYS(writev, sys_writev),
	SYS(sched_yield, sys_sched_yield),
	SYS(pause, sys_pause),
	SYS(nanosleep, sys_nanosleep),
	SYS(getitimer, sys_getitimer),
	SYS(alarm, sys_alarm),
	SYS(setitimer, sys_setitimer),
	SYS(getpid, sys_getpid),
	SYS(clone, sys_clone),
	SYS(fork, sys_fork),
	SYS(vfork, sys_fork),
	SYS(execve, sys_execve),
	SYS(exit, sys_exit),
	SYS(wait4, sys_wait4),
	SYS(kill, sys_kill),
	SYS(uname, sys_uname),
	SYS(readlink, sys_readlink),
	SYS(gettimeofday, sys_gettimeofday),
	SYS(settimeofday, sys_settimeofday),
	SYS(clock_settime, sys_clock_settime),
	SYS(clock_getres, sys_clock_getres),
	SYS(getrlimit, sys_getrlimit),
	SYS(getuid, sys_getid0),
	SYS(getgid, sys_getid0),
	SYS(geteuid, sys_getid0),
	SYS(getegid, sys_getid0),
	SYS(setpgid, sys_setpgid),
	SYS(getppid, sys_getppid),
	SYS(getpgrp, sys_getpgrp),
	SYS(setsid, sys_setsid),
	SYS(getpgid, sys_getpgid),
	SYS(getsid, sys_getsid),
	SYS(rt_sigpending, sys_rt_sigpending),
	SYS(rt_sigsuspend, sys_rt_sigsuspend),
	SYS(sigaltstack, sys_sigaltstack),
	SYS(arch_prctl, sys_arch_prctl),
	SYS(prctl, sys_prctl),
	SYS(sysinfo, sys_sysinfo),
	SYS(sync, sys_sync),
	SYS(reboot, sys_reboot),
	SYS(gettid, sys_getpid),
	SYS(tkill, sys_tkill),
	SYS(time, sys_time),
	SYS(sched_getaffinity, sys_sched_getaffinity),
	SYS(set_tid_address, sys_set_tid_address),
	SYS(clock_gettime, sys_clock_gettime),
	SYS(clock_nanosleep, sys_clock_nanosleep),
	SYS(exit_group, sys_exit),
	SYS(tgkill, sys_tgkill),
	SYS(waitid, sys_waitid),
	SYS(newfstatat, sys_newfstatat),
	SYS(readlinkat, sys_readlinkat),
	SYS(set_robust_list, sys_set_robust_list),
	SYS(prlimit64, sys_prlimit64),
	SYS(getrandom, sys_getrandom),
	SYS(execveat, sys_execveat),
	SYS(open, sys_open),
	SYS(close, sys_close),
	SYS(stat, sys_stat),
	SYS(lstat, sys_lstat),
	SYS(poll, sys_poll),
	SYS(lseek, sys_lseek),
	SYS(pread64, sys_pread64),
	SYS(pwrite64, sys_pwrite64),
	SYS(readv, sys_readv),
	SYS(access, sys_access),
	SYS(pipe, sys_pipe),
	SYS(select, sys_select),
	SYS(pselect6, sys_pselect6),
	SYS(ppoll, sys_ppoll),
	SYS(dup, sys_dup),
	SYS(dup2, sys_dup2),
	SYS(sendfile, sys_sendfile),
	SYS(fcntl, sys_fcntl),
	SYS(truncate, sys_truncate),
	SYS(ftruncate, sys_ftruncate),
	SYS(getcwd, sys_getcwd),
	SYS(chdir, sys_chdir),
	SYS(fchdir, sys_fchdir),
	SYS(rename, sys_rename),
	SYS(mkdir, sys_mkdir),
	SYS(rmdir, sys_rmdir),
	SYS(creat, sys_creat),
	SYS(link, sys_link),
	SYS(unlink, sys_unlink),
	SYS(symlink, sys_symlink),
	SYS(chmod, sys_chmod),
	SYS(fchmod, sys_fchmod),
	SYS(chown, sys_chown),
	SYS(fchown, sys_fchown),
	SYS(lchown, sys_lchown),
	SYS(umask, sys_umask),
	SYS(getdents64, sys_getdents64),
	SYS(openat, sys_openat),
	SYS(mkdirat, sys_mkdirat),
	SYS(fchownat, sys_fchownat),
	SYS(unlinkat, sys_unlinkat),
	SYS(renameat, sys_renameat),
	SYS(linkat, sys_linkat),
	SYS(symlinkat, sys_symlinkat),
	SYS(fchmodat, sys_fchmodat),
	SYS(faccessat, sys_faccessat),
	SYS(utimensat, sys_utimensat),
	SYS(dup3, sys_dup3),
	SYS(pipe2, sys_pipe2),
	SYS(renameat2, sys_renameat2),
	SYS(faccessat2, sys_faccessat2),
	/* rseq is left to -ENOSYS, which glibc takes as "no rseq". */
};
/* clang-format on */

/* Names of calls not in the table yet, for the console's line: the ones
 * Debian's busybox and glibc's start-up make (design.md, section 6). */
static const char *const unknown_names[NR_SYSCALLS] = {
    [169] = "reboot",
    [334] = "rseq",
};

uint64_t syscalls_made, syscalls_unknown;
/* Unknown numbers already said, one bit each (numbers past the table
 * share the last bit). */
static uint64_t said[(NR_SYSCALLS + 64) / 64 + 1];

static long unknown(uint64_t nr)
{
	uint64_t bit = nr < NR_SYSCALLS + 64 ? nr : NR_SYSCALLS + 63;
	struct process *p = current_process();

	__atomic_fetch_add(&syscalls_unknown, 1, __ATOMIC_RELAXED);
	if (!(__atomic_fetch_or(&said[bit / 64], 1ULL << (bit % 64), __ATOMIC_RELAXED) &
	      (1ULL << (bit % 64))))
		pr_info("syscall: %lu (%s) is not implemented (pid %d, %s): -ENOSYS\n", nr,
			nr < NR_SYSCALLS && unknown_names[nr] ? unknown_names[nr] : "?", p->pid,
			p->name);
	return -ENOSYS;
}

void syscall_dispatch(struct trap_frame *f)
{
	uint64_t nr = f->rax;
	const struct sysargs a = {{f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}};
	struct process *p = current_process();

	local_irq_enable();
	__atomic_fetch_add(&syscalls_made, 1, __ATOMIC_RELAXED);
	p->nr_syscalls++;
	p->in_syscall = nr + 1; /* for a restart after a signal */
	if (nr < NR_SYSCALLS && syscall_table[nr].fn)
		f->rax = (uint64_t)syscall_table[nr].fn(&a);
	else
		f->rax = (uint64_t)unknown(nr);
	if (!syscall_restart_code((long)f->rax))
		p->in_syscall = 0;
	local_irq_disable();
	if (user_return_work_due(p))
		user_return_work();
}
