/*
 * The system calls on descriptors: read, write, readv, writev, pread64,
 * pwrite64, lseek, ioctl, fstat, sendfile, close, dup, dup2, dup3, fcntl,
 * pipe and pipe2, getdents64, ftruncate, fchmod, fchown (amphi/file.h for
 * open files and descriptor tables).  Bytes go between user memory and
 * the file through a kernel buffer of FILE_CHUNK bytes, one operation per
 * chunk: a read stops at the first short chunk (a pipe's or the console's
 * short read), and only the first chunk may wait.  A transfer of at most
 * RW_SMALL bytes (a pipe's byte, a word of /dev/zero) uses a buffer on
 * the stack instead: the heap's allocation and free cost more than half
 * of such a read.  What each call checks
 * comes in Linux's order: the descriptor, then the count, then the buffer;
 * a fault part-way reports the bytes already moved, as Linux does.
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/mm.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/uaccess.h>
#include "sys_fs.h"

#define IOV_MAX 1024
#define RW_SMALL 128
/* Linux's most bytes in one read or write; a length that is negative as
 * a ssize_t is refused. */
#define MAX_RW_COUNT 0x7ffff000UL
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIONBIO 0x5421
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

struct file *sys_fd_get(uint64_t fd)
{
	return fd > INT32_MAX ? NULL : fd_get(current_process()->files, (int)fd);
}

/* The length a read or write goes on with: clamped, or -EINVAL. */
static int64_t rw_count(uint64_t n)
{
	if ((int64_t)n < 0)
		return -EINVAL;
	return (int64_t)MIN(n, MAX_RW_COUNT);
}

/* The offset a read or write uses: the file's own (under its lock, for
 * files with offsets) or pread's. */
static uint64_t *rw_pos(struct file *f, uint64_t *ppos)
{
	if (ppos)
		return ppos;
	if (f->ops->seek == FILE_SEEK_SIZE)
		mutex_lock(&f->lock);
	return &f->pos;
}

static void rw_pos_done(struct file *f, const uint64_t *ppos)
{
	if (!ppos && f->ops->seek == FILE_SEEK_SIZE)
		mutex_unlock(&f->lock);
}

/* n bytes of f into user memory at ubuf, through buf of chunk bytes. */
static long read_chunks(struct file *f, uint8_t *buf, size_t chunk, uint64_t ubuf, size_t n,
			uint64_t *pos)
{
	size_t done = 0;

	while (done < n) {
		size_t k = MIN(n - done, chunk);
		long r = f->ops->read(f, buf, k, pos, done > 0);

		if (r <= 0)
			return done ? (long)done : r;
		if (copy_to_user(ubuf + done, buf, (size_t)r))
			return done ? (long)done : -EFAULT;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

static long write_chunks(struct file *f, uint8_t *buf, size_t chunk, uint64_t ubuf, size_t n,
			 uint64_t *pos)
{
	size_t done = 0;

	while (done < n) {
		size_t k = MIN(n - done, chunk);
		long r;

		if (copy_from_user(buf, ubuf + done, k))
			return done ? (long)done : -EFAULT;
		if ((r = f->ops->write(f, buf, k, pos, false)) <= 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

static long rw_through(struct file *f, bool write, uint8_t *buf, size_t chunk, uint64_t ubuf,
		       size_t n, uint64_t *ppos)
{
	uint64_t *pos = rw_pos(f, ppos);
	long r = write ? write_chunks(f, buf, chunk, ubuf, n, pos)
		       : read_chunks(f, buf, chunk, ubuf, n, pos);

	rw_pos_done(f, ppos);
	return r;
}

long file_rw_user(struct file *f, bool write, uint64_t ubuf, size_t n, uint64_t *ppos)
{
	uint8_t small[RW_SMALL];
	uint8_t *buf;
	long r;

	if (write ? !file_writable(f) : !file_readable(f))
		return -EBADF;
	if (!n)
		return 0;
	if (n <= RW_SMALL)
		return rw_through(f, write, small, RW_SMALL, ubuf, n, ppos);
	if (!(buf = kmalloc(FILE_CHUNK)))
		return -ENOMEM;
	r = rw_through(f, write, buf, FILE_CHUNK, ubuf, n, ppos);
	kfree(buf);
	return r;
}

/* read, write, pread64 and pwrite64 alike: ppos NULL for the file's own
 * offset, else pread's (only where there are offsets). */
static long rw(const struct sysargs *a, bool write, int64_t off)
{
	struct file *f = sys_fd_get(a->a[0]);
	int64_t n = rw_count(a->a[2]);
	uint64_t pos = (uint64_t)off;
	long r;

	if (!f)
		return -EBADF;
	r = n < 0 ? n : n && !user_range_ok(a->a[1], (uint64_t)n) ? -EFAULT : 0;
	if (!r && off != -1 && (off < -1 || f->ops->seek == FILE_SEEK_NONE))
		r = off < -1 ? -EINVAL : -ESPIPE;
	if (!r)
		r = file_rw_user(f, write, a->a[1], (size_t)n, off == -1 ? NULL : &pos);
	file_put(f);
	return r;
}

long sys_read(const struct sysargs *a)
{
	return rw(a, false, -1);
}

long sys_write(const struct sysargs *a)
{
	return rw(a, true, -1);
}

long sys_pread64(const struct sysargs *a)
{
	return (int64_t)a->a[3] < 0 ? -EINVAL : rw(a, false, (int64_t)a->a[3]);
}

long sys_pwrite64(const struct sysargs *a)
{
	return (int64_t)a->a[3] < 0 ? -EINVAL : rw(a, true, (int64_t)a->a[3]);
}

struct iovec {
	uint64_t base, len;
};

static long rwv(const struct sysargs *a, bool write)
{
	struct file *f = sys_fd_get(a->a[0]);
	uint64_t iov = a->a[1], n = a->a[2];
	long total = 0, r = 0;

	if (!f)
		return -EBADF;
	for (uint64_t i = 0; n > IOV_MAX ? (r = -EINVAL, false) : i < n; i++) {
		struct iovec v;

		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v))) {
			r = -EFAULT;
			break;
		}
		if ((int64_t)v.len < 0 || v.len > MAX_RW_COUNT - (uint64_t)total) {
			r = -EINVAL;
			break;
		}
		if (!v.len)
			continue;
		if ((r = file_rw_user(f, write, v.base, v.len, NULL)) <= 0)
			break;
		total += r;
		if ((uint64_t)r < v.len)
			break;
	}
	file_put(f);
	return total ? total : r;
}

long sys_readv(const struct sysargs *a)
{
	return rwv(a, false);
}

long sys_writev(const struct sysargs *a)
{
	return rwv(a, true);
}

/* --- offsets --- */

static long seek_size(struct file *f, int64_t off, unsigned int whence)
{
	struct fs_stat st;
	int64_t base;

	file_stat(f, &st);
	if (S_ISDIR(st.mode) && whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = (int64_t)st.size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE: /* the whole file is data: its one hole is at the end */
		if (off < 0 || (uint64_t)off >= st.size)
			return -ENXIO;
		base = 0, off = whence == SEEK_HOLE ? (int64_t)st.size : off;
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (long)f->pos;
}

long sys_lseek(const struct sysargs *a)
{
	struct file *f = sys_fd_get(a->a[0]);
	long r;

	if (!f)
		return -EBADF;
	if (f->ops->seek == FILE_SEEK_NONE) {
		r = -ESPIPE;
	} else if (f->ops->seek == FILE_SEEK_ZERO) {
		r = a->a[2] <= SEEK_END ? 0 : -EINVAL;
	} else {
		mutex_lock(&f->lock);
		r = seek_size(f, (int64_t)a->a[1], (unsigned int)a->a[2]);
		mutex_unlock(&f->lock);
	}
	file_put(f);
	return r;
}

/* --- control --- */

static long ioctl_generic(struct file *f, unsigned int cmd, uint64_t arg, int fd)
{
	int on;

	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		return fd_set_cloexec(current_process()->files, fd, cmd == FIOCLEX);
	case FIONBIO:
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		__atomic_fetch_and(&f->flags, ~(unsigned int)O_NONBLOCK, __ATOMIC_RELAXED);
		__atomic_fetch_or(&f->flags, on ? O_NONBLOCK : 0, __ATOMIC_RELAXED);
		return 0;
	default:
		return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
	}
}

long sys_ioctl(const struct sysargs *a)
{
	struct file *f = sys_fd_get(a->a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = ioctl_generic(f, (unsigned int)a->a[1], a->a[2], (int)a->a[0]);
	file_put(f);
	return r;
}

long sys_fstat(const struct sysargs *a)
{
	struct file *f = sys_fd_get(a->a[0]);
	struct fs_stat st;

	if (!f)
		return -EBADF;
	file_stat(f, &st);
	file_put(f);
	return stat_to_user(&st, a->a[1]);
}

long sys_close(const struct sysargs *a)
{
	return a->a[0] > INT32_MAX ? -EBADF : fd_close(current_process()->files, (int)a->a[0]);
}

/* dup and F_DUPFD: the lowest free number from `from`. */
static long dup_from(uint64_t oldfd, uint64_t from, bool cloexec)
{
	struct process *p = current_process();
	struct file *f = sys_fd_get(oldfd);
	long r;

	if (!f)
		return -EBADF;
	if (from >= process_fd_limit(p)) {
		file_put(f);
		return -EINVAL;
	}
	if ((r = fd_install(p->files, f, (unsigned int)from, process_fd_limit(p), cloexec)) < 0)
		file_put(f);
	return r;
}

long sys_dup(const struct sysargs *a)
{
	long r = dup_from(a->a[0], 0, false);

	return r == -EINVAL ? -EMFILE : r;
}

static long dup_to(uint64_t oldfd, uint64_t newfd, bool cloexec)
{
	struct process *p = current_process();
	struct file *f = sys_fd_get(oldfd);

	if (!f)
		return -EBADF;
	if (newfd >= process_fd_limit(p)) {
		file_put(f);
		return -EBADF;
	}
	return fd_install_at(p->files, f, (unsigned int)newfd, cloexec);
}

long sys_dup2(const struct sysargs *a)
{
	struct file *f;

	if (a->a[0] != a->a[1])
		return dup_to(a->a[0], a->a[1], false);
	if (!(f = sys_fd_get(a->a[0])))
		return -EBADF;
	file_put(f);
	return (long)a->a[1];
}

long sys_dup3(const struct sysargs *a)
{
	if (a->a[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (a->a[0] == a->a[1])
		return -EINVAL;
	return dup_to(a->a[0], a->a[1], a->a[2] & O_CLOEXEC);
}

static long fcntl_file(struct file *f, unsigned int cmd, uint64_t arg)
{
	unsigned int fl;

	switch (cmd) {
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		fl = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		fl = (fl & ~(unsigned int)FILE_SETFL_MASK) | ((unsigned int)arg & FILE_SETFL_MASK);
		__atomic_store_n(&f->flags, fl, __ATOMIC_RELAXED);
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_fcntl(const struct sysargs *a)
{
	struct fdtable *t = current_process()->files;
	unsigned int cmd = (unsigned int)a->a[1];
	int fd = a->a[0] > INT32_MAX ? -1 : (int)a->a[0];
	struct file *f;
	long r;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_from(a->a[0], (uint32_t)a->a[2], cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_get_cloexec(t, fd);
	case F_SETFD:
		return fd_set_cloexec(t, fd, a->a[2] & FD_CLOEXEC);
	}
	if (!(f = sys_fd_get(a->a[0])))
		return -EBADF;
	r = fcntl_file(f, cmd, a->a[2]);
	file_put(f);
	return r;
}

/* --- pipes --- */

static long pipe_fds(uint64_t ufds, uint64_t flags)
{
	struct process *p = current_process();
	struct file *rd, *wr;
	int fds[2];
	long r;

	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if ((r = pipe_create((unsigned int)flags, &rd, &wr)))
		return r;
	if ((fds[0] = fd_install(p->files, rd, 0, process_fd_limit(p), flags & O_CLOEXEC)) < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	if ((fds[1] = fd_install(p->files, wr, 0, process_fd_limit(p), flags & O_CLOEXEC)) < 0) {
		fd_close(p->files, fds[0]);
		file_put(wr);
		return fds[1];
	}
	if (!copy_to_user(ufds, fds, sizeof(fds)))
		return 0;
	fd_close(p->files, fds[0]);
	fd_close(p->files, fds[1]);
	return -EFAULT;
}

long sys_pipe(const struct sysargs *a)
{
	return pipe_fds(a->a[0], 0);
}

long sys_pipe2(const struct sysargs *a)
{
	return pipe_fds(a->a[0], a->a[1]);
}

/* --- sendfile --- */

/* in's bytes at *pos to out, through one buffer. */
static long send_chunks(struct file *in, struct file *out, uint8_t *buf, size_t n, uint64_t *pos)
{
	size_t done = 0;

	while (done < n) {
		size_t k = MIN(n - done, FILE_CHUNK);
		long r = in->ops->read(in, buf, k, pos, done > 0), w;

		if (r <= 0)
			return done ? (long)done : r;
		if ((w = out->ops->write(out, buf, (size_t)r, &out->pos, false)) < 0)
			return done ? (long)done : w;
		done += (size_t)w;
		if (w < r) { /* what out did not take goes back to in's offset */
			*pos -= (uint64_t)(r - w);
			break;
		}
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

static long sendfile_files(struct file *out, struct file *in, uint64_t uoff, size_t n)
{
	uint64_t off, *pos;
	uint8_t *buf;
	long r;

	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	if (in->ops->seek == FILE_SEEK_NONE && uoff)
		return -ESPIPE;
	if (uoff && copy_from_user(&off, uoff, sizeof(off)))
		return -EFAULT;
	if (uoff && (int64_t)off < 0)
		return -EINVAL;
	if (!(buf = kmalloc(FILE_CHUNK)))
		return -ENOMEM;
	pos = rw_pos(in, uoff ? &off : NULL);
	r = send_chunks(in, out, buf, n, pos);
	rw_pos_done(in, uoff ? &off : NULL);
	kfree(buf);
	if (uoff && r >= 0 && copy_to_user(uoff, &off, sizeof(off)))
		return -EFAULT;
	return r;
}

long sys_sendfile(const struct sysargs *a)
{
	struct file *out = sys_fd_get(a->a[0]), *in = sys_fd_get(a->a[1]);
	int64_t n = rw_count(a->a[3]);
	long r = !out || !in ? -EBADF : n < 0 ? n : 0;

	if (!r && n)
		r = sendfile_files(out, in, a->a[2], (size_t)n);
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return r;
}

/* --- directories --- */

struct dirent_fill {
	uint8_t *buf;
	size_t size, used;
	uint64_t pos; /* of the entry being given */
	bool full;    /* an entry did not fit */
};

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name. */
static bool fill_dirent(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	struct dirent_fill *d = arg;
	size_t reclen = ALIGN_UP(19 + len + 1, 8);
	uint8_t *e = d->buf + d->used;
	uint64_t off = ++d->pos;
	uint16_t rl = (uint16_t)reclen;

	if (d->used + reclen > d->size) {
		d->full = true;
		return false;
	}
	memset(e, 0, reclen);
	memcpy(e, &ino, 8);
	memcpy(e + 8, &off, 8);
	memcpy(e + 16, &rl, 2);
	e[18] = (uint8_t)((mode & S_IFMT) >> 12); /* DT_* is the type's bits */
	memcpy(e + 19, name, len);
	d->used += reclen;
	return true;
}

static long getdents_file(struct file *f, uint64_t ubuf, size_t size)
{
	struct dirent_fill d = {.size = MIN(size, (size_t)FILE_CHUNK * 4)};
	long pos;

	if (!f->inode || !S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	if (!(d.buf = kmalloc(d.size)))
		return -ENOMEM;
	mutex_lock(&f->lock);
	d.pos = f->pos;
	pos = fs_readdir(f->inode, f->pos, fill_dirent, &d);
	if (pos >= 0 && !d.used && d.full)
		pos = -EINVAL; /* not even one entry fits */
	if (pos >= 0 && copy_to_user(ubuf, d.buf, d.used))
		pos = -EFAULT;
	if (pos >= 0)
		f->pos = (uint64_t)pos;
	mutex_unlock(&f->lock);
	kfree(d.buf);
	return pos < 0 ? pos : (long)d.used;
}

long sys_getdents64(const struct sysargs *a)
{
	struct file *f = sys_fd_get(a->a[0]);
	uint64_t size = MIN(a->a[2], (uint64_t)INT32_MAX);
	long r;

	if (!f)
		return -EBADF;
	r = user_range_ok(a->a[1], size) ? getdents_file(f, a->a[1], size) : -EFAULT;
	file_put(f);
	return r;
}
