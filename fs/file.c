/*
 * Open files and descriptor tables (amphi/file.h).  A table is a fixed
 * array of FDTABLE_SIZE slots with two bitmaps, which are open and which
 * close on exec, under a spinlock: every operation on it is short, and a
 * caller that goes on to use a file holds its own reference, so a close
 * by someone else meanwhile only drops the table's.  The lowest-free rule
 * is fs/fdbits.c's.  Regular files and directories are read and written
 * here through the fs core; devices are fs/devices.c's, pipes fs/pipe.c's.
 */
#include <amphi/errno.h>
#include <amphi/fdbits.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/process.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>

#define RLIMIT_NOFILE 7
#define FD_WORDS (FDTABLE_SIZE / 64)

struct fdtable {
	struct spinlock lock;
	unsigned int refs;
	uint64_t open[FD_WORDS], cloexec[FD_WORDS];
	struct file *fd[FDTABLE_SIZE];
};

struct wait_queue file_poll_wq = WAIT_QUEUE_INIT;

/* --- open files --- */

struct file *file_alloc(const struct file_ops *ops, unsigned int flags)
{
	struct file *f = kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->flags = flags;
	f->refs = 1;
	f->lock = (struct mutex)MUTEX_INIT;
	return f;
}

void file_get(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->ops->release)
		f->ops->release(f);
	if (f->inode)
		inode_put(f->inode);
	kfree(f);
}

void file_stat(struct file *f, struct fs_stat *st)
{
	if (f->inode)
		fs_stat(f->inode, st);
	else if (f->pipe)
		pipe_stat(f->pipe, st);
	else /* the console without its node */
		*st = (struct fs_stat){
		    .mode = S_IFCHR | 0600, .nlink = 1, .rdev_major = 5, .rdev_minor = 1};
}

static long ramfs_file_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	long r = fs_read(f->inode, *pos, buf, n);

	(void)nonblock;
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

/* O_APPEND: at the end, wherever the offset was (fs_stat reads the size
 * under the fs lock; the write takes it again: two appenders at once may
 * interleave, not overwrite, as long as they are the only writers). */
static long ramfs_file_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			     bool nonblock)
{
	long r;

	(void)nonblock;
	if (f->flags & O_APPEND) {
		struct fs_stat st;

		fs_stat(f->inode, &st);
		*pos = st.size;
	}
	if ((r = fs_write(f->inode, *pos, buf, n)) > 0)
		*pos += (uint64_t)r;
	return r;
}

static const struct file_ops ramfs_file_ops = {
    .read = ramfs_file_read,
    .write = ramfs_file_write,
    .seek = FILE_SEEK_SIZE,
};

int file_open_inode(struct inode *ip, unsigned int flags, struct file **out)
{
	struct file *f;

	switch (ip->mode & S_IFMT) {
	case S_IFCHR:
		return chardev_open(ip, flags, out);
	case S_IFREG:
	case S_IFDIR:
		break;
	default: /* block devices, fifos and sockets have no driver yet */
		return -ENXIO;
	}
	if (!(f = file_alloc(&ramfs_file_ops, flags)))
		return -ENOMEM;
	inode_get(ip);
	f->inode = ip;
	*out = f;
	return 0;
}

/* --- descriptor tables --- */

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = kmalloc(sizeof(*t));

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->refs = 1;
	return t;
}

struct fdtable *fdtable_dup(struct fdtable *t)
{
	struct fdtable *n = fdtable_new();
	unsigned long flags;

	if (!n)
		return NULL;
	flags = spin_lock_irqsave(&t->lock);
	memcpy(n->open, t->open, sizeof(n->open));
	memcpy(n->cloexec, t->cloexec, sizeof(n->cloexec));
	for (unsigned int fd = 0; fd < FDTABLE_SIZE; fd++)
		if ((n->fd[fd] = t->fd[fd]))
			file_get(n->fd[fd]);
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}

/* Takes fd's file out of the table: the caller puts it (outside the lock). */
static struct file *fd_take_locked(struct fdtable *t, unsigned int fd)
{
	struct file *f = t->fd[fd];

	t->fd[fd] = NULL;
	fdbits_set(t->open, fd, false);
	fdbits_set(t->cloexec, fd, false);
	return f;
}

static void fd_close_one(struct fdtable *t, unsigned int fd)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	struct file *f = t->fd[fd] ? fd_take_locked(t, fd) : NULL;

	spin_unlock_irqrestore(&t->lock, flags);
	if (f)
		file_put(f);
}

/* Closes every descriptor whose bit is set in which[] (NULL: all): the
 * open ones only, found a word of the bitmap at a time (a sweep of all
 * 1024 slots, each under the lock, was 5 % of a fork+exit's
 * instructions). */
static void fdtable_close_these(struct fdtable *t, const uint64_t *which)
{
	for (unsigned int w = 0; w < FD_WORDS; w++) {
		unsigned long flags = spin_lock_irqsave(&t->lock);
		uint64_t bits = t->open[w] & (which ? which[w] : ~0ULL);

		spin_unlock_irqrestore(&t->lock, flags);
		for (; bits; bits &= bits - 1)
			fd_close_one(t, w * 64 + (unsigned int)__builtin_ctzll(bits));
	}
}

void fdtable_put(struct fdtable *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	fdtable_close_these(t, NULL);
	kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	uint64_t which[FD_WORDS];
	unsigned long flags = spin_lock_irqsave(&t->lock);

	memcpy(which, t->cloexec, sizeof(which));
	spin_unlock_irqrestore(&t->lock, flags);
	fdtable_close_these(t, which);
}

int fd_install(struct fdtable *t, struct file *f, unsigned int from, unsigned int limit,
	       bool cloexec)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	int fd = fdbits_lowest_free(t->open, from, MIN(limit, FDTABLE_SIZE));

	if (fd >= 0) {
		t->fd[fd] = f;
		fdbits_set(t->open, (unsigned int)fd, true);
		fdbits_set(t->cloexec, (unsigned int)fd, cloexec);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return fd >= 0 ? fd : -EMFILE;
}

int fd_install_at(struct fdtable *t, struct file *f, unsigned int fd, bool cloexec)
{
	unsigned long flags;
	struct file *old;

	if (fd >= FDTABLE_SIZE)
		return -EBADF;
	flags = spin_lock_irqsave(&t->lock);
	old = t->fd[fd];
	t->fd[fd] = f;
	fdbits_set(t->open, fd, true);
	fdbits_set(t->cloexec, fd, cloexec);
	spin_unlock_irqrestore(&t->lock, flags);
	if (old)
		file_put(old);
	return (int)fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	unsigned long flags;
	struct file *f;

	if (fd < 0 || fd >= FDTABLE_SIZE)
		return NULL;
	flags = spin_lock_irqsave(&t->lock);
	if ((f = t->fd[fd]))
		file_get(f);
	spin_unlock_irqrestore(&t->lock, flags);
	return f;
}

int fd_close(struct fdtable *t, int fd)
{
	unsigned long flags;
	struct file *f = NULL;

	if (fd < 0 || fd >= FDTABLE_SIZE)
		return -EBADF;
	flags = spin_lock_irqsave(&t->lock);
	if (t->fd[fd])
		f = fd_take_locked(t, (unsigned int)fd);
	spin_unlock_irqrestore(&t->lock, flags);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	unsigned long flags;
	int r = -EBADF;

	if (fd < 0 || fd >= FDTABLE_SIZE)
		return r;
	flags = spin_lock_irqsave(&t->lock);
	if (t->fd[fd])
		r = fdbits_test(t->cloexec, (unsigned int)fd);
	spin_unlock_irqrestore(&t->lock, flags);
	return r;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	unsigned long flags;
	int r = -EBADF;

	if (fd < 0 || fd >= FDTABLE_SIZE)
		return r;
	flags = spin_lock_irqsave(&t->lock);
	if (t->fd[fd]) {
		fdbits_set(t->cloexec, (unsigned int)fd, on);
		r = 0;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return r;
}

/* --- a process's files --- */

static struct file *console_open(void)
{
	struct inode *ip;
	struct file *f = NULL;

	if (!fs_lookup(NULL, "/dev/console", 0, &ip)) {
		if (file_open_inode(ip, O_RDWR, &f))
			f = NULL;
		inode_put(ip);
	}
	return f ? f : console_file_new();
}

int process_files_init(struct process *p)
{
	struct file *con;

	p->umask = 022;
	if (!(p->files = fdtable_new()))
		return -ENOMEM;
	if (!(con = console_open())) {
		process_files_exit(p);
		return -ENOMEM;
	}
	for (unsigned int fd = 0; fd < 3; fd++) {
		if (fd)
			file_get(con);
		fd_install_at(p->files, con, fd, false);
	}
	p->cwd = fs_root();
	return 0;
}

void process_files_exit(struct process *p)
{
	fdtable_put(p->files);
	p->files = NULL;
	if (p->cwd)
		inode_put(p->cwd);
	p->cwd = NULL;
}

/* fork: the child shares the parent's open files (each descriptor its
 * own in the child's table, as Linux's fork copies the table), its
 * working directory and its umask. */
int process_files_fork(struct process *parent, struct process *child)
{
	child->umask = parent->umask;
	if (!(child->files = fdtable_dup(parent->files)))
		return -ENOMEM;
	if ((child->cwd = parent->cwd))
		inode_get(child->cwd);
	return 0;
}

/* execve: the descriptors marked close-on-exec go. */
void process_files_exec(struct process *p)
{
	fdtable_close_on_exec(p->files);
}

unsigned int process_fd_limit(struct process *p)
{
	uint64_t cur = p->rlim[RLIMIT_NOFILE].cur;

	return cur < FDTABLE_SIZE ? (unsigned int)cur : FDTABLE_SIZE;
}
