/*
 * Signals (amphi/process.h): pending bits per process with the info of
 * the first of each (standard signals do not queue; real-time ones are
 * treated the same for now), delivered on the way back to user mode
 * (user_return_work), from a system call, an exception or an interrupt
 * alike, so a program spinning in user mode takes a signal at the next
 * tick at the latest.
 *
 * Default actions: terminate (core-dump signals too, without a core and
 * without the 0x80 bit), ignore (SIGCHLD, SIGURG, SIGWINCH, SIGCONT), or
 * stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU): the process waits, telling
 * its parent (SIGCHLD with CLD_STOPPED unless SA_NOCLDSTOP, and wait4's
 * WUNTRACED), until SIGCONT (whatever its action: it resumes the process
 * and drops pending stops, as a stop drops a pending SIGCONT; WCONTINUED)
 * or SIGKILL; a system call it was in is then restarted as after a
 * handler-less signal.  SIGTSTP, SIGTTIN and SIGTTOU do not stop a
 * process of an orphaned group (kernel/process.c says which are): with
 * the default action they are dropped when they come to be delivered.
 *
 * A system call cut short by a signal returns one of the restart codes;
 * here it becomes -EINTR when a handler runs, or the call again (rip back
 * over the two bytes of `syscall`, rax its number) under SA_RESTART for
 * -ERESTARTSYS, as Linux decides.
 */
#include <amphi/errno.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_NOCLDWAIT 2
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_SIGINFO 4
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

const char *signal_name(int sig)
{
	static const char *const names[] = {
	    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	    [SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	    [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	    [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	    [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	    [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
	};

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig])
		return names[sig];
	return "?";
}

static bool default_ignored(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return true;
	default:
		return false;
	}
}

#define STOP_SIGNALS (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define SA_NOCLDSTOP 1
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* p stopped or went on (proc_lock held): its parent is told. */
static void job_notify_locked(struct process *p, int code, int sig)
{
	struct process *parent = p->parent;
	struct ksiginfo info = {.signo = SIGCHLD, .code = code, .pid = p->pid, .status = sig};

	if (!parent)
		return;
	if (!(parent->sigaction[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		signal_send_locked(parent, SIGCHLD, &info);
	parent->child_events++;
	wq_wake_all(&parent->wq);
}

/* SIGCONT's effect, whatever its action; a stop drops a pending SIGCONT. */
static void job_control_locked(struct process *p, int sig)
{
	if (sig != SIGCONT) {
		if (SIGBIT(sig) & STOP_SIGNALS)
			__atomic_fetch_and(&p->pending, ~SIGBIT(SIGCONT), __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_fetch_and(&p->pending, ~STOP_SIGNALS, __ATOMIC_SEQ_CST);
	if (!p->stopped)
		return;
	p->stopped = false;
	p->stop_unreported = false;
	p->cont_unreported = true;
	job_notify_locked(p, CLD_CONTINUED, SIGCONT);
	wq_wake_all(&p->wq);
}

/* The default action of a stop signal: wait for SIGCONT or SIGKILL. */
static void job_stop(struct process *p, int sig)
{
	unsigned long flags = proc_lock_irqsave();

	p->stopped = true;
	p->stop_sig = sig;
	p->stop_unreported = true;
	p->cont_unreported = false;
	job_notify_locked(p, CLD_STOPPED, sig);
	proc_unlock_irqrestore(flags);
	wait_event(&p->wq, !p->stopped || (p->pending & SIGBIT(SIGKILL)));
	flags = proc_lock_irqsave();
	p->stopped = false;
	proc_unlock_irqrestore(flags);
}

bool signal_ignored(const struct process *p, int sig)
{
	uint64_t h = p->sigaction[sig - 1].handler;

	if (sig == SIGKILL)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && default_ignored(sig));
}

void signal_send_locked(struct process *p, int sig, const struct ksiginfo *info)
{
	uint64_t bit = SIGBIT(sig);

	if (p->state != PROC_LIVE || p->exiting)
		return;
	job_control_locked(p, sig);
	/* An ignored signal is dropped, unless blocked: it may be caught by
	 * the time it is unblocked. */
	if (signal_ignored(p, sig) && !(p->sigmask & bit))
		return;
	if (!(p->pending & bit)) {
		p->info[sig - 1] = *info;
		p->info[sig - 1].signo = sig;
	}
	__atomic_fetch_or(&p->pending, bit, __ATOMIC_SEQ_CST);
	wq_wake_all(&p->wq);
	/* Wherever it waits, or on whichever CPU it runs in user mode. */
	if (p->thread && !(p->sigmask & bit))
		thread_kick(p->thread);
}

void signal_send(struct process *p, int sig, const struct ksiginfo *info)
{
	unsigned long flags = proc_lock_irqsave();

	signal_send_locked(p, sig, info);
	proc_unlock_irqrestore(flags);
}

void signal_force(int sig, int code, uint64_t addr)
{
	struct process *p = current_process();
	struct ksiginfo info = {.signo = sig, .code = code, .addr = addr};
	uint64_t h = p->sigaction[sig - 1].handler;

	if (h == SIG_DFL || h == SIG_IGN || (p->sigmask & SIGBIT(sig)))
		process_exit(sig);
	signal_send(p, sig, &info);
}

void signal_exec_reset(struct process *p)
{
	for (int i = 0; i < NSIG; i++)
		if (p->sigaction[i].handler != SIG_IGN)
			p->sigaction[i] = (struct k_sigaction){0};
	p->altstack.sp = p->altstack.size = 0;
	p->altstack.flags = 2; /* SS_DISABLE */
}

/* --- delivery --- */

static void restart_syscall(struct process *p, struct trap_frame *f)
{
	f->rax = p->in_syscall - 1;
	f->rip -= 2;
}

/* A system call that returned a restart code, once the signal's fate is
 * known: a handler about to run (ka), or none (NULL). */
static void syscall_settle(struct process *p, struct trap_frame *f, const struct k_sigaction *ka)
{
	long rc = (long)f->rax;

	if (!p->in_syscall)
		return;
	if (rc == -ERESTARTNOINTR || (rc == -ERESTARTSYS && (!ka || (ka->flags & SA_RESTART))) ||
	    (rc == -ERESTARTNOHAND && !ka))
		restart_syscall(p, f);
	else if (rc == -ERESTARTSYS || rc == -ERESTARTNOHAND)
		f->rax = (uint64_t)-EINTR;
	p->in_syscall = 0;
}

/* The next signal to deliver, taken off the pending set. */
static int dequeue(struct process *p, struct ksiginfo *info)
{
	unsigned long flags = proc_lock_irqsave();
	uint64_t ready = p->pending & ~p->sigmask;
	int sig = 0;

	if (ready) {
		sig = (ready & SIGBIT(SIGKILL)) ? SIGKILL : __builtin_ctzll(ready) + 1;
		*info = p->info[sig - 1];
		__atomic_fetch_and(&p->pending, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
	}
	proc_unlock_irqrestore(flags);
	return sig;
}

static void deliver_one(struct process *p, struct trap_frame *f)
{
	struct ksiginfo info;
	int sig = dequeue(p, &info);
	struct k_sigaction ka;
	uint64_t oldmask;

	if (!sig)
		return;
	ka = p->sigaction[sig - 1];
	if (ka.handler == SIG_IGN || (ka.handler == SIG_DFL && default_ignored(sig)))
		return;
	if (ka.handler == SIG_DFL && (SIGBIT(sig) & STOP_SIGNALS)) {
		/* Nobody could continue an orphaned group: the terminal's
		 * stops are dropped (SIGSTOP still stops), as Linux does. */
		if (sig == SIGSTOP || !process_pgrp_orphaned(p->pgid))
			job_stop(p, sig);
		return;
	}
	if (ka.handler == SIG_DFL)
		process_exit(sig);
	syscall_settle(p, f, &ka);
	oldmask = p->restore_mask ? p->saved_mask : p->sigmask;
	p->restore_mask = false;
	if (arch_signal_setup(p, f, sig, &info, &ka, oldmask)) {
		pr_info("user: pid %d (%s): no room for the frame of %s at rsp %#lx: SIGSEGV\n",
			p->pid, p->name, signal_name(sig), f->rsp);
		process_exit(SIGSEGV);
	}
	p->sigmask |= ka.mask | ((ka.flags & SA_NODEFER) ? 0 : SIGBIT(sig));
	p->sigmask &= ~UNBLOCKABLE;
	if (ka.flags & SA_RESETHAND)
		p->sigaction[sig - 1].handler = SIG_DFL;
}

void user_return_work(void)
{
	struct process *p = current_process();
	struct trap_frame *f = user_frame();

	for (;;) {
		local_irq_disable();
		if (this_cpu()->need_resched) {
			schedule();
			continue;
		}
		if (!signal_pending(p))
			break;
		local_irq_enable();
		deliver_one(p, f);
	}
	if (p && p->in_syscall) {
		local_irq_enable();
		syscall_settle(p, f, NULL);
		local_irq_disable();
	}
	if (p && p->restore_mask) {
		p->sigmask = p->saved_mask;
		p->restore_mask = false;
	}
}

/* --- the alarm (ITIMER_REAL) --- */

static void alarm_fire(struct timer *t)
{
	struct process *p = (struct process *)((char *)t - offsetof(struct process, alarm));
	struct ksiginfo info = {.signo = SIGALRM, .code = 0x80 /* SI_KERNEL */};

	signal_send(p, SIGALRM, &info);
	if (p->alarm_interval) {
		p->alarm_at = sched_clock() + p->alarm_interval;
		timer_add(t, p->alarm_at, alarm_fire);
	} else {
		p->alarm_armed = false;
	}
}

/* The timer may be re-adding itself as it is cancelled: with no
 * interval it stops doing so, and the second cancel takes what the
 * first one's wait let through. */
void signal_alarm_stop(struct process *p)
{
	__atomic_store_n(&p->alarm_interval, 0, __ATOMIC_SEQ_CST);
	timer_cancel(&p->alarm);
	timer_cancel(&p->alarm);
	p->alarm_armed = false;
}

void signal_alarm_set(struct process *p, uint64_t value_ns, uint64_t interval_ns)
{
	signal_alarm_stop(p);
	p->alarm_interval = interval_ns;
	if (!value_ns)
		return;
	p->alarm_at = sched_clock() + value_ns;
	p->alarm_armed = true;
	timer_add(&p->alarm, p->alarm_at, alarm_fire);
}
