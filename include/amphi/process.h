/*
 * Processes: a program running in user mode with the Linux x86-64 ABI, on
 * a kernel thread of its own that enters user mode and comes back for
 * every system call, exception and interrupt (kernel/process.c).  For now
 * one thread per process and no fork: the kernel starts a program from an
 * image in memory (kernel/exec.c) and waits for it to end, as the selftests
 * and the shell's `run` do.
 */
#ifndef AMPHI_PROCESS_H
#define AMPHI_PROCESS_H
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/types.h>
#include <asm/trap.h>

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define NSIG 64
#define RLIM_NLIMITS 16

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
	cpumask_t cpus;		 /* where it may run; 0: the spawner's CPU */
};

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

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
	int status;	     /* as wait4 reports it */
	volatile bool exited;
	struct wait_queue exit_wq;
};

/* Starts a program; NULL without memory.  Its image is checked and loaded
 * by the process itself: a refused image ends it with status 127 << 8 and
 * the reason in load_error. */
struct process *process_spawn(const struct process_spec *spec);
/* Waits for it to end and returns its wait4 status; process_free then. */
int process_wait(struct process *p);
void process_free(struct process *p);
/* The calling thread's process (NULL for a kernel thread). */
struct process *current_process(void);
/* Ends the calling process with a wait4 status; never returns. */
void process_exit(int status) __noreturn;
/* switch_to's hook (kernel/sched.c), interrupts off, when either thread
 * runs a program: prev's FPU and SSE registers saved, next's address
 * space, FS base and FPU registers loaded (each may be NULL). */
void process_switch(struct process *prev, struct process *next);
/* Before a return to user mode, interrupts off on return: switch if the
 * tick asked. */
void user_return_work(void);
/* "exited with 3", "killed by signal 11 (SIGSEGV)". */
void process_status_str(int status, char *buf, size_t len);
/* exec (kernel/exec.c): loads spec's image into p's empty address space
 * and fills the frame of its first entry to user mode; 0 or -errno with
 * p->load_error set. */
int exec_load(struct process *p, struct trap_frame *f);

/* Processes alive now, for the leak checks. */
extern int nr_processes;

#endif
