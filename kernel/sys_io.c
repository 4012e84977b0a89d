/*
 * The console as a program's standard streams, until files come (another
 * piece of work brings the initramfs and its file system): fds 0, 1 and 2
 * are the console.  Writes to 1 and 2 go to the console (and to the
 * process's capture buffer when its spawner keeps its output); a read of
 * fd 0 returns 0, end of file, at once: there is no tty input yet.  ioctl
 * TCGETS on 0-2 answers as a terminal does, so isatty() is true, and fstat
 * says a character device.  readlink knows no paths yet: -ENOENT.
 */
#include <amphi/console.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/uaccess.h>

#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define IOV_MAX 1024
#define CHUNK 256
#define AT_FDCWD (-100)
#define AT_EMPTY_PATH 0x1000
#define PATH_MAX 4096
/* Linux's most bytes in one read or write; a length that is negative as
 * a ssize_t is refused. */
#define MAX_RW_COUNT 0x7ffff000UL

/* The length a read or write goes on with: clamped, or -EINVAL. */
static int64_t rw_count(uint64_t n)
{
	if ((int64_t)n < 0)
		return -EINVAL;
	return (int64_t)MIN(n, MAX_RW_COUNT);
}

static bool is_std(uint64_t fd)
{
	return fd <= 2;
}

static void output(struct process *p, const char *buf, size_t n)
{
	if (!p->spec.quiet)
		console_write(buf, n);
	if (p->out && p->out_len < p->spec.capture) {
		size_t room = p->spec.capture - p->out_len;
		memcpy(p->out + p->out_len, buf, MIN(n, room));
		p->out_len += MIN(n, room);
	}
}

/* Writes n bytes from user memory at buf: n, or -EFAULT if none could be
 * read (a fault part-way reports what was written, as Linux does). */
static long write_out(uint64_t buf, uint64_t n)
{
	struct process *p = current_process();
	char chunk[CHUNK];
	uint64_t done = 0;

	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));

		if (copy_from_user(chunk, buf + done, k))
			return done ? (long)done : -EFAULT;
		output(p, chunk, k);
		done += k;
	}
	return (long)done;
}

/* What read and write check alike, in Linux's order: the descriptor, the
 * count, then the buffer.  The count, or a negative errno. */
static int64_t rw_args(const struct sysargs *a)
{
	int64_t n = rw_count(a->a[2]);

	if (!is_std(a->a[0]))
		return -EBADF;
	if (n < 0)
		return n;
	if (n && !user_range_ok(a->a[1], (uint64_t)n))
		return -EFAULT;
	return n;
}

long sys_write(const struct sysargs *a)
{
	int64_t n = rw_args(a);

	return n < 0 ? n : write_out(a->a[1], (uint64_t)n);
}

struct iovec {
	uint64_t base, len;
};

long sys_writev(const struct sysargs *a)
{
	uint64_t iov = a->a[1], n = a->a[2];
	long total = 0;

	if (!is_std(a->a[0]))
		return -EBADF;
	if (n > IOV_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		struct iovec v;
		long r;

		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if ((int64_t)v.len < 0 || v.len > MAX_RW_COUNT - (uint64_t)total)
			return total ? total : -EINVAL;
		if (!v.len)
			continue;
		if ((r = write_out(v.base, v.len)) < 0)
			return total ? total : r;
		total += r;
	}
	return total;
}

long sys_read(const struct sysargs *a)
{
	int64_t n = rw_args(a);

	return n < 0 ? n : 0; /* end of file: no tty input yet */
}

/* struct termios as the kernel hands it out (36 bytes): a console in
 * cooked mode with echo, as a fresh tty is. */
struct kernel_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

long sys_ioctl(const struct sysargs *a)
{
	if (!is_std(a->a[0]))
		return -EBADF;
	if (a->a[1] == TCGETS) {
		struct kernel_termios t = {
		    .c_iflag = 0x500,  /* ICRNL | IXON */
		    .c_oflag = 0x5,    /* OPOST | ONLCR */
		    .c_cflag = 0xbf,   /* B38400 | CS8 | CREAD */
		    .c_lflag = 0x8a3b, /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
		    .c_cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22},
		};
		return copy_to_user(a->a[2], &t, sizeof(t));
	}
	if (a->a[1] == TIOCGWINSZ) {
		uint16_t ws[4] = {24, 80, 0, 0};
		return copy_to_user(a->a[2], ws, sizeof(ws));
	}
	return -ENOTTY;
}

/* struct stat of x86-64 (144 bytes). */
struct kernel_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_ns, st_mtime, st_mtime_ns, st_ctime, st_ctime_ns;
	int64_t unused[3];
};

static long stat_console(uint64_t fd, uint64_t buf)
{
	struct kernel_stat st = {
	    .st_dev = 5,
	    .st_ino = 3 + fd,
	    .st_nlink = 1,
	    .st_mode = 0020620,	     /* character device, rw--w---- */
	    .st_rdev = (5 << 8) | 1, /* /dev/console */
	    .st_blksize = 1024,
	};

	if (!is_std(fd))
		return -EBADF;
	return copy_to_user(buf, &st, sizeof(st));
}

long sys_fstat(const struct sysargs *a)
{
	return stat_console(a->a[0], a->a[1]);
}

long sys_newfstatat(const struct sysargs *a)
{
	char path[2];
	long r = strncpy_from_user(path, a->a[1], sizeof(path));

	if (r == -EFAULT)
		return r;
	if (r == 0 && (a->a[3] & AT_EMPTY_PATH))
		return stat_console(a->a[0], a->a[2]);
	return (int)a->a[0] == AT_FDCWD || is_std(a->a[0]) ? -ENOENT : -EBADF;
}

static long readlink_path(uint64_t path, uint64_t buf, uint64_t size)
{
	char *p = kmalloc(PATH_MAX);
	long r = p ? strncpy_from_user(p, path, PATH_MAX) : -ENOMEM;

	kfree(p);
	if (r < 0)
		return r;
	if ((int64_t)size <= 0)
		return -EINVAL;
	if (!user_range_ok(buf, size))
		return -EFAULT;
	return -ENOENT; /* no file system yet */
}

long sys_readlink(const struct sysargs *a)
{
	return readlink_path(a->a[0], a->a[1], a->a[2]);
}

long sys_readlinkat(const struct sysargs *a)
{
	return readlink_path(a->a[1], a->a[2], a->a[3]);
}
