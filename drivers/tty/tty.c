/*
 * The console as a terminal: /dev/console, /dev/tty and the descriptors
 * 0, 1 and 2 programs start with.  Input comes from the console layer
 * (kernel/console.c: the serial port natively, hvc0 on Xen, whichever
 * console is enabled), taken by a thread of its own once PID 1 starts
 * (tty_start), and goes through the line discipline (n_tty.c) under one
 * mutex; its signals go to the foreground process group.  Until then the
 * built-in shell owns the console's input and a read here is at end of
 * file at once, as before there was a tty.
 *
 * A controlling terminal belongs to a session: the kernel gives the
 * console to PID 1's session with PID 1's group in the foreground, as
 * getty or busybox's cttyhack would (Linux leaves /dev/console nobody's,
 * and a shell run as init then has no job control and no ^C).
 * TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP and TIOCGSID follow that
 * session; a process of another session gets -ENOTTY for the group
 * calls.  A background group that reads, or writes with TOSTOP, or
 * changes the terminal gets SIGTTIN or SIGTTOU (tty_job_check).
 *
 * VMIN and VTIME are the reader's here, as Linux's n_tty: with VMIN > 0
 * a read waits for VMIN bytes (at most what it asked for), with VTIME
 * between them once one came; with VMIN 0, VTIME is how long to wait for
 * any.  Every wait is interruptible: -ERESTARTSYS, or the bytes taken.
 */
#include <amphi/console.h>
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/mutex.h>
#include <amphi/n_tty.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/tty.h>
#include <amphi/uaccess.h>

struct tty {
	struct mutex lock;
	struct n_tty ldisc;
	struct wait_queue read_wq;
	struct winsize winsize;
	int sid, pgrp; /* the session it controls, its foreground group */
	bool started;  /* input runs: reads wait for it */
};

static struct tty console_tty = {
    .lock = MUTEX_INIT,
    .read_wq = WAIT_QUEUE_INIT,
    .winsize = {24, 80, 0, 0},
};
static bool console_tty_ready;

static void tty_echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static struct tty *tty_get(void)
{
	if (!__atomic_load_n(&console_tty_ready, __ATOMIC_ACQUIRE)) {
		mutex_lock(&console_tty.lock);
		if (!console_tty_ready) {
			n_tty_init(&console_tty.ldisc, tty_echo, NULL);
			__atomic_store_n(&console_tty_ready, true, __ATOMIC_RELEASE);
		}
		mutex_unlock(&console_tty.lock);
	}
	return &console_tty;
}

/* --- signals to a group --- */

struct group_signal {
	int pgrp, sig, sent;
};

static int signal_one(struct process *p, void *arg)
{
	struct group_signal *g = arg;
	struct ksiginfo info = {.signo = g->sig, .code = 0x80 /* SI_KERNEL */};

	if (p->pgid == g->pgrp && p->state == PROC_LIVE) {
		signal_send_locked(p, g->sig, &info);
		g->sent++;
	}
	return 0;
}

static int tty_signal_group(int pgrp, int sig)
{
	struct group_signal g = {pgrp, sig, 0};
	unsigned long flags;

	if (pgrp <= 0)
		return 0;
	flags = proc_lock_irqsave();
	process_for_each_locked(signal_one, &g);
	proc_unlock_irqrestore(flags);
	return g.sent;
}

/* --- job control --- */

/*
 * A process of the session this terminal controls, not in its foreground
 * group, that reads it (SIGTTIN) or writes it with TOSTOP set or changes
 * its settings (SIGTTOU): its group gets the signal, and the call
 * -ERESTARTSYS, to run again once the group is continued.  If the signal
 * is ignored or blocked, a read is refused (-EIO) and the rest go on; a
 * process of an orphaned group, which no one could continue, gets -EIO.
 * Linux's __tty_check_change.
 */
static long tty_job_check(struct tty *t, int sig)
{
	struct process *p = current_process();
	int fg = READ_ONCE(t->pgrp);

	if (!p || !t->sid || p->sid != t->sid || !fg || p->pgid == fg)
		return 0;
	if (p->sigaction[sig - 1].handler == 1 /* SIG_IGN */ || (p->sigmask & SIGBIT(sig)))
		return sig == SIGTTIN ? -EIO : 0;
	if (process_pgrp_orphaned(p->pgid))
		return -EIO;
	tty_signal_group(p->pgid, sig);
	return -ERESTARTSYS;
}

/* --- input --- */

int tty_receive(struct tty *t, const uint8_t *s, size_t n)
{
	int sig = 0, pgrp;

	mutex_lock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		int got = n_tty_receive(&t->ldisc, s[i]);

		sig = got ? got : sig;
	}
	pgrp = t->pgrp;
	mutex_unlock(&t->lock);
	wq_wake_all(&t->read_wq);
	file_poll_wake();
	if (sig)
		tty_signal_group(pgrp, sig);
	return sig;
}

static void tty_input_main(void *arg)
{
	struct tty *t = arg;

	for (;;) {
		int c = console_getc();
		uint8_t ch;

		if (c < 0) {
			console_wait_input();
			continue;
		}
		ch = (uint8_t)c;
		tty_receive(t, &ch, 1);
	}
}

void tty_start(int sid, int pgrp)
{
	struct tty *t = tty_get();
	bool first;

	mutex_lock(&t->lock);
	t->sid = sid;
	t->pgrp = pgrp;
	first = !t->started;
	t->started = true;
	mutex_unlock(&t->lock);
	if (first && !thread_create_on("tty-input", tty_input_main, t, CPUMASK_ALL))
		pr_err("tty: no thread for the console's input: it stays unread\n");
}

struct tty *tty_console(void)
{
	return tty_get();
}

struct tty *tty_alloc(int pgrp)
{
	struct tty *t = kmalloc(sizeof(*t));

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->lock = (struct mutex)MUTEX_INIT;
	t->read_wq = (struct wait_queue)WAIT_QUEUE_INIT;
	n_tty_init(&t->ldisc, NULL, NULL);
	t->pgrp = pgrp;
	t->started = true;
	return t;
}

void tty_free(struct tty *t)
{
	kfree(t);
}

void tty_get_termios(struct tty *t, struct kernel_termios *tio)
{
	mutex_lock(&t->lock);
	*tio = t->ldisc.tio;
	mutex_unlock(&t->lock);
}

/* --- reading --- */

/* What a read may take now, taken (0 with *eof for an end of file). */
static size_t tty_take(struct tty *t, uint8_t *buf, size_t n, bool *eof)
{
	size_t got;

	mutex_lock(&t->lock);
	got = n_tty_readable(&t->ldisc) ? n_tty_read(&t->ldisc, buf, n, eof) : 0;
	mutex_unlock(&t->lock);
	return got;
}

static long tty_read_canon(struct tty *t, uint8_t *buf, size_t n, bool nonblock)
{
	for (;;) {
		bool eof = false;
		size_t got = tty_take(t, buf, n, &eof);

		if (got || eof)
			return (long)got;
		if (nonblock)
			return -EAGAIN;
		if (wait_event_interruptible(&t->read_wq, n_tty_readable(&t->ldisc)) < 0)
			return -ERESTARTSYS;
	}
}

static long tty_read_raw(struct tty *t, uint8_t *buf, size_t n, bool nonblock)
{
	unsigned int vmin = t->ldisc.tio.c_cc[VMIN];
	uint64_t vtime = t->ldisc.tio.c_cc[VTIME] * 100 * NSEC_PER_MSEC;
	size_t want = vmin ? MIN(vmin, n) : 1, got = 0;
	bool eof;

	for (;;) {
		int w;

		got += tty_take(t, buf + got, n - got, &eof);
		if (got >= want || nonblock || (!vmin && !vtime))
			return got || !nonblock ? (long)got : -EAGAIN;
		/* VTIME: from the read's start with VMIN 0, else between bytes. */
		w = wait_event_interruptible_deadline(
		    &t->read_wq, n_tty_readable(&t->ldisc),
		    (vtime && (got || !vmin)) ? sched_clock() + vtime : 0);
		if (w < 0)
			return got ? (long)got : -ERESTARTSYS;
		if (!w)
			return (long)got;
	}
}

long tty_read_kernel(struct tty *t, void *buf, size_t n, bool nonblock)
{
	if (!__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
		return 0; /* the built-in shell owns the input */
	if (t->ldisc.tio.c_lflag & ICANON)
		return tty_read_canon(t, buf, n, nonblock);
	return tty_read_raw(t, buf, n, nonblock);
}

static long tty_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	long rc = tty_job_check(tty_get(), SIGTTIN);

	(void)pos;
	if (rc)
		return rc;
	return tty_read_kernel(tty_get(), buf, n, nonblock || (f->flags & O_NONBLOCK));
}

/* Writes go to the console, and to the writing process's capture buffer
 * when its spawner keeps its output (the selftests do). */
static long tty_write(struct file *f, const void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	struct process *p = current_process();
	struct tty *t = tty_get();
	long rc = (t->ldisc.tio.c_lflag & TOSTOP) ? tty_job_check(t, SIGTTOU) : 0;

	(void)f, (void)pos, (void)nonblock;
	if (rc)
		return rc;
	if (!p || !p->spec.quiet)
		console_write(buf, n);
	if (p && p->out && p->out_len < p->spec.capture) {
		size_t room = p->spec.capture - p->out_len;

		memcpy(p->out + p->out_len, buf, MIN(n, room));
		p->out_len += MIN(n, room);
	}
	return (long)n;
}

static unsigned int tty_poll(struct file *f)
{
	struct tty *t = tty_get();
	unsigned int m = POLLOUT | POLLWRNORM;

	(void)f;
	if (!__atomic_load_n(&t->started, __ATOMIC_ACQUIRE) || n_tty_readable(&t->ldisc))
		m |= POLLIN | POLLRDNORM;
	return m;
}

/* --- ioctl --- */

struct group_find {
	int pgrp, sid;
};

static int group_member(struct process *p, void *arg)
{
	const struct group_find *g = arg;

	return p->pgid == g->pgrp && p->sid == g->sid && p->state == PROC_LIVE;
}

/* Some process of session sid is in group pgrp. */
static bool group_in_session(int pgrp, int sid)
{
	struct group_find g = {pgrp, sid};
	unsigned long flags = proc_lock_irqsave();
	bool found = process_for_each_locked(group_member, &g) != 0;

	proc_unlock_irqrestore(flags);
	return found;
}

void tty_set_termios_kernel(struct tty *t, const struct kernel_termios *tio, bool flush)
{
	mutex_lock(&t->lock);
	if (flush)
		n_tty_flush(&t->ldisc);
	n_tty_set_termios(&t->ldisc, tio);
	mutex_unlock(&t->lock);
	wq_wake_all(&t->read_wq);
	file_poll_wake();
}

static long tty_set_termios(struct tty *t, unsigned int cmd, uint64_t arg)
{
	struct kernel_termios tio;

	if (copy_from_user(&tio, arg, sizeof(tio)))
		return -EFAULT;
	tty_set_termios_kernel(t, &tio, cmd == TCSETSF);
	return 0;
}

static long tty_ioctl_pgrp(struct tty *t, struct process *p, unsigned int cmd, uint64_t arg)
{
	int pgrp;

	if (!p || !t->sid || p->sid != t->sid)
		return -ENOTTY;
	if (cmd == TIOCGPGRP)
		return copy_to_user(arg, &t->pgrp, sizeof(int));
	if (cmd == TIOCGSID)
		return copy_to_user(arg, &t->sid, sizeof(int));
	if (copy_from_user(&pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	if (!group_in_session(pgrp, t->sid))
		return -EPERM;
	t->pgrp = pgrp;
	return 0;
}

static long tty_ioctl_session(struct tty *t, struct process *p, unsigned int cmd, uint64_t arg)
{
	if (!p)
		return -ENOTTY;
	if (cmd == TIOCSCTTY) {
		if (t->sid == p->sid)
			return 0;
		if (p->pid != p->sid || (t->sid && arg != 1))
			return -EPERM;
		t->sid = p->sid;
		t->pgrp = p->pgid;
		return 0;
	}
	if (p->sid != t->sid)
		return -ENOTTY;
	if (p->pid == p->sid) { /* TIOCNOTTY from the leader: the session lets go */
		tty_signal_group(t->pgrp, SIGHUP);
		tty_signal_group(t->pgrp, SIGCONT);
		t->sid = t->pgrp = 0;
	}
	return 0;
}

/* SIGWINCH to the foreground group when the size changes, as Linux. */
static long tty_set_winsize(struct tty *t, uint64_t arg)
{
	struct winsize ws;
	bool changed;

	if (copy_from_user(&ws, arg, sizeof(ws)))
		return -EFAULT;
	mutex_lock(&t->lock);
	changed = memcmp(&ws, &t->winsize, sizeof(ws)) != 0;
	t->winsize = ws;
	mutex_unlock(&t->lock);
	if (changed)
		tty_signal_group(t->pgrp, SIGWINCH);
	return 0;
}

static long tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct tty *t = tty_get();
	struct process *p = current_process();
	int n;
	long rc;

	(void)f;
	switch (cmd) { /* what changes the terminal: from the foreground */
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case TCSBRK:
	case TCXONC:
	case TCFLSH:
	case TIOCSPGRP:
		if ((rc = tty_job_check(t, SIGTTOU)))
			return rc;
		break;
	default:
		break;
	}
	switch (cmd) {
	case TCGETS:
		return copy_to_user(arg, &t->ldisc.tio, sizeof(t->ldisc.tio));
	case TCSETS:
	case TCSETSW: /* output is written as it comes: nothing to drain */
	case TCSETSF:
		return tty_set_termios(t, cmd, arg);
	case TCSBRK:
	case TCXONC:
		return 0; /* drained already; flow control is not kept */
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		mutex_lock(&t->lock);
		if (arg != TCOFLUSH)
			n_tty_flush(&t->ldisc);
		mutex_unlock(&t->lock);
		return 0;
	case TIOCGWINSZ:
		return copy_to_user(arg, &t->winsize, sizeof(t->winsize));
	case TIOCSWINSZ:
		return tty_set_winsize(t, arg);
	case FIONREAD:
		n = (int)n_tty_pending(&t->ldisc);
		return copy_to_user(arg, &n, sizeof(n));
	case TIOCOUTQ:
		n = 0;
		return copy_to_user(arg, &n, sizeof(n));
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:
		return tty_ioctl_pgrp(t, p, cmd, arg);
	case TIOCSCTTY:
	case TIOCNOTTY:
		return tty_ioctl_session(t, p, cmd, arg);
	default:
		return -ENOTTY;
	}
}

const struct file_ops tty_file_ops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
    .poll = tty_poll,
    .seek = FILE_SEEK_NONE,
};
