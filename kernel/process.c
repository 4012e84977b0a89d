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
 * Exceptions in user mode are the process's: a page fault in one of its
 * regions populates the page, anything else ends it with the signal Linux
 * would send (the default action of each is to terminate), and its status
 * is what wait4 would report, the signal's number in the low 7 bits.
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>
#include <asm/user.h>

#define MSR_FS_BASE 0xc0000100
#define RLIM_INFINITY (~0ULL)
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7

int nr_processes;
static int next_pid = 1;

struct process *current_process(void)
{
	struct thread *t = thread_current();

	return t ? thread_process_of(t) : NULL;
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
static void fpu_init_state(uint8_t *fpu)
{
	memset(fpu, 0, 512);
	fpu[0] = 0x7f, fpu[1] = 0x03;	  /* FCW 0x037f */
	*(uint32_t *)(fpu + 24) = 0x1f80; /* MXCSR */
	*(uint32_t *)(fpu + 28) = 0xffff; /* MXCSR_MASK: what fxrstor accepts */
}

void user_return_work(void)
{
	local_irq_disable();
	if (this_cpu()->need_resched)
		schedule();
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGKILL:
		return "SIGKILL";
	case SIGSEGV:
		return "SIGSEGV";
	default:
		return "?";
	}
}

void process_status_str(int status, char *buf, size_t len)
{
	if ((status & 0x7f) == 0)
		snprintf(buf, len, "exited with %d", (status >> 8) & 0xff);
	else
		snprintf(buf, len, "killed by signal %d (%s)", status & 0x7f,
			 signal_name(status & 0x7f));
}

/* Linux's signal for an exception in user mode (arch/x86/kernel/traps.c). */
static int trap_signal(uint64_t vector)
{
	switch (vector) {
	case 0:
	case 16:
	case 19:
		return SIGFPE;
	case 1:
	case 3:
		return SIGTRAP;
	case 6:
		return SIGILL;
	case 12:
	case 17:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

void user_trap(struct trap_frame *f, uint64_t cr2)
{
	struct process *p = current_process();
	int sig = trap_signal(f->vector);

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
	process_exit(sig);
}

void process_exit(int status)
{
	struct process *p = current_process();
	struct vm *vm = p->vm;
	unsigned long flags = local_irq_save();

	p->vm = NULL;
	if (vm)
		vm_deactivate(vm);
	local_irq_restore(flags);
	if (vm)
		vm_destroy(vm);
	process_files_exit(p);
	p->status = status;
	thread_set_process(NULL);
	__atomic_fetch_sub(&nr_processes, 1, __ATOMIC_RELAXED);
	p->exited = true;
	wq_wake_all(&p->exit_wq);
	thread_exit();
}

static void process_main(void *arg)
{
	struct process *p = arg;
	struct trap_frame f;

	if (!(p->vm = vm_create())) {
		strlcpy(p->load_error, "out of memory for an address space", sizeof(p->load_error));
		process_exit(127 << 8);
	}
	thread_set_process(p); /* its root on this CPU now */
	if (exec_load(p, &f)) {
		pr_info("user: pid %d (%s): %s\n", p->pid, p->name, p->load_error);
		process_exit(127 << 8);
	}
	local_irq_disable();
	user_enter(&f, thread_stack_top());
}

static void process_defaults(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
	p->rlim[RLIMIT_STACK].cur = VM_STACK_SIZE;
	p->rlim[RLIMIT_NOFILE].cur = 1024;
	p->rlim[RLIMIT_NOFILE].max = 4096;
	p->exit_wq = (struct wait_queue)WAIT_QUEUE_INIT;
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
	if ((spec->capture && !(p->out = kmalloc(spec->capture))) || process_files_init(p)) {
		kfree(p->out);
		kfree(p);
		return NULL;
	}
	strlcpy(p->name, spec->name, sizeof(p->name));
	p->cpus = where;
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nr_processes, 1, __ATOMIC_RELAXED);
	if (!thread_create_on(p->name, process_main, p, where)) {
		__atomic_fetch_sub(&nr_processes, 1, __ATOMIC_RELAXED);
		process_files_exit(p);
		kfree(p->out);
		kfree(p);
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
	kfree(p->out);
	kfree(p);
}
