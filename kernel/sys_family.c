/*
 * The system calls of the process tree: fork, vfork and clone (as fork),
 * wait4 and waitid, and process groups and sessions with Linux's error
 * rules.  The work is in kernel/process.c.
 *
 * clone takes what glibc's fork passes (SIGCHLD | CLONE_CHILD_SETTID |
 * CLONE_CHILD_CLEARTID), CLONE_PARENT_SETTID, CLONE_SETTLS and a new
 * stack; the flags of threads and of shared resources (CLONE_VM,
 * CLONE_THREAD, CLONE_FILES, CLONE_VFORK...) say -EINVAL until a process
 * may have more than one thread.  vfork is a fork: the parent does not
 * wait for the child's exec, which a correct vfork child cannot tell.
 * waitid reports exits, stops (WSTOPPED) and continues (WCONTINUED),
 * with WNOWAIT leaving the child to be waited for again.
 */
#include <amphi/errno.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/uaccess.h>

#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000
#define CSIGNAL 0xff
#define WNOHANG 0x1
#define WUNTRACED 0x2
#define WSTOPPED 0x2
#define WEXITED 0x4
#define WCONTINUED 0x8
#define WNOWAIT 0x01000000
#define W_LINUX (0x20000000 | 0x40000000 | 0x80000000) /* __WNOTHREAD, __WALL, __WCLONE */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define PID_MIN (-2147483647 - 1)
#define RUSAGE_SIZE 144

long sys_fork(const struct sysargs *a)
{
	return process_fork(user_frame(), SIGCHLD, 0, 0, 0, 0);
}

long sys_clone(const struct sysargs *a)
{
	const uint64_t known = CSIGNAL | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
			       CLONE_CHILD_SETTID;
	uint64_t flags = a->a[0];

	/* Threads (CLONE_VM, CLONE_THREAD...) come with more than one
	 * thread per process: refused until then. */
	if ((flags & ~known) || (flags & CSIGNAL) > NSIG)
		return -EINVAL;
	/* The FS base is loaded by wrmsr, which faults on a non-canonical
	 * address: the user range only, as arch_prctl takes it. */
	if ((flags & CLONE_SETTLS) && a->a[4] >= USER_TOP)
		return -EPERM;
	if (a->a[1] >= USER_TOP)
		return -EINVAL; /* a new stack outside the user range */
	return process_fork(user_frame(), flags, a->a[1], a->a[2], a->a[3], a->a[4]);
}

/* --- wait --- */

static long zero_rusage(uint64_t ru)
{
	static const uint8_t zero[RUSAGE_SIZE];

	return ru ? copy_to_user(ru, zero, sizeof(zero)) : 0;
}

long sys_wait4(const struct sysargs *a)
{
	int pid = (int)a->a[0], status = 0, which = WAIT_PID, id = pid;
	long rc;

	if (a->a[2] & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | W_LINUX))
		return -EINVAL;
	if (pid == PID_MIN)
		return -ESRCH;
	if (pid == -1)
		which = WAIT_ANY;
	else if (pid <= 0) {
		which = WAIT_PGID;
		id = pid ? -pid : current_process()->pgid;
	}
	rc = process_wait_child(which, id,
				WAIT_EXITED | (a->a[2] & WNOHANG ? WAIT_NOHANG : 0) |
				    (a->a[2] & WUNTRACED ? WAIT_STOPPED : 0) |
				    (a->a[2] & WCONTINUED ? WAIT_CONTINUED : 0),
				&status);
	if (rc <= 0)
		return rc;
	if (a->a[1] && copy_to_user(a->a[1], &status, sizeof(status)))
		return -EFAULT;
	return zero_rusage(a->a[3]) ? -EFAULT : rc;
}

/* What waitid writes of siginfo_t: Linux fills these fields and leaves
 * the rest of the caller's structure as it was. */
struct k_siginfo_chld {
	int32_t signo, errno_, code, pad;
	int32_t pid, uid, status;
};

#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* A status as wait4 gives it, as waitid's code and status. */
static void waitid_info(int pid, int status, struct k_siginfo_chld *si)
{
	si->signo = SIGCHLD;
	si->pid = pid;
	if (status == 0xffff) {
		si->code = CLD_CONTINUED;
		si->status = SIGCONT;
	} else if ((status & 0xff) == 0x7f) {
		si->code = CLD_STOPPED;
		si->status = (status >> 8) & 0xff;
	} else if (status & 0x7f) {
		si->code = CLD_KILLED;
		si->status = status & 0x7f;
	} else {
		si->code = CLD_EXITED;
		si->status = (status >> 8) & 0xff;
	}
}

static long waitid_to_user(uint64_t uinfo, const struct k_siginfo_chld *si)
{
	if (!uinfo)
		return 0;
	if (copy_to_user(uinfo, si, 12) || copy_to_user(uinfo + 16, &si->pid, 12))
		return -EFAULT;
	return 0;
}

/* waitid(idtype, id, infop, options, rusage): P_ALL, P_PID, P_PGID (0:
 * the caller's group); WEXITED, WSTOPPED, WCONTINUED, at least one;
 * WNOHANG with nothing to report fills signo and pid with 0. */
long sys_waitid(const struct sysargs *a)
{
	uint64_t idtype = a->a[0], opt = a->a[3];
	int id = (int)a->a[1], status = 0, which;
	struct k_siginfo_chld si = {0};
	unsigned int opts;
	long rc;

	if (opt & ~(uint64_t)(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | W_LINUX))
		return -EINVAL;
	if (!(opt & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_ALL)
		which = WAIT_ANY;
	else if (idtype == P_PID && id > 0)
		which = WAIT_PID;
	else if (idtype == P_PGID && id >= 0) {
		which = WAIT_PGID;
		id = id ? id : current_process()->pgid;
	} else
		return -EINVAL;
	opts = (opt & WNOHANG ? WAIT_NOHANG : 0) | (opt & WNOWAIT ? WAIT_NOWAIT : 0) |
	       (opt & WEXITED ? WAIT_EXITED : 0) | (opt & WSTOPPED ? WAIT_STOPPED : 0) |
	       (opt & WCONTINUED ? WAIT_CONTINUED : 0);
	rc = process_wait_child(which, id, opts, &status);
	if (rc < 0)
		return rc;
	if (rc > 0)
		waitid_info((int)rc, status, &si);
	if (waitid_to_user(a->a[2], &si))
		return -EFAULT;
	return zero_rusage(a->a[4]) ? -EFAULT : 0;
}

/* --- groups and sessions --- */

struct group_walk {
	int pgid, sid;
	bool found;
};

static int group_match(struct process *p, void *arg)
{
	struct group_walk *w = arg;

	if (p->pgid == w->pgid && (w->sid < 0 || p->sid == w->sid) && p->state == PROC_LIVE)
		w->found = true;
	return w->found;
}

static bool group_exists_locked(int pgid, int sid)
{
	struct group_walk w = {pgid, sid, false};

	process_for_each_locked(group_match, &w);
	return w.found;
}

static long setpgid_locked(struct process *self, int pid, int pgid)
{
	struct process *t = pid ? process_find_locked(pid) : self;

	if (!t || (t != self && t->parent != self))
		return -ESRCH;
	if (t != self && t->did_exec)
		return -EACCES;
	if (t->sid != self->sid || t->sid == t->pid)
		return -EPERM;
	if (!pgid)
		pgid = t->pid;
	if (pgid != t->pid && !group_exists_locked(pgid, self->sid))
		return -EPERM;
	t->pgid = pgid;
	return 0;
}

long sys_setpgid(const struct sysargs *a)
{
	int pid = (int)a->a[0], pgid = (int)a->a[1];
	unsigned long flags;
	long rc;

	if (pid < 0 || pgid < 0)
		return -EINVAL;
	flags = proc_lock_irqsave();
	rc = setpgid_locked(current_process(), pid, pgid);
	proc_unlock_irqrestore(flags);
	return rc;
}

/* getpgid and getsid: a field of pid's process (0: the caller). */
static long get_id(int pid, bool session)
{
	unsigned long flags;
	struct process *t;
	long rc;

	if (pid < 0)
		return -ESRCH;
	flags = proc_lock_irqsave();
	t = pid ? process_find_locked(pid) : current_process();
	rc = !t ? -ESRCH : session ? t->sid : t->pgid;
	proc_unlock_irqrestore(flags);
	return rc;
}

long sys_getpgid(const struct sysargs *a)
{
	return get_id((int)a->a[0], false);
}

long sys_getsid(const struct sysargs *a)
{
	return get_id((int)a->a[0], true);
}

long sys_getpgrp(const struct sysargs *a)
{
	return current_process()->pgid;
}

long sys_setsid(const struct sysargs *a)
{
	struct process *p = current_process();
	unsigned long flags = proc_lock_irqsave();
	long rc = p->pid;

	/* A group leader, or anyone whose pid is a group's, may not. */
	if (group_exists_locked(p->pid, -1))
		rc = -EPERM;
	else
		p->sid = p->pgid = p->pid;
	proc_unlock_irqrestore(flags);
	return rc;
}
