/*
 * poll and select (and ppoll and pselect6).  A scan asks each file's poll operation what it is
 * ready for now (a pipe's data, room and ends; the console and the
 * ramfs's files are always ready); when nothing is, the caller sleeps on
 * file_poll_wq, which every change of a pipe wakes, until something is or
 * the timeout passes, and scans again.  The scan runs inside the wait's
 * loop, after the thread is on the queue, so no wake-up between the scan
 * and the sleep is lost; it takes only the descriptor table's spinlock.
 * A signal ends the wait with -ERESTARTNOHAND: -EINTR when a handler
 * runs, as Linux's poll and select give.
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/uaccess.h>
#include "sys_fs.h"

#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define POLL_ALWAYS (POLLERR | POLLHUP | POLLNVAL)
#define SELECT_IN (POLLIN | POLLRDNORM | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLERR)
#define NS_PER_MS 1000000ULL

struct pollfd {
	int32_t fd;
	int16_t events, revents;
};

/* What fd is ready for now, POLLNVAL if it is not open. */
static unsigned int fd_ready(int fd)
{
	struct file *f = fd_get(current_process()->files, fd);
	unsigned int m;

	if (!f)
		return POLLNVAL;
	m = f->ops->poll ? f->ops->poll(f) : DEFAULT_POLLMASK;
	file_put(f);
	return m;
}

/* How many entries have something to report; their revents set. */
static unsigned int poll_scan(struct pollfd *fds, size_t n)
{
	unsigned int ready = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int m = fds[i].fd < 0 ? 0 : fd_ready(fds[i].fd);

		fds[i].revents = (int16_t)(m & ((uint16_t)fds[i].events | POLL_ALWAYS));
		ready += fds[i].revents != 0;
	}
	return ready;
}

/* The deadline for a timeout in ns from now: 0 for none (forever). */
static uint64_t deadline_after(uint64_t ns)
{
	uint64_t now = sched_clock();

	return ns > UINT64_MAX - now - 1 ? 0 : now + ns + 1;
}

/* poll's work: wait 0 for none, else until dl (0: forever). */
static long do_poll_until(uint64_t ufds, uint64_t n, long wait, uint64_t dl)
{
	struct pollfd *fds;
	unsigned int ready;
	long r = 0;

	if (n > process_fd_limit(current_process()))
		return -EINVAL;
	if (!(fds = kmalloc(n * sizeof(*fds) + 1)))
		return -ENOMEM;
	if (copy_from_user(fds, ufds, n * sizeof(*fds))) {
		kfree(fds);
		return -EFAULT;
	}
	ready = poll_scan(fds, n);
	if (!ready && wait)
		r = wait_event_interruptible_deadline(&file_poll_wq,
						      (ready = poll_scan(fds, n)) != 0, dl);
	if (r < 0) {
		kfree(fds); /* nothing was ready: no revents to give */
		return -ERESTARTNOHAND;
	}
	r = 0;
	for (size_t i = 0; i < n && !r; i++)
		r = copy_to_user(ufds + i * sizeof(*fds) + 6, &fds[i].revents, 2);
	kfree(fds);
	return r ? r : (long)ready;
}

static long do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ms)
{
	uint64_t dl = timeout_ms < 0 ? 0 : deadline_after((uint64_t)timeout_ms * NS_PER_MS);

	return do_poll_until(ufds, n, timeout_ms != 0, dl);
}

long sys_poll(const struct sysargs *a)
{
	return do_poll(a->a[0], a->a[1], (int32_t)a->a[2]);
}

/* --- select --- */

#define SET_WORDS (FDTABLE_SIZE / 64)

struct select_sets {
	uint64_t in[SET_WORDS], out[SET_WORDS], ex[SET_WORDS];
	uint64_t rin[SET_WORDS], rout[SET_WORDS], rex[SET_WORDS];
};

static bool bit(const uint64_t *s, unsigned int fd)
{
	return s[fd / 64] >> (fd % 64) & 1;
}

/* The ready count (each set's bits counted, as select returns), or
 * -EBADF for a descriptor in a set that is not open. */
static long select_scan(struct select_sets *s, unsigned int n)
{
	long ready = 0;

	memset(s->rin, 0, sizeof(s->rin) * 3);
	for (unsigned int fd = 0; fd < n; fd++) {
		unsigned int m;

		if (!bit(s->in, fd) && !bit(s->out, fd) && !bit(s->ex, fd))
			continue;
		if ((m = fd_ready((int)fd)) & POLLNVAL)
			return -EBADF;
		if (bit(s->in, fd) && (m & SELECT_IN))
			s->rin[fd / 64] |= 1ULL << (fd % 64), ready++;
		if (bit(s->out, fd) && (m & SELECT_OUT))
			s->rout[fd / 64] |= 1ULL << (fd % 64), ready++;
	}
	return ready;
}

static long sets_io(uint64_t u, uint64_t *set, size_t bytes, bool out)
{
	if (!u)
		return 0;
	return out ? copy_to_user(u, set, bytes) : copy_from_user(set, u, bytes);
}

struct k_timeval {
	int64_t sec, usec;
};

static long select_timeout(uint64_t utv, struct k_timeval *tv, uint64_t *deadline)
{
	*deadline = 0;
	if (!utv)
		return 1; /* forever */
	if (copy_from_user(tv, utv, sizeof(*tv)))
		return -EFAULT;
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	if (!tv->sec && !tv->usec)
		return 0;
	*deadline = deadline_after((uint64_t)tv->sec * 1000000000ULL + (uint64_t)tv->usec * 1000);
	return 1;
}

static long select_sets_io(const struct sysargs *a, struct select_sets *s, size_t bytes, bool out)
{
	if (sets_io(a->a[1], out ? s->rin : s->in, bytes, out) ||
	    sets_io(a->a[2], out ? s->rout : s->out, bytes, out) ||
	    sets_io(a->a[3], out ? s->rex : s->ex, bytes, out))
		return -EFAULT;
	return 0;
}

/* select's work on the sets of a (the first four arguments): wait 0
 * for none, else until dl (0: forever). */
static long do_select(const struct sysargs *a, long wait, uint64_t dl)
{
	unsigned int n = (int64_t)(int32_t)a->a[0] < 0 ? 0 : MIN((uint32_t)a->a[0], FDTABLE_SIZE);
	size_t bytes = ALIGN_UP((size_t)n, 64) / 8;
	struct select_sets *s;
	long r;

	if ((int32_t)a->a[0] < 0)
		return -EINVAL;
	if (!(s = kmalloc(sizeof(*s))))
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	if (!(r = select_sets_io(a, s, bytes, false)) && !(r = select_scan(s, n)) && wait &&
	    wait_event_interruptible_deadline(&file_poll_wq, (r = select_scan(s, n)) != 0, dl) < 0)
		r = -ERESTARTNOHAND;
	if (r >= 0 && select_sets_io(a, s, bytes, true))
		r = -EFAULT;
	kfree(s);
	return r;
}

long sys_select(const struct sysargs *a)
{
	struct k_timeval tv;
	uint64_t dl;
	long r, wait;

	if ((wait = select_timeout(a->a[4], &tv, &dl)) < 0)
		return wait;
	r = do_select(a, wait, dl);
	if (r >= 0 && a->a[4] && dl) { /* what is left of the timeout, as Linux says */
		uint64_t now = sched_clock(), left = dl > now ? dl - now : 0;
		struct k_timeval rem = {(int64_t)(left / 1000000000ULL),
					(int64_t)(left % 1000000000ULL / 1000)};

		if (copy_to_user(a->a[4], &rem, sizeof(rem)))
			r = -EFAULT;
	}
	return r;
}

/* --- pselect6 and ppoll: a timespec, and a signal mask while they wait --- */

struct k_timespec {
	int64_t sec, nsec;
};

/* As select_timeout: 1 to wait (until *deadline, 0 forever), 0 not to. */
static long timespec_timeout(uint64_t uts, uint64_t *deadline)
{
	struct k_timespec ts;

	*deadline = 0;
	if (!uts)
		return 1;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	if (!ts.sec && !ts.nsec)
		return 0;
	*deadline = deadline_after((uint64_t)ts.sec * 1000000000ULL + (uint64_t)ts.nsec);
	return 1;
}

/* The mask in force while the call waits, and, if a signal it let in
 * ends the wait, until that signal's handler is set up (restore_mask,
 * as rt_sigsuspend). */
static long wait_mask_set(uint64_t umask, uint64_t size)
{
	struct process *p = current_process();
	uint64_t set;

	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&set, umask, sizeof(set)))
		return -EFAULT;
	p->saved_mask = p->sigmask;
	p->restore_mask = true;
	p->sigmask = set & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	return 0;
}

long sys_pselect6(const struct sysargs *a)
{
	struct {
		uint64_t set, size;
	} m = {0, 0};
	uint64_t dl;
	long wait, r;

	if ((wait = timespec_timeout(a->a[4], &dl)) < 0)
		return wait;
	if (a->a[5] && copy_from_user(&m, a->a[5], sizeof(m)))
		return -EFAULT;
	if ((r = wait_mask_set(m.set, m.size)))
		return r;
	return do_select(a, wait, dl);
}

long sys_ppoll(const struct sysargs *a)
{
	uint64_t dl;
	long wait, r;

	if ((wait = timespec_timeout(a->a[2], &dl)) < 0)
		return wait;
	if ((r = wait_mask_set(a->a[3], a->a[4])))
		return r;
	return do_poll_until(a->a[0], a->a[1], wait, dl);
}
