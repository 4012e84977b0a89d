/*
 * Processes (amphi/process.h).  A process is a kernel thread that loads
 * its program into a fresh address space and enters user mode through an
 * interrupt-return frame at the top of its own kernel stack, where the CPU
 * builds the frames of every later entry (TSS rsp0 follows the thread).
 * Back in the kernel it is that thread again: a system call runs on it, a
 * page fault it takes is resolved on it, and the timer preempts it like
 * any thread (irq_exit), so nothing here is special to the scheduler but
 * the hook that loads the process's address space and FS base when it is
 * switched to.
 *
 * fork makes a new thread whose first act is to enter user mode through a
 * copy of the parent's frame with rax 0, in a copy-on-write copy of the
 * parent's address space (mm/vm.c).  exit drops the address space at
 * once and leaves the struct as a zombie for the parent's wait4, which
 * frees it; the children go to the tree's reaper (the program the kernel
 * started), or, when that one is gone too, are reaped by the kernel as
 * they end.  A process the kernel started is waited for by the kernel
 * (process_wait) and freed by it (process_free).
 *
 * Exceptions in user mode are the process's: a page fault in one of its
 * regions populates the page, anything else raises the signal Linux
 * would send (kernel/signal.c): its handler runs, or the process ends,
 * with the signal's number in the low 7 bits of its status.
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/tty.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>
#include <asm/user.h>

#define MSR_FS_BASE 0xc0000100
#define RLIM_INFINITY (~0ULL)
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define CLD_EXITED 1
#define CLD_KILLED 2

int nr_processes;
static int next_pid = 1;

/* The pid given last (0 before any), /proc/loadavg's last field. */
int process_last_pid(void)
{
	return READ_ONCE(next_pid) - 1;
}
static struct spinlock proc_lock = SPINLOCK_INIT;
static struct process *all_procs;

unsigned long proc_lock_irqsave(void)
{
	return spin_lock_irqsave(&proc_lock);
}

void proc_unlock_irqrestore(unsigned long flags)
{
	spin_unlock_irqrestore(&proc_lock, flags);
}

struct trap_frame *user_frame(void)
{
	return (struct trap_frame *)(thread_stack_top() - sizeof(struct trap_frame));
}

/* A program's x87 and SSE registers are its own, saved and loaded at
 * each switch from or to it: the kernel itself never uses them (it is
 * built without SSE), so kernel threads need nothing. */
void process_switch(struct process *prev, struct process *next)
{
	if (prev)
		__asm__ __volatile__("fxsaveq %0" : "=m"(prev->fpu));
	if (!next)
		return;
	if (next->vm)
		vm_activate(next->vm);
	wrmsr(MSR_FS_BASE, next->fs_base);
	__asm__ __volatile__("fxrstorq %0" : : "m"(next->fpu));
}

/* What a program starts with: x87 as FNINIT leaves it, SSE exceptions
 * masked (MXCSR 0x1f80), every register zero. */
void fpu_init_state(uint8_t *fpu)
{
	memset(fpu, 0, 512);
	fpu[0] = 0x7f, fpu[1] = 0x03;	  /* FCW 0x037f */
	*(uint32_t *)(fpu + 24) = 0x1f80; /* MXCSR */
	*(uint32_t *)(fpu + 28) = 0xffff; /* MXCSR_MASK: what fxrstor accepts */
}

void process_status_str(int status, char *buf, size_t len)
{
	if ((status & 0x7f) == 0)
		snprintf(buf, len, "exited with %d", (status >> 8) & 0xff);
	else
		snprintf(buf, len, "killed by signal %d (%s)", status & 0x7f,
			 signal_name(status & 0x7f));
}

/* Linux's signal for an exception in user mode (arch/x86/kernel/traps.c),
 * and its si_code. */
static int trap_signal(uint64_t vector, int *code)
{
	switch (vector) {
	case 0:
		*code = 1; /* FPE_INTDIV */
		return SIGFPE;
	case 16:
	case 19:
		*code = 0;
		return SIGFPE;
	case 1:
	case 3:
		*code = 0x80; /* SI_KERNEL */
		return SIGTRAP;
	case 6:
		*code = 2; /* ILL_ILLOPN */
		return SIGILL;
	case 12:
	case 17:
		*code = 2; /* BUS_ADRALN */
		return SIGBUS;
	default:
		*code = 0x80;
		return SIGSEGV;
	}
}

void user_trap(struct trap_frame *f, uint64_t cr2)
{
	struct process *p = current_process();
	int code, sig = trap_signal(f->vector, &code);

	local_irq_enable();
	if (f->vector == 14 && !vm_fault(p->vm, cr2, f->error_code & 2, f->error_code & 16)) {
		user_return_work();
		return;
	}
	if (f->vector == 14)
		pr_info("user: pid %d (%s): page fault at %#lx, rip %#lx, error code %#lx: %s\n",
			p->pid, p->name, cr2, f->rip, f->error_code, signal_name(sig));
	else
		pr_info("user: pid %d (%s): %s at rip %#lx, error code %#lx: %s\n", p->pid, p->name,
			trap_name(f->vector), f->rip, f->error_code, signal_name(sig));
	if (f->vector == 14)
		code = (f->error_code & 1) ? 2 : 1; /* SEGV_ACCERR, SEGV_MAPERR */
	signal_force(sig, code, f->vector == 14 ? cr2 : f->rip);
	user_return_work();
}

/* --- the tree --- */

static void link_all(struct process *p)
{
	p->next_all = all_procs;
	all_procs = p;
}

static void unlink_all(struct process *p)
{
	for (struct process **q = &all_procs; *q; q = &(*q)->next_all)
		if (*q == p) {
			*q = p->next_all;
			return;
		}
}

static void unlink_child(struct process *p)
{
	if (!p->parent)
		return;
	for (struct process **q = &p->parent->children; *q; q = &(*q)->sibling)
		if (*q == p) {
			*q = p->sibling;
			break;
		}
	p->parent = NULL;
	p->sibling = NULL;
}

static void link_child(struct process *parent, struct process *c)
{
	c->parent = parent;
	c->ppid = parent ? parent->pid : 0;
	if (!parent)
		return;
	c->sibling = parent->children;
	parent->children = c;
	parent->child_events++;
}

struct process *process_find_locked(int pid)
{
	for (struct process *p = all_procs; p; p = p->next_all)
		if (p->pid == pid)
			return p;
	return NULL;
}

int process_for_each_locked(int (*fn)(struct process *p, void *arg), void *arg)
{
	int rc = 0;

	for (struct process *p = all_procs; p && !rc; p = p->next_all)
		rc = fn(p, arg);
	return rc;
}

/* Who takes p's children: its tree's reaper while that one lives. */
static struct process *reaper_of(struct process *p)
{
	while (p && !p->reaper)
		p = p->parent;
	return p && !p->exiting ? p : NULL;
}

static void free_process(struct process *p)
{
	kfree(p->exe);
	kfree(p->cmdline);
	kfree(p->out);
	kfree(p);
}

/* --- orphaned process groups --- */

struct pgrp_walk {
	int pgid;
	const struct process *ignored;
	bool linked, stopped;
	int sig;
};

static bool pgrp_member(const struct process *q, const struct pgrp_walk *w)
{
	return q->pgid == w->pgid && q->state == PROC_LIVE && !q->exiting && q != w->ignored;
}

/* A member whose parent ties the group to its session.  PID 1 ties
 * nothing, as in Linux (will_become_orphaned_pgrp): a shell that is to
 * stop its jobs runs as init's child, as make run's /init starts it. */
static int pgrp_link_fn(struct process *q, void *arg)
{
	struct pgrp_walk *w = arg;
	struct process *parent = q->parent;

	if (!pgrp_member(q, w) || !parent || parent->pid == 1)
		return 0;
	w->linked = parent->pgid != w->pgid && parent->sid == q->sid;
	return w->linked;
}

bool process_pgrp_orphaned_locked(int pgid, const struct process *ignored)
{
	struct pgrp_walk w = {.pgid = pgid, .ignored = ignored};

	process_for_each_locked(pgrp_link_fn, &w);
	return !w.linked;
}

bool process_pgrp_orphaned(int pgid)
{
	unsigned long flags = proc_lock_irqsave();
	bool orphaned = process_pgrp_orphaned_locked(pgid, NULL);

	proc_unlock_irqrestore(flags);
	return orphaned;
}

static int pgrp_stopped_fn(struct process *q, void *arg)
{
	struct pgrp_walk *w = arg;

	w->stopped = pgrp_member(q, w) && q->stopped;
	return w->stopped;
}

static int pgrp_signal_fn(struct process *q, void *arg)
{
	struct pgrp_walk *w = arg;
	struct ksiginfo info = {.signo = w->sig, .code = 0x80 /* SI_KERNEL */};

	if (pgrp_member(q, w))
		signal_send_locked(q, w->sig, &info);
	return 0;
}

/* Group pgid, which gone's exit may leave orphaned (gone: the process
 * whose tie ends, or NULL), tied to its session by a process outside it
 * (parent): if that made it orphaned and it has stopped members, nobody
 * is left to continue them, so SIGHUP then SIGCONT go to the group (the
 * rule of POSIX and Linux's kill_orphaned_pgrp). */
static void pgrp_orphan_check_locked(int pgid, int sid, const struct process *parent,
				     const struct process *gone)
{
	struct pgrp_walk w = {.pgid = pgid};

	if (!parent || parent->pgid == pgid || parent->sid != sid)
		return;
	if (!process_pgrp_orphaned_locked(pgid, gone))
		return;
	process_for_each_locked(pgrp_stopped_fn, &w);
	if (!w.stopped)
		return;
	w.sig = SIGHUP;
	process_for_each_locked(pgrp_signal_fn, &w);
	w.sig = SIGCONT;
	process_for_each_locked(pgrp_signal_fn, &w);
}

/* p's children to the reaper; those that ended and have no one left
 * are put on *dead to be freed once the lock is dropped.  A child in
 * another group of p's session may see its group orphaned by this. */
static void reparent_locked(struct process *p, struct process **dead)
{
	struct process *to = reaper_of(p);

	while (p->children) {
		struct process *c = p->children;

		p->children = c->sibling;
		c->sibling = NULL;
		c->parent = NULL;
		if (to) {
			link_child(to, c);
			wq_wake_all(&to->wq);
		} else if (c->state == PROC_ZOMBIE) {
			unlink_all(c);
			c->sibling = *dead;
			*dead = c;
			continue;
		} else {
			c->ppid = 0;
		}
		if (c->state == PROC_LIVE)
			pgrp_orphan_check_locked(c->pgid, c->sid, p, NULL);
	}
}

/* Tells the parent; true when p is to be freed now (no one will wait). */
static bool notify_parent_locked(struct process *p)
{
	struct process *parent = p->parent;
	struct ksiginfo info = {.signo = SIGCHLD, .pid = p->pid};

	if (!parent)
		return !p->reaper;
	if (parent->sigaction[SIGCHLD - 1].handler == 1 /* SIG_IGN */ ||
	    (parent->sigaction[SIGCHLD - 1].flags & 2 /* SA_NOCLDWAIT */)) {
		unlink_child(p);
		return true;
	}
	info.code = (p->status & 0x7f) ? CLD_KILLED : CLD_EXITED;
	info.status = (p->status & 0x7f) ? (p->status & 0x7f) : (p->status >> 8) & 0xff;
	if (p->exit_signal)
		signal_send_locked(parent, p->exit_signal, &info);
	parent->child_events++;
	wq_wake_all(&parent->wq);
	return false;
}

static void drop_vm(struct process *p)
{
	struct vm *vm = p->vm;
	unsigned long flags = local_irq_save();

	p->vm = NULL;
	if (vm)
		vm_deactivate(vm);
	local_irq_restore(flags);
	if (vm)
		vm_destroy(vm);
}

void process_exit(int status)
{
	struct process *p = current_process(), *dead = NULL;
	unsigned long flags;
	bool free_now;

	signal_alarm_stop(p);
	if (p->clear_child_tid) {
		static const uint32_t zero;
		copy_to_user(p->clear_child_tid, &zero, sizeof(zero));
	}
	process_files_exit(p);
	drop_vm(p);
	thread_set_process(NULL);
	flags = proc_lock_irqsave();
	p->exiting = true;
	p->status = status;
	reparent_locked(p, &dead);
	pgrp_orphan_check_locked(p->pgid, p->sid, p->parent, p);
	p->state = PROC_ZOMBIE;
	free_now = notify_parent_locked(p);
	if (free_now)
		unlink_all(p);
	__atomic_fetch_sub(&nr_processes, 1, __ATOMIC_RELAXED);
	p->exited = true;
	wq_wake_all(&p->exit_wq);
	proc_unlock_irqrestore(flags);
	while (dead) {
		struct process *d = dead;
		dead = d->sibling;
		free_process(d);
	}
	if (free_now)
		free_process(p);
	thread_exit();
}

/* --- starting programs --- */

static void process_main(void *arg)
{
	struct process *p = arg;
	struct trap_frame f;

	if (!(p->vm = vm_create())) {
		strlcpy(p->load_error, "out of memory for an address space", sizeof(p->load_error));
		thread_set_process(p);
		process_exit(127 << 8);
	}
	thread_set_process(p); /* its root on this CPU now */
	__atomic_store_n(&p->thread, thread_current(), __ATOMIC_RELEASE);
	if (p->spec.console)
		tty_start(p->sid, p->pgid);
	if (exec_load(p, &f)) {
		pr_info("user: pid %d (%s): %s\n", p->pid, p->name, p->load_error);
		process_exit(127 << 8);
	}
	local_irq_disable();
	user_enter(&f, thread_stack_top());
}

int process_set_image_info(struct process *p, const char *exe, const char *const *argv)
{
	size_t len = 0, n;
	char *e = NULL, *c;

	for (int i = 0; argv && argv[i] && len < PROC_CMDLINE_MAX; i++)
		len += strlen(argv[i]) + 1;
	len = MIN(len, PROC_CMDLINE_MAX);
	if (exe && !(e = kmalloc(strlen(exe) + 1)))
		return -ENOMEM;
	if (!(c = kmalloc(len ? len : 1))) {
		kfree(e);
		return -ENOMEM;
	}
	if (e)
		memcpy(e, exe, strlen(exe) + 1);
	for (size_t at = 0, i = 0; at < len; at += n, i++) {
		n = MIN(strlen(argv[i]) + 1, len - at);
		memcpy(c + at, argv[i], n);
	}
	kfree(p->exe);
	kfree(p->cmdline);
	p->exe = e;
	p->cmdline = c;
	p->cmdline_len = len;
	return 0;
}

static void process_defaults(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
	p->rlim[RLIMIT_STACK].cur = VM_STACK_SIZE;
	p->rlim[RLIMIT_NOFILE].cur = 1024;
	p->rlim[RLIMIT_NOFILE].max = 4096;
	p->exit_wq = (struct wait_queue)WAIT_QUEUE_INIT;
	p->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	p->exit_signal = SIGCHLD;
	p->start_ns = sched_clock();
}

/* A pid, the process counted and on the list; -EAGAIN past PROC_MAX. */
static int process_register(struct process *p, struct process *parent)
{
	unsigned long flags = proc_lock_irqsave();

	if (nr_processes >= PROC_MAX || (parent && parent->exiting)) {
		proc_unlock_irqrestore(flags);
		return -EAGAIN;
	}
	p->pid = next_pid++;
	nr_processes++;
	link_all(p);
	link_child(parent, p);
	if (!parent)
		p->pgid = p->sid = p->pid;
	proc_unlock_irqrestore(flags);
	return 0;
}

static void process_unregister(struct process *p)
{
	unsigned long flags = proc_lock_irqsave();

	unlink_child(p);
	unlink_all(p);
	nr_processes--;
	proc_unlock_irqrestore(flags);
}

struct process *process_spawn(const struct process_spec *spec)
{
	struct process *p = kmalloc_aligned(sizeof(*p), 16);
	cpumask_t where = spec->cpus ? spec->cpus : cpumask_of(smp_processor_id());

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	fpu_init_state(p->fpu);
	p->spec = *spec;
	process_defaults(p);
	p->reaper = true;
	if ((spec->capture && !(p->out = kmalloc(spec->capture))) ||
	    process_set_image_info(p, spec->exe, spec->argv) || process_files_init(p) ||
	    process_register(p, NULL)) {
		process_files_exit(p);
		free_process(p);
		return NULL;
	}
	strlcpy(p->name, spec->name, sizeof(p->name));
	p->cpus = where;
	if (!thread_create_on(p->name, process_main, p, where)) {
		process_unregister(p);
		process_files_exit(p);
		free_process(p);
		return NULL;
	}
	return p;
}

int process_wait(struct process *p)
{
	wait_event(&p->exit_wq, p->exited);
	return p->status;
}

void process_free(struct process *p)
{
	unsigned long flags = proc_lock_irqsave();

	unlink_all(p);
	proc_unlock_irqrestore(flags);
	free_process(p);
}

/* --- fork --- */

static void fork_child_main(void *arg)
{
	struct process *c = arg;

	thread_set_process(c);
	__atomic_store_n(&c->thread, thread_current(), __ATOMIC_RELEASE);
	if (c->set_child_tid)
		copy_to_user(c->set_child_tid, &c->pid, sizeof(c->pid));
	local_irq_disable();
	user_enter(&c->fork_frame, thread_stack_top());
}

/* The child's copy of what the parent is, but its memory. */
static void fork_copy(struct process *c, const struct process *p, const struct trap_frame *f)
{
	__asm__ __volatile__("fxsaveq %0" : "=m"(c->fpu)); /* the parent's, live */
	memcpy(c->name, p->name, sizeof(c->name));
	c->spec = p->spec;
	c->spec.capture = 0; /* what it writes is shown, or dropped when quiet */
	c->cpus = p->cpus;
	c->fs_base = p->fs_base;
	memcpy(c->sigaction, p->sigaction, sizeof(c->sigaction));
	c->sigmask = p->sigmask;
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	c->pgid = p->pgid;
	c->sid = p->sid;
	c->fork_frame = *f;
	c->fork_frame.rax = 0;
}

long process_fork(struct trap_frame *f, uint64_t flags, uint64_t newsp, uint64_t parent_tid,
		  uint64_t child_tid, uint64_t tls)
{
	struct process *p = current_process();
	struct process *c = kmalloc_aligned(sizeof(*c), 16);
	int rc;

	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	process_defaults(c);
	fork_copy(c, p, f);
	c->exit_signal = flags & 0xff;
	if (newsp)
		c->fork_frame.rsp = newsp;
	if (flags & 0x00080000) /* CLONE_SETTLS */
		c->fs_base = tls;
	if (flags & 0x01000000) /* CLONE_CHILD_SETTID */
		c->set_child_tid = child_tid;
	if (flags & 0x00200000) /* CLONE_CHILD_CLEARTID */
		c->clear_child_tid = child_tid;
	if ((p->exe && !(c->exe = kmalloc(strlen(p->exe) + 1))) ||
	    !(c->cmdline = kmalloc(p->cmdline_len ? p->cmdline_len : 1)) ||
	    !(c->vm = vm_fork(p->vm))) {
		free_process(c);
		return -ENOMEM;
	}
	if (p->exe)
		memcpy(c->exe, p->exe, strlen(p->exe) + 1);
	memcpy(c->cmdline, p->cmdline, p->cmdline_len);
	c->cmdline_len = p->cmdline_len;
	if ((rc = process_files_fork(p, c))) {
		vm_destroy(c->vm);
		free_process(c);
		return rc;
	}
	if ((rc = process_register(c, p))) {
		process_files_exit(c);
		vm_destroy(c->vm);
		free_process(c);
		return rc;
	}
	if (flags & 0x00100000) /* CLONE_PARENT_SETTID; a bad address is ignored, as Linux does */
		(void)copy_to_user(parent_tid, &c->pid, sizeof(c->pid));
	rc = c->pid;
	if (!thread_create_on(c->name, fork_child_main, c, c->cpus)) {
		process_files_exit(c);
		process_unregister(c);
		vm_destroy(c->vm);
		free_process(c);
		return -ENOMEM;
	}
	return rc;
}

/* --- wait --- */

static bool wait_match(const struct process *c, int which, int id)
{
	switch (which) {
	case WAIT_PID:
		return c->pid == id;
	case WAIT_PGID:
		return c->pgid == id;
	default:
		return true;
	}
}

/* A stop or a continue of c to tell, its status taken (unless
 * WAIT_NOWAIT): true if there was one. */
static bool job_event_locked(struct process *c, unsigned int opts, int *status)
{
	if ((opts & WAIT_STOPPED) && c->stopped && c->stop_unreported) {
		*status = (c->stop_sig << 8) | 0x7f;
		c->stop_unreported = (opts & WAIT_NOWAIT) != 0;
		return true;
	}
	if ((opts & WAIT_CONTINUED) && c->cont_unreported) {
		*status = 0xffff;
		c->cont_unreported = (opts & WAIT_NOWAIT) != 0;
		return true;
	}
	return false;
}

/* A child that ended, or NULL; *any says whether any child matched;
 * *job a live one with a stop or continue to tell (status in *status). */
static struct process *find_zombie_locked(struct process *p, int which, int id, bool *any,
					  unsigned int opts, struct process **job, int *status)
{
	*any = false;
	*job = NULL;
	for (struct process *c = p->children; c; c = c->sibling) {
		if (!wait_match(c, which, id))
			continue;
		*any = true;
		if (c->state == PROC_ZOMBIE && (opts & WAIT_EXITED))
			return c;
		if (c->state == PROC_LIVE && job_event_locked(c, opts, status)) {
			*job = c;
			return NULL;
		}
	}
	return NULL;
}

long process_wait_child(int which, int id, unsigned int opts, int *status)
{
	struct process *p = current_process();
	bool nowait = opts & WAIT_NOWAIT;

	for (;;) {
		unsigned long flags = proc_lock_irqsave();
		uint64_t seen = p->child_events;
		bool any;
		struct process *job;
		struct process *z = find_zombie_locked(p, which, id, &any, opts, &job, status);
		int pid = z ? z->pid : job ? job->pid : 0;

		if (job) {
			proc_unlock_irqrestore(flags);
			return pid;
		}
		if (z) {
			*status = z->status;
			if (!nowait) {
				unlink_child(z);
				unlink_all(z);
			}
		}
		proc_unlock_irqrestore(flags);
		if (z) {
			if (!nowait)
				free_process(z);
			return pid;
		}
		if (!any)
			return -ECHILD;
		if (opts & WAIT_NOHANG)
			return 0;
		if (wait_event_interruptible(&p->wq, p->child_events != seen) < 0)
			return -ERESTARTSYS;
	}
}
