/*
 * Open files and descriptor tables, as Linux's system calls see them
 * (fs/file.c, fs/devices.c, fs/pipe.c).  An open file is what open(),
 * pipe() and the console at a process's start make: an inode (a regular
 * file or directory of the ramfs), a character device reached by its
 * major and minor numbers, or one end of a pipe; with its offset, its
 * status flags (O_ACCMODE, O_APPEND, O_NONBLOCK) and a reference count,
 * because dup and fork share it.  A descriptor table maps a process's
 * numbers to open files, each with its close-on-exec bit, and is itself
 * shared by reference (fdtable_dup copies it for fork; fdtable_put closes
 * everything when its last user goes).
 *
 * The operations move bytes between the file and a kernel buffer: the
 * system calls (kernel/sys_io.c) copy to and from user memory in chunks,
 * so no driver touches user memory.  A read or write of at most
 * FILE_CHUNK bytes reaches the operation in one call: that is how a pipe
 * keeps a write of PIPE_BUF bytes whole.
 */
#ifndef AMPHI_FILE_H
#define AMPHI_FILE_H
#include <amphi/fs.h>
#include <amphi/mutex.h>
#include <amphi/sched.h>
#include <amphi/types.h>

/* open(2)'s flags, Linux x86-64's values. */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_DIRECT 040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000
/* What F_SETFL may change. */
#define FILE_SETFL_MASK (O_APPEND | O_NONBLOCK)

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

#define PIPE_BUF 4096
#define FILE_CHUNK PIPE_BUF
/* The descriptor table's size: RLIMIT_NOFILE counts below it. */
#define FDTABLE_SIZE 1024

struct file;
struct pipe;

/* How lseek and pread treat a file. */
enum file_seek {
	FILE_SEEK_NONE, /* pipes, the console: -ESPIPE */
	FILE_SEEK_ZERO, /* /dev/null, zero, urandom: every offset is 0 */
	FILE_SEEK_SIZE, /* regular files and directories */
};

struct file_ops {
	/* Bytes moved (0 at end of file), or -errno; *pos is the offset
	 * (the file's own, or pread's).  nonblock: -EAGAIN rather than wait. */
	long (*read)(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock);
	long (*write)(struct file *f, const void *buf, size_t n, uint64_t *pos, bool nonblock);
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg); /* NULL: -ENOTTY */
	unsigned int (*poll)(struct file *f);			       /* NULL: always ready */
	void (*release)(struct file *f);			       /* the last close */
	enum file_seek seek;
};

struct file {
	const struct file_ops *ops;
	struct inode *inode; /* held; NULL for a pipe or a console without its node */
	struct pipe *pipe;
	struct mutex lock; /* pos, across a read or write */
	uint64_t pos;
	unsigned int flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK */
	unsigned int refs;
};

static inline bool file_readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

static inline bool file_writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

/* A new open file with one reference; NULL without memory. */
struct file *file_alloc(const struct file_ops *ops, unsigned int flags);
void file_get(struct file *f);
void file_put(struct file *f);
/* Opens an inode in hand (held by the caller, who keeps its reference):
 * its driver by type, major and minor. */
int file_open_inode(struct inode *ip, unsigned int flags, struct file **out);
/* stat of an open file. */
void file_stat(struct file *f, struct fs_stat *st);

/* fs/devices.c: the character devices by Linux's numbers (1,3 null;
 * 1,5 zero; 1,9 urandom; 5,1 console; 5,0 tty, the console too). */
int chardev_open(struct inode *ip, unsigned int flags, struct file **out);
/* The console, for a process's fds 0-2 when /dev/console is missing. */
struct file *console_file_new(void);

/* fs/pipe.c: a pipe's two ends, *rd and *wr. */
int pipe_create(unsigned int flags, struct file **rd, struct file **wr);
/* The pipe's fstat: a FIFO with an inode number of its own. */
void pipe_stat(struct pipe *p, struct fs_stat *st);
/* A write found no reader: SIGPIPE to the writer (kernel/signal.c); the
 * write still fails with -EPIPE, as Linux's does. */
void file_sigpipe(void);

/* poll and select sleep here; whatever may change a file's readiness
 * (a pipe's data, room or ends) wakes it. */
extern struct wait_queue file_poll_wq;
static inline void file_poll_wake(void)
{
	wq_wake_all(&file_poll_wq);
}

/* Descriptor tables (fs/file.c).  The API fork and execve use. */
struct fdtable;
struct fdtable *fdtable_new(void);
/* fork: a copy sharing the same open files (their counts bumped). */
struct fdtable *fdtable_dup(struct fdtable *t);
/* Drops a user; the last one closes every descriptor. */
void fdtable_put(struct fdtable *t);
/* execve: closes the descriptors marked close-on-exec. */
void fdtable_close_on_exec(struct fdtable *t);

/* Installs f (taking the caller's reference) at the lowest free number
 * at or above from and below limit: the number, or -EMFILE. */
int fd_install(struct fdtable *t, struct file *f, unsigned int from, unsigned int limit,
	       bool cloexec);
/* Installs f at exactly fd, closing what was there (dup2/dup3). */
int fd_install_at(struct fdtable *t, struct file *f, unsigned int fd, bool cloexec);
/* The open file at fd with a reference for the caller, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);
/* Close-on-exec bit: 1, 0, or -EBADF. */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);

/* A process's files and working directory: set up at its start (fds 0,
 * 1 and 2 on /dev/console, the root as cwd, umask 022) and released when
 * it ends.  0 or -ENOMEM. */
struct process;
int process_files_init(struct process *p);
void process_files_exit(struct process *p);
/* RLIMIT_NOFILE's current value, capped by the table's size. */
unsigned int process_fd_limit(struct process *p);

#endif
