/*
 * Processes: a program running in user mode with the Linux x86-64 ABI, on
 * a kernel thread of its own that enters user mode and comes back for
 * every system call, exception and interrupt (kernel/process.c).  One
 * thread per process.  The kernel starts a program from an image in
 * memory (kernel/exec.c) and waits for it to end, as the selftests and
 * the shell's `run` do; that program may fork (copy-on-write, mm/vm.c),
 * execve files of the VFS, wait for its children and send and take
 * signals (kernel/signal.c).
 *
 * The tree: every process but the ones the kernel starts has a parent;
 * a program the kernel starts is the reaper of its tree, as PID 1 is on
 * Linux (the first one is PID 1): the children of a process that ends go
 * to it.  A process whose tree has no reaper any more is reaped by the
 * kernel when it ends.  One lock (proc_lock, kernel/process.c) guards the
 * tree, the states and the pending signals.
 */
#ifndef AMPHI_PROCESS_H
#define AMPHI_PROCESS_H
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <amphi/types.h>
#include <asm/trap.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define NSIG 64
#define SIGBIT(sig) (1ULL << ((sig)-1))
#define RLIM_NLIMITS 16
/* Processes at once, all trees together: fork says -EAGAIN past it, as
 * Linux does past its threads-max. */
#define PROC_MAX 256

/* Restart codes a system call returns when a signal cut it short; the
 * way back to user mode turns them into -EINTR or a restart (Linux's). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514

/* What to run; the strings and image must outlive the process's start
 * (the spawner waits for it). */
struct process_spec {
	const char *name;
	const void *image;
	size_t image_len;
	const char *const *argv; /* NULL-terminated; argv[0] is the name */
	const char *const *envp; /* NULL-terminated, or NULL for none */
	size_t capture;		 /* bytes of its fd 1 and 2 output to keep */
	bool quiet;		 /* its output is kept, not shown */
	const char *exe;	 /* the file image came from (/proc/PID/exe), or NULL */
	cpumask_t cpus;		 /* where it may run; 0: the spawner's CPU */
	const char *path;	 /* instead of image: a file of the VFS ("#!" too) */
	bool console;		 /* the console its session's terminal (PID 1) */
};

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* What a pending signal says about itself (siginfo's kernel side). */
struct ksiginfo {
	int signo, code, pid, status;
	uint64_t addr;
};

enum process_state { PROC_LIVE, PROC_ZOMBIE };

struct process {
	uint8_t fpu[512] __aligned(16); /* fxsave's image of its x87 and SSE state */
	int pid, ppid;
	char name[16];
	struct vm *vm;
	struct process_spec spec;
	cpumask_t cpus; /* where its thread may run */
	uint64_t fs_base;
	uint64_t clear_child_tid, robust_list;
	struct k_sigaction sigaction[NSIG];
	uint64_t sigmask;
	struct {
		uint64_t cur, max;
	} rlim[RLIM_NLIMITS];
	char *out; /* what it wrote to fd 1 and 2, up to spec.capture */
	size_t out_len;
	uint64_t nr_syscalls;
	struct fdtable *files; /* its descriptors (amphi/file.h) */
	struct inode *cwd;     /* its working directory, held */
	uint32_t umask;
	char load_error[160]; /* why its image was refused, or "" */
	/* What /proc shows of it (fs/proc.c): the absolute path of the
	 * program it runs (NULL if it came from no file), its arguments as
	 * /proc/PID/cmdline gives them (each with its NUL), when it started. */
	char *exe;
	char *cmdline;
	size_t cmdline_len;
	uint64_t start_ns;
	int status; /* as wait4 reports it */
	volatile bool exited;
	struct wait_queue exit_wq;

	/* The tree and the groups (proc_lock). */
	struct process *parent, *children, *sibling, *next_all;
	int pgid, sid;
	bool reaper;	 /* started by the kernel: its tree's init */
	bool exiting;	 /* its children may no longer be given to it */
	bool did_exec;	 /* setpgid on it from its parent: -EACCES */
	int exit_signal; /* sent to the parent when it ends (SIGCHLD) */
	enum process_state state;
	volatile uint64_t child_events; /* a child ended or was adopted */
	struct wait_queue wq;		/* its own waits (children, pause, sleep) */
	struct thread *thread;		/* its thread, kicked by a new signal */

	/* Signals: pending bits and their info (proc_lock), and its own. */
	volatile uint64_t pending;
	struct ksiginfo info[NSIG];
	uint64_t saved_mask; /* rt_sigsuspend's mask to restore */
	bool restore_mask;
	uint64_t in_syscall; /* the call's number + 1 while one returns */
	struct {
		uint64_t sp, size;
		int flags;
	} altstack;
	struct timer alarm; /* ITIMER_REAL */
	uint64_t alarm_at, alarm_interval;
	volatile bool alarm_armed;

	/* Job control (proc_lock): stopped by SIGSTOP, SIGTSTP, SIGTTIN or
	 * SIGTTOU until SIGCONT, and what its parent's wait4 was not told. */
	volatile bool stopped;
	int stop_sig;
	bool stop_unreported, cont_unreported;

	uint64_t set_child_tid;	      /* CLONE_CHILD_SETTID, written by the child */
	struct trap_frame fork_frame; /* the child's first return to user mode */
};

/* Starts a program; NULL without memory.  Its image is checked and loaded
 * by the process itself: a refused image ends it with status 127 << 8 and
 * the reason in load_error. */
struct process *process_spawn(const struct process_spec *spec);
/* Waits for it to end and returns its wait4 status; process_free then. */
int process_wait(struct process *p);
/* The pid given last (0 before any process). */
int process_last_pid(void);
void process_free(struct process *p);
/* The calling thread's process (NULL for a kernel thread): struct cpu
 * keeps it beside the running thread. */
static inline struct process *current_process(void)
{
	return this_cpu()->process;
}
/* Ends the calling process with a wait4 status; never returns. */
void process_exit(int status) __noreturn;
/* switch_to's hook (kernel/sched.c), interrupts off, when either thread
 * runs a program: prev's FPU and SSE registers saved, next's address
 * space, FS base and FPU registers loaded (each may be NULL). */
void process_switch(struct process *prev, struct process *next);
/* Before a return to user mode (the frame at the top of the thread's
 * stack): switch if the tick asked, deliver pending signals, settle a
 * system call a signal cut short.  Interrupts off on return. */
void user_return_work(void);
/* The frame of the calling process's way back to user mode. */
struct trap_frame *user_frame(void);
/* "exited with 3", "killed by signal 11 (SIGSEGV)". */
void process_status_str(int status, char *buf, size_t len);
/* exec (kernel/exec.c): loads spec's image into p's empty address space
 * and fills the frame of its first entry to user mode; 0 or -errno with
 * p->load_error set. */
int exec_load(struct process *p, struct trap_frame *f);

/* fork (kernel/process.c): a copy of the caller, returning 0 in it
 * through a copy of frame f; the child's pid or -errno. */
long process_fork(struct trap_frame *f, uint64_t flags, uint64_t newsp, uint64_t parent_tid,
		  uint64_t child_tid, uint64_t tls);
/* wait4 and waitid's work: a child matching (which, id) that ended, its
 * pid and status (the struct freed unless WAIT_NOWAIT) with WAIT_EXITED, or with
 * WAIT_STOPPED / WAIT_CONTINUED one that stopped or went on since the
 * last wait said so ((sig << 8) | 0x7f, 0xffff); 0 for WAIT_NOHANG,
 * -ECHILD, -ERESTARTSYS when a signal came. */
#define WAIT_ANY 0
#define WAIT_PID 1
#define WAIT_PGID 2
#define WAIT_NOHANG 1
#define WAIT_NOWAIT 2
#define WAIT_STOPPED 4
#define WAIT_CONTINUED 8
#define WAIT_EXITED 16 /* ended children too (wait4 always; waitid's WEXITED) */
long process_wait_child(int which, int id, unsigned int opts, int *status);
/* Is group pgid orphaned (proc_lock held): no member, ignored aside, has
 * a parent outside the group but in its session, as POSIX defines it;
 * a parent that is PID 1 does not count, as in Linux. */
bool process_pgrp_orphaned_locked(int pgid, const struct process *ignored);
bool process_pgrp_orphaned(int pgid);
/* A process by pid (proc_lock held), NULL if none. */
struct process *process_find_locked(int pid);
/* For each process, proc_lock held: fn's nonzero result stops the walk. */
int process_for_each_locked(int (*fn)(struct process *p, void *arg), void *arg);
unsigned long proc_lock_irqsave(void);
void proc_unlock_irqrestore(unsigned long flags);

/* The file table's hooks, empty until the file system calls arrive. */
int process_files_fork(struct process *parent, struct process *child);
void process_files_exit(struct process *p);
void process_files_exec(struct process *p);

/* Signals (kernel/signal.c). */
/* Queues sig (1..NSIG) for p with info; proc_lock held or not. */
void signal_send(struct process *p, int sig, const struct ksiginfo *info);
void signal_send_locked(struct process *p, int sig, const struct ksiginfo *info);
/* An exception's signal from user mode: to its handler if it has one it
 * does not block, else the end of the process. */
void signal_force(int sig, int code, uint64_t addr);
/* Something to deliver now: unblocked pending signals. */
static inline bool signal_pending(const struct process *p)
{
	return p && (p->pending & ~p->sigmask);
}
/* A system call's result that waits for a signal's verdict on the way
 * out (kernel/signal.c's syscall_settle); any other result is final. */
static inline bool syscall_restart_code(long rc)
{
	return rc <= -ERESTARTSYS && rc >= -ERESTARTNOHAND;
}
/* Whether user_return_work has anything to do for p (not NULL),
 * interrupts off: a switch the tick asked for, a signal to take, a
 * system call to settle or a signal mask to restore.  The system call's
 * way out asks this first: the common call has none of them, and skips
 * the function. */
static inline bool user_return_work_due(const struct process *p)
{
	return this_cpu()->need_resched || signal_pending(p) || p->in_syscall || p->restore_mask;
}
/* The calling process has a signal to take (false for a kernel thread). */
static inline bool signal_pending_current(void)
{
	return signal_pending(current_process());
}

/* The one interruptible wait every blocking system call uses: as
 * wait_event_deadline (amphi/sched.h; deadline 0 for none), but it also
 * ends when the calling process has a signal to take, which the sender
 * wakes it for (thread_kick).  1 when cond held, 0 when the deadline
 * passed, -ERESTARTSYS when a signal came; the caller returns that (or
 * -ERESTARTNOHAND, or -EINTR) and the way back to user mode decides,
 * under SA_RESTART, between -EINTR and doing the call again. */
#define wait_event_interruptible_deadline(wq, cond, deadline_ns)                                   \
	({                                                                                         \
		struct wq_deadline __d = {0};                                                      \
		uint64_t __dl = (deadline_ns);                                                     \
		int __r;                                                                           \
		if (__dl)                                                                          \
			wq_deadline_start(&__d, (wq), __dl);                                       \
		for (;;) {                                                                         \
			wq_prepare(wq);                                                            \
			if (cond) {                                                                \
				__r = 1;                                                           \
				break;                                                             \
			}                                                                          \
			if (signal_pending_current()) {                                            \
				__r = -ERESTARTSYS;                                                \
				break;                                                             \
			}                                                                          \
			if (__d.expired) {                                                         \
				__r = 0;                                                           \
				break;                                                             \
			}                                                                          \
			schedule();                                                                \
		}                                                                                  \
		wq_finish(wq);                                                                     \
		if (__dl)                                                                          \
			wq_deadline_stop(&__d);                                                    \
		__r;                                                                               \
	})
#define wait_event_interruptible(wq, cond) wait_event_interruptible_deadline(wq, cond, 0)

/* Does sig's action do nothing (ignored, or ignored by default)? */
bool signal_ignored(const struct process *p, int sig);
/* At exec: caught signals back to their default action. */
void signal_exec_reset(struct process *p);
const char *signal_name(int sig);
/* The alarm's (ITIMER_REAL) timer and its end at exit. */
void signal_alarm_set(struct process *p, uint64_t value_ns, uint64_t interval_ns);
void signal_alarm_stop(struct process *p);

/* The signal frame on the user's stack (arch/x86/signal.c): 0, or
 * -EFAULT when it cannot be written. */
int arch_signal_setup(struct process *p, struct trap_frame *f, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *ka, uint64_t oldmask);
/* rt_sigreturn: the frame back from the stack; -EFAULT if unreadable. */
int arch_signal_return(struct process *p, struct trap_frame *f);
/* The FPU and SSE registers as a program starts with them. */
void fpu_init_state(uint8_t *fpu);

/* Sets p's exe (a copy of path, or none) and cmdline (argv's strings,
 * each with its NUL, up to PROC_CMDLINE_MAX bytes): -ENOMEM, and p as
 * it was, without memory. */
#define PROC_CMDLINE_MAX 4096
int process_set_image_info(struct process *p, const char *exe, const char *const *argv);

/* Processes alive now, for the leak checks. */
extern int nr_processes;

#endif
