/*
 * The signal system calls: kill, tkill and tgkill, the actions
 * (rt_sigaction), the mask (rt_sigprocmask), what is pending, waiting for
 * a signal (rt_sigsuspend, pause), the way back from a handler
 * (rt_sigreturn, arch/x86/signal.c), the alternate stack, and the alarm
 * (alarm, setitimer and getitimer, ITIMER_REAL only: the CPU-time timers
 * say -EINVAL).  The core is kernel/signal.c.
 */
#include <amphi/errno.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/uaccess.h>

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SI_USER 0
#define SI_TKILL (-6)
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define NS_PER_SEC 1000000000ULL
#define NS_PER_USEC 1000ULL
#define PID_MIN (-2147483647 - 1)

/* --- sending --- */

struct kill_walk {
	struct process *self;
	int pid, sig, found;
};

static int kill_one(struct process *p, void *arg)
{
	struct kill_walk *w = arg;
	struct ksiginfo info = {.signo = w->sig, .code = SI_USER, .pid = w->self->pid};
	bool match;

	if (w->pid == -1)
		match = p->pid != 1 && p != w->self;
	else
		match = p->pgid == (w->pid ? -w->pid : w->self->pgid);
	if (!match || p->state != PROC_LIVE)
		return 0;
	w->found++;
	if (w->sig)
		signal_send_locked(p, w->sig, &info);
	return 0;
}

static long kill_locked(struct kill_walk *w)
{
	struct process *t;
	struct ksiginfo info = {.signo = w->sig, .code = SI_USER, .pid = w->self->pid};

	if (w->pid > 0) {
		if (!(t = process_find_locked(w->pid)))
			return -ESRCH;
		if (w->sig)
			signal_send_locked(t, w->sig, &info);
		return 0;
	}
	process_for_each_locked(kill_one, w);
	return w->found ? 0 : -ESRCH;
}

long sys_kill(const struct sysargs *a)
{
	struct kill_walk w = {.self = current_process(), .pid = (int)a->a[0], .sig = (int)a->a[1]};
	unsigned long flags;
	long rc;

	if (a->a[1] > NSIG || w.pid == PID_MIN)
		return w.pid == PID_MIN ? -ESRCH : -EINVAL;
	flags = proc_lock_irqsave();
	rc = kill_locked(&w);
	proc_unlock_irqrestore(flags);
	return rc;
}

/* One thread per process: a thread id is its process's pid. */
static long tkill(int tgid, int tid, uint64_t sig)
{
	struct process *self = current_process(), *t;
	struct ksiginfo info = {.signo = (int)sig, .code = SI_TKILL, .pid = self->pid};
	unsigned long flags;
	long rc = 0;

	if (tid <= 0 || sig > NSIG || (tgid != -1 && tgid <= 0))
		return -EINVAL;
	flags = proc_lock_irqsave();
	t = process_find_locked(tid);
	if (!t || (tgid != -1 && t->pid != tgid))
		rc = -ESRCH;
	else if (sig)
		signal_send_locked(t, (int)sig, &info);
	proc_unlock_irqrestore(flags);
	return rc;
}

long sys_tkill(const struct sysargs *a)
{
	return tkill(-1, (int)a->a[0], a->a[1]);
}

long sys_tgkill(const struct sysargs *a)
{
	return tkill((int)a->a[0], (int)a->a[1], a->a[2]);
}

/* --- actions and the mask --- */

long sys_rt_sigaction(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t sig = a->a[0];
	struct k_sigaction act;
	unsigned long flags;

	if (a->a[3] != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (a->a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL; /* SIGKILL and SIGSTOP keep their actions */
	if (a->a[1] && copy_from_user(&act, a->a[1], sizeof(act)))
		return -EFAULT;
	if (a->a[2] && copy_to_user(a->a[2], &p->sigaction[sig - 1], sizeof(act)))
		return -EFAULT;
	if (!a->a[1])
		return 0;
	act.mask &= ~UNBLOCKABLE;
	flags = proc_lock_irqsave();
	p->sigaction[sig - 1] = act;
	/* A pending signal now ignored is dropped (POSIX). */
	if (signal_ignored(p, (int)sig))
		__atomic_fetch_and(&p->pending, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
	proc_unlock_irqrestore(flags);
	return 0;
}

long sys_rt_sigprocmask(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t set, old = p->sigmask;

	if (a->a[3] != 8)
		return -EINVAL;
	if (a->a[1]) {
		if (copy_from_user(&set, a->a[1], sizeof(set)))
			return -EFAULT;
		if (a->a[0] == SIG_BLOCK)
			set |= old;
		else if (a->a[0] == SIG_UNBLOCK)
			set = old & ~set;
		else if (a->a[0] != SIG_SETMASK)
			return -EINVAL;
	}
	if (a->a[2] && copy_to_user(a->a[2], &old, sizeof(old)))
		return -EFAULT;
	if (a->a[1])
		p->sigmask = set & ~UNBLOCKABLE;
	return 0;
}

long sys_rt_sigpending(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t set = p->pending & p->sigmask;

	if (a->a[1] > 8)
		return -EINVAL;
	return copy_to_user(a->a[0], &set, a->a[1]);
}

/* --- waiting for one --- */

static long wait_for_signal(struct process *p)
{
	wait_event_interruptible(&p->wq, false);
	return -ERESTARTNOHAND;
}

long sys_pause(const struct sysargs *a)
{
	return wait_for_signal(current_process());
}

long sys_rt_sigsuspend(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t set;

	if (a->a[1] != 8)
		return -EINVAL;
	if (copy_from_user(&set, a->a[0], sizeof(set)))
		return -EFAULT;
	p->saved_mask = p->sigmask;
	p->restore_mask = true;
	p->sigmask = set & ~UNBLOCKABLE;
	return wait_for_signal(p);
}

long sys_rt_sigreturn(const struct sysargs *a)
{
	struct process *p = current_process();
	struct trap_frame *f = user_frame();

	p->in_syscall = 0; /* what it returns is the interrupted code's rax */
	if (arch_signal_return(p, f))
		process_exit(SIGSEGV);
	return (long)f->rax;
}

struct k_stack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

long sys_sigaltstack(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t rsp = user_frame()->rsp;
	bool on =
	    p->altstack.size && rsp > p->altstack.sp && rsp <= p->altstack.sp + p->altstack.size;
	struct k_stack ss,
	    old = {p->altstack.sp, on ? SS_ONSTACK : p->altstack.flags, 0, p->altstack.size};

	if (a->a[0]) {
		if (copy_from_user(&ss, a->a[0], sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags != 0 && ss.flags != SS_DISABLE)
			return -EINVAL;
		if (ss.flags != SS_DISABLE && ss.size < MINSIGSTKSZ)
			return -ENOMEM;
	}
	if (a->a[1] && copy_to_user(a->a[1], &old, sizeof(old)))
		return -EFAULT;
	if (a->a[0]) {
		p->altstack.flags = ss.flags;
		p->altstack.sp = ss.flags == SS_DISABLE ? 0 : ss.sp;
		p->altstack.size = ss.flags == SS_DISABLE ? 0 : ss.size;
	}
	return 0;
}

/* --- the alarm --- */

static uint64_t alarm_left(const struct process *p)
{
	uint64_t now = sched_clock();

	return p->alarm_armed && p->alarm_at > now ? p->alarm_at - now : 0;
}

long sys_alarm(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t left = alarm_left(p), secs = left / NS_PER_SEC;
	uint32_t want = (uint32_t)a->a[0];

	if (left % NS_PER_SEC >= NS_PER_SEC / 2 || (left && !secs))
		secs++; /* rounded, and never 0 for an alarm still set, as Linux does */
	signal_alarm_set(p, want * NS_PER_SEC, 0);
	return (long)secs;
}

struct k_itimerval {
	int64_t interval_sec, interval_usec, value_sec, value_usec;
};

static void itimer_get(const struct process *p, struct k_itimerval *v)
{
	uint64_t left = alarm_left(p), iv = p->alarm_interval;

	*v =
	    (struct k_itimerval){(int64_t)(iv / NS_PER_SEC), (int64_t)(iv % NS_PER_SEC / 1000),
				 (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC / 1000)};
	if (left && !v->value_sec && !v->value_usec)
		v->value_usec = 1;
}

static bool itimer_part_ok(int64_t sec, int64_t usec)
{
	return sec >= 0 && sec < (int64_t)(UINT64_MAX / NS_PER_SEC / 2) && usec >= 0 &&
	       usec < 1000000;
}

long sys_getitimer(const struct sysargs *a)
{
	struct k_itimerval v;

	if (a->a[0] != 0)
		return -EINVAL; /* ITIMER_VIRTUAL and ITIMER_PROF are not kept */
	itimer_get(current_process(), &v);
	return copy_to_user(a->a[1], &v, sizeof(v));
}

long sys_setitimer(const struct sysargs *a)
{
	struct process *p = current_process();
	struct k_itimerval v = {0}, old;

	if (a->a[0] != 0)
		return -EINVAL; /* ITIMER_VIRTUAL and ITIMER_PROF are not kept */
	if (a->a[1] && copy_from_user(&v, a->a[1], sizeof(v)))
		return -EFAULT;
	if (!itimer_part_ok(v.interval_sec, v.interval_usec) ||
	    !itimer_part_ok(v.value_sec, v.value_usec))
		return -EINVAL;
	itimer_get(p, &old);
	if (a->a[2] && copy_to_user(a->a[2], &old, sizeof(old)))
		return -EFAULT;
	signal_alarm_set(
	    p, (uint64_t)v.value_sec * NS_PER_SEC + (uint64_t)v.value_usec * NS_PER_USEC,
	    (uint64_t)v.interval_sec * NS_PER_SEC + (uint64_t)v.interval_usec * NS_PER_USEC);
	return 0;
}
