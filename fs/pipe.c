/*
 * Pipes: a ring of PIPE_SIZE bytes (fs/pipe_ring.c; 16 pages, as Linux
 * gives a pipe by default) between a read end and a write end, each an
 * open file.  A reader waits while the ring is empty and a writer is left,
 * and then takes what there is (a short read, as Linux's); with no writer
 * left an empty pipe is at end of file.  A writer of at most PIPE_BUF
 * bytes waits until they all fit and puts them in at once, so that
 * writes of that size from several writers never interleave; a larger
 * write goes in as room comes.  With no reader left a write fails with
 * -EPIPE after file_sigpipe().  O_NONBLOCK turns each wait into -EAGAIN
 * (or a short count when some bytes moved), and a signal turns it into
 * -ERESTARTSYS (or the short count): the call is restarted under
 * SA_RESTART, else fails with -EINTR, as Linux's.
 *
 * The mutex orders the readers and writers; the waits are on one wait
 * queue per pipe, whose conditions read the ring's length and the ends'
 * counts without the mutex (a stale value only costs another look), and
 * every change also wakes poll and select (file_poll_wq).
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/pipe_ring.h>
#include <amphi/process.h>
#include <amphi/string.h>

#define PIPE_SIZE (16 * PAGE_SIZE)
#define PIPEFS_INO_BASE (1ULL << 40) /* apart from the ramfs's numbers */

struct pipe {
	struct mutex lock;
	struct wait_queue wq;
	struct pipe_ring ring;
	unsigned int readers, writers;
	uint64_t ino;
};

static uint64_t next_pipe_ino = PIPEFS_INO_BASE;

/* SIGPIPE to the writing process, as Linux sends it (si_code SI_USER):
 * its default action ends the writer, and a writer that ignores or
 * handles it still sees -EPIPE. */
void file_sigpipe(void)
{
	struct process *p = current_process();
	struct ksiginfo info = {.signo = SIGPIPE, .pid = p ? p->pid : 0};

	if (p)
		signal_send(p, SIGPIPE, &info);
}

static size_t ld(const size_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static unsigned int ldu(const unsigned int *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void pipe_changed(struct pipe *p)
{
	wq_wake_all(&p->wq);
	file_poll_wake();
}

/* Copies out what the ring holds, up to n; under the mutex. */
static size_t ring_take(struct pipe_ring *r, uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n && r->len) {
		uint8_t *at;
		size_t k = MIN(pipe_ring_data_span(r, &at), n - done);

		memcpy(buf + done, at, k);
		pipe_ring_consume(r, k);
		done += k;
	}
	return done;
}

static size_t ring_put(struct pipe_ring *r, const uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n && pipe_ring_free(r)) {
		uint8_t *at;
		size_t k = MIN(pipe_ring_free_span(r, &at), n - done);

		memcpy(at, buf + done, k);
		pipe_ring_produce(r, k);
		done += k;
	}
	return done;
}

static long pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	struct pipe *p = f->pipe;
	size_t got;

	(void)pos;
	if (!n)
		return 0;
	for (;;) {
		mutex_lock(&p->lock);
		if ((got = ring_take(&p->ring, buf, n)) || !ldu(&p->writers))
			break;
		mutex_unlock(&p->lock);
		if (nonblock || (f->flags & O_NONBLOCK))
			return -EAGAIN;
		if (wait_event_interruptible(&p->wq, ld(&p->ring.len) || !ldu(&p->writers)) < 0)
			return -ERESTARTSYS;
	}
	mutex_unlock(&p->lock);
	if (got)
		pipe_changed(p);
	return (long)got;
}

/* At most PIPE_BUF bytes go in whole or wait; more go in as room comes. */
static long pipe_write(struct file *f, const void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	struct pipe *p = f->pipe;
	size_t done = 0;

	(void)pos, (void)nonblock;
	while (done < n) {
		size_t need = n <= PIPE_BUF ? n : 1, put;

		mutex_lock(&p->lock);
		if (!ldu(&p->readers)) {
			mutex_unlock(&p->lock);
			file_sigpipe();
			return done ? (long)done : -EPIPE;
		}
		put = pipe_ring_free(&p->ring) >= need
			  ? ring_put(&p->ring, (const uint8_t *)buf + done, n - done)
			  : 0;
		mutex_unlock(&p->lock);
		if (put) {
			done += put;
			pipe_changed(p);
			continue;
		}
		if (f->flags & O_NONBLOCK)
			return done ? (long)done : -EAGAIN;
		if (wait_event_interruptible(&p->wq, PIPE_SIZE - ld(&p->ring.len) >= need ||
							 !ldu(&p->readers)) < 0)
			return done ? (long)done : -ERESTARTSYS;
	}
	return (long)done;
}

static unsigned int pipe_poll(struct file *f)
{
	struct pipe *p = f->pipe;
	unsigned int m = 0;

	if (file_readable(f)) {
		m |= ld(&p->ring.len) ? POLLIN | POLLRDNORM : 0;
		m |= ldu(&p->writers) ? 0 : POLLHUP;
	}
	if (file_writable(f)) {
		m |= PIPE_SIZE - ld(&p->ring.len) >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
		m |= ldu(&p->readers) ? 0 : POLLERR;
	}
	return m;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->pipe;
	unsigned int left;

	mutex_lock(&p->lock);
	if (file_readable(f))
		p->readers--;
	else
		p->writers--;
	left = p->readers + p->writers;
	pipe_changed(p); /* under the mutex: another end's last close frees p */
	mutex_unlock(&p->lock);
	if (left)
		return;
	kfree(p->ring.buf);
	kfree(p);
}

void pipe_stat(struct pipe *p, struct fs_stat *st)
{
	*st = (struct fs_stat){.ino = p->ino, .mode = S_IFIFO | 0600, .nlink = 1};
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .release = pipe_release,
    .seek = FILE_SEEK_NONE,
};

static struct pipe *pipe_new(void)
{
	struct pipe *p = kmalloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (!(p->ring.buf = kmalloc(PIPE_SIZE))) {
		kfree(p);
		return NULL;
	}
	p->ring.size = PIPE_SIZE;
	p->lock = (struct mutex)MUTEX_INIT;
	p->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	p->readers = p->writers = 1;
	p->ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
	return p;
}

int pipe_create(unsigned int flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_new();

	if (!p)
		return -ENOMEM;
	*rd = file_alloc(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK));
	*wr = file_alloc(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK));
	if (!*rd || !*wr) {
		kfree(*rd);
		kfree(*wr);
		kfree(p->ring.buf);
		kfree(p);
		return -ENOMEM;
	}
	(*rd)->pipe = (*wr)->pipe = p;
	return 0;
}
