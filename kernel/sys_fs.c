/*
 * The system calls on paths: open, openat, creat, stat, lstat,
 * newfstatat, access, faccessat, faccessat2, mkdir, mkdirat, rmdir,
 * unlink, unlinkat, rename, renameat, renameat2, symlink, symlinkat,
 * readlink, readlinkat, link, linkat, chdir, fchdir, getcwd, umask,
 * chmod, fchmodat, chown, lchown, fchownat, truncate, utimensat; fchmod,
 * fchown and ftruncate go by descriptor.  Each copies its path (at most
 * PATH_MAX bytes with the NUL, else -ENAMETOOLONG) and resolves it from
 * the process's working directory, or from a directory descriptor for the
 * *at calls, through the fs core (amphi/fs.h), which gives Linux's errno
 * values.  Every process is root: permission bits are recorded and
 * reported, not enforced, but for access()'s X_OK as root sees it.
 *
 * readlink has no special case: /proc does not exist yet, so glibc's
 * readlink("/proc/self/exe") (how a static program finds itself, for
 * dl_origin) gets -ENOENT from the lookup, as it did before.  The times
 * are recorded by utimensat (UTIME_NOW: the time of day); writes do not
 * move mtime yet.
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

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)
#define RENAME_NOREPLACE 1
#define RAMFS_DEV 1
#define PIPEFS_DEV 12

/* struct stat of x86-64 (arch/x86/include/uapi/asm/stat.h): 144 bytes. */
struct kernel_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_ns, st_mtime, st_mtime_ns, st_ctime, st_ctime_ns;
	int64_t unused[3];
};

/* Linux's new_encode_dev. */
static uint64_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

long stat_to_user(const struct fs_stat *st, uint64_t ubuf)
{
	struct kernel_stat k = {
	    .st_dev = S_ISFIFO(st->mode) ? PIPEFS_DEV : RAMFS_DEV,
	    .st_ino = st->ino,
	    .st_nlink = st->nlink,
	    .st_mode = st->mode,
	    .st_uid = st->uid,
	    .st_gid = st->gid,
	    .st_rdev = encode_dev(st->rdev_major, st->rdev_minor),
	    .st_size = (int64_t)st->size,
	    .st_blksize = PAGE_SIZE,
	    .st_blocks = (int64_t)(ALIGN_UP(st->size, PAGE_SIZE) / 512),
	    .st_atime = st->atime,
	    .st_atime_ns = st->atime_nsec,
	    .st_mtime = st->mtime,
	    .st_mtime_ns = st->mtime_nsec,
	    .st_ctime = st->mtime,
	    .st_ctime_ns = st->mtime_nsec,
	};

	return copy_to_user(ubuf, &k, sizeof(k));
}

/* --- paths and where they start --- */

/* The user's path, copied: a kmalloc'd string the caller frees. */
static long path_get(uint64_t upath, char **out)
{
	char *buf = kmalloc(FS_PATH_MAX);
	long r;

	if (!buf)
		return -ENOMEM;
	if ((r = strncpy_from_user(buf, upath, FS_PATH_MAX)) < 0) {
		kfree(buf);
		return r;
	}
	*out = buf;
	return 0;
}

/* The directory a relative path starts from: the working directory for
 * AT_FDCWD, else dirfd's (-EBADF, -ENOTDIR).  Held: at_put it. */
long sys_at_dir(uint64_t dirfd, const char *path, struct inode **out)
{
	struct process *p = current_process();
	struct file *f;
	long r = 0;

	if (!path[0])
		return -ENOENT; /* before dirfd is looked at, as Linux */
	if ((int)dirfd == AT_FDCWD || path[0] == '/') {
		inode_get(p->cwd);
		*out = p->cwd;
		return 0;
	}
	if (!(f = sys_fd_get(dirfd)))
		return -EBADF;
	if (!f->inode || !S_ISDIR(f->inode->mode))
		r = -ENOTDIR;
	else
		inode_get(*out = f->inode);
	file_put(f);
	return r;
}

/* A path and its starting directory, for the *at calls. */
struct at_path {
	char *path;
	struct inode *dir;
};

static long at_get(uint64_t dirfd, uint64_t upath, struct at_path *ap)
{
	long r = path_get(upath, &ap->path);

	ap->dir = NULL;
	if (!r && (r = sys_at_dir(dirfd, ap->path, &ap->dir)))
		kfree(ap->path);
	return r;
}

static void at_put(struct at_path *ap)
{
	kfree(ap->path);
	if (ap->dir)
		inode_put(ap->dir);
}

/* The inode a path in kernel memory names from dirfd (AT_EMPTY_PATH:
 * dirfd's own), held. */
long sys_at_lookup_path(uint64_t dirfd, const char *path, unsigned int fsflags, bool empty_ok,
			struct inode **out)
{
	struct inode *dir;
	long r;

	if (!path[0] && empty_ok && (int)dirfd != AT_FDCWD) {
		struct file *f = sys_fd_get(dirfd);

		if (!f)
			return -EBADF;
		r = f->inode ? (inode_get(f->inode), *out = f->inode, 0) : -ENOTDIR;
		file_put(f);
		return r;
	}
	if (!path[0] && empty_ok)
		path = ".";
	if ((r = sys_at_dir(dirfd, path, &dir)))
		return r;
	r = fs_lookup(dir, path, fsflags, out);
	inode_put(dir);
	return r;
}

/* The same for a path in user memory. */
static long at_lookup(uint64_t dirfd, uint64_t upath, unsigned int fsflags, bool empty_ok,
		      struct inode **out)
{
	char *path;
	long r;

	if ((r = path_get(upath, &path)))
		return r;
	r = sys_at_lookup_path(dirfd, path, fsflags, empty_ok, out);
	kfree(path);
	return r;
}

/* --- open --- */

#define OPEN_KNOWN                                                                                 \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC)

/* The inode open() works on: looked up, or made by O_CREAT. */
static long open_inode(struct at_path *ap, unsigned int flags, uint32_t mode, struct inode **out)
{
	struct process *p = current_process();
	unsigned int fsflags = (flags & (O_NOFOLLOW | O_EXCL)) ? FS_NOFOLLOW : 0;
	long r = fs_lookup(ap->dir, ap->path, fsflags, out);

	if (!(flags & O_CREAT))
		return r;
	if (!r && (flags & O_EXCL)) {
		inode_put(*out);
		return -EEXIST;
	}
	if (r != -ENOENT)
		return r;
	r = fs_mknod(ap->dir, ap->path, S_IFREG | (mode & 07777 & ~p->umask), 0, 0, out);
	if (r == -EEXIST && !(flags & O_EXCL)) /* made meanwhile, or a dangling symlink */
		r = fs_lookup(ap->dir, ap->path, fsflags, out);
	return r;
}

/* What the inode allows this open: 0 or Linux's refusal. */
static long open_check(struct inode *ip, unsigned int flags)
{
	bool wr = (flags & O_ACCMODE) != O_RDONLY;

	if (S_ISLNK(ip->mode))
		return -ELOOP; /* O_NOFOLLOW met a symlink */
	if ((flags & O_DIRECTORY) && !S_ISDIR(ip->mode))
		return -ENOTDIR;
	if (S_ISDIR(ip->mode) && (wr || (flags & O_CREAT)))
		return -EISDIR;
	if ((flags & O_TRUNC) && wr && S_ISREG(ip->mode))
		return fs_truncate(ip, 0);
	return 0;
}

static long do_open(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode)
{
	struct process *p = current_process();
	unsigned int fl = (unsigned int)flags;
	struct at_path ap;
	struct inode *ip;
	struct file *f;
	long r;

	if ((r = at_get(dirfd, upath, &ap)))
		return r;
	if ((fl & O_TMPFILE) == O_TMPFILE || (fl & O_PATH))
		r = -EOPNOTSUPP; /* neither exists here yet */
	else
		r = open_inode(&ap, fl, (uint32_t)mode, &ip);
	at_put(&ap);
	if (r)
		return r;
	if (!(r = open_check(ip, fl)))
		r = file_open_inode(ip, (fl & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_LARGEFILE,
				    &f);
	inode_put(ip);
	if (r)
		return r;
	if ((r = fd_install(p->files, f, 0, process_fd_limit(p), fl & O_CLOEXEC)) < 0)
		file_put(f);
	return r;
}

long sys_open(const struct sysargs *a)
{
	return do_open((uint64_t)AT_FDCWD, a->a[0], a->a[1] & OPEN_KNOWN, a->a[2]);
}

long sys_openat(const struct sysargs *a)
{
	return do_open(a->a[0], a->a[1], a->a[2] & (OPEN_KNOWN | O_PATH | O_TMPFILE), a->a[3]);
}

long sys_creat(const struct sysargs *a)
{
	return do_open((uint64_t)AT_FDCWD, a->a[0], O_CREAT | O_WRONLY | O_TRUNC, a->a[1]);
}

/* --- stat and access --- */

/* AT_EMPTY_PATH with "": the open file itself, whatever it is (a pipe
 * too); 1 when the path is not empty. */
static long stat_empty(uint64_t dirfd, uint64_t upath, uint64_t ubuf)
{
	struct fs_stat st;
	struct file *f;
	char c[2];
	long n = strncpy_from_user(c, upath, sizeof(c));

	if (n == -EFAULT || n > 0 || n == -ENAMETOOLONG)
		return n == -EFAULT ? n : 1;
	if ((int)dirfd == AT_FDCWD) {
		fs_stat(current_process()->cwd, &st);
		return stat_to_user(&st, ubuf);
	}
	if (!(f = sys_fd_get(dirfd)))
		return -EBADF;
	file_stat(f, &st);
	file_put(f);
	return stat_to_user(&st, ubuf);
}

static long stat_at(uint64_t dirfd, uint64_t upath, uint64_t ubuf, uint64_t flags)
{
	struct inode *ip;
	struct fs_stat st;
	long r;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && (r = stat_empty(dirfd, upath, ubuf)) != 1)
		return r;
	r = at_lookup(dirfd, upath, flags & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0, false, &ip);
	if (r)
		return r;
	fs_stat(ip, &st);
	inode_put(ip);
	return stat_to_user(&st, ubuf);
}

long sys_stat(const struct sysargs *a)
{
	return stat_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], 0);
}

long sys_lstat(const struct sysargs *a)
{
	return stat_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(const struct sysargs *a)
{
	return stat_at(a->a[0], a->a[1], a->a[2], a->a[3]);
}

/* Root may read and write anything; execute only what has an x bit, or
 * a directory. */
static long access_at(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
	struct inode *ip;
	struct fs_stat st;
	long r;

	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = at_lookup(dirfd, upath, flags & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0,
			   flags & AT_EMPTY_PATH, &ip)))
		return r;
	fs_stat(ip, &st);
	inode_put(ip);
	if ((mode & X_OK) && !S_ISDIR(st.mode) && !(st.mode & 0111))
		return -EACCES;
	return 0;
}

long sys_access(const struct sysargs *a)
{
	return access_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], 0);
}

long sys_faccessat(const struct sysargs *a)
{
	return access_at(a->a[0], a->a[1], a->a[2], 0);
}

long sys_faccessat2(const struct sysargs *a)
{
	return access_at(a->a[0], a->a[1], a->a[2], a->a[3]);
}

/* --- making and removing names --- */

static long mkdir_at(uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	struct at_path ap;
	long r = at_get(dirfd, upath, &ap);

	if (r)
		return r;
	r = fs_mknod(ap.dir, ap.path,
		     S_IFDIR | ((uint32_t)mode & 07777 & ~current_process()->umask), 0, 0, NULL);
	at_put(&ap);
	return r;
}

long sys_mkdir(const struct sysargs *a)
{
	return mkdir_at((uint64_t)AT_FDCWD, a->a[0], a->a[1]);
}

long sys_mkdirat(const struct sysargs *a)
{
	return mkdir_at(a->a[0], a->a[1], a->a[2]);
}

static long unlink_at(uint64_t dirfd, uint64_t upath, uint64_t flags)
{
	struct at_path ap;
	long r;

	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	if ((r = at_get(dirfd, upath, &ap)))
		return r;
	r = flags & AT_REMOVEDIR ? fs_rmdir(ap.dir, ap.path) : fs_unlink(ap.dir, ap.path);
	at_put(&ap);
	return r;
}

long sys_unlink(const struct sysargs *a)
{
	return unlink_at((uint64_t)AT_FDCWD, a->a[0], 0);
}

long sys_rmdir(const struct sysargs *a)
{
	return unlink_at((uint64_t)AT_FDCWD, a->a[0], AT_REMOVEDIR);
}

long sys_unlinkat(const struct sysargs *a)
{
	return unlink_at(a->a[0], a->a[1], a->a[2]);
}

/* rename and link: two paths, each from its own directory. */
static long two_paths(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath,
		      struct at_path *from, struct at_path *to)
{
	long r = at_get(olddirfd, oldpath, from);

	if (!r && (r = at_get(newdirfd, newpath, to)))
		at_put(from);
	return r;
}

/* RENAME_NOREPLACE: a name already there is -EEXIST (looked up first:
 * one process at a time makes names here, so nothing comes between). */
static long rename_noreplace(struct at_path *to)
{
	struct inode *ip;
	long r = fs_lookup(to->dir, to->path, FS_NOFOLLOW, &ip);

	if (!r)
		inode_put(ip);
	return r == -ENOENT ? 0 : r ? r : -EEXIST;
}

static long rename_at(uint64_t od, uint64_t op, uint64_t nd, uint64_t np, uint64_t flags)
{
	struct at_path from, to;
	long r;

	if (flags & ~(uint64_t)RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE and RENAME_WHITEOUT: not yet */
	if ((r = two_paths(od, op, nd, np, &from, &to)))
		return r;
	if (!(flags & RENAME_NOREPLACE) || !(r = rename_noreplace(&to)))
		r = fs_rename(from.dir, from.path, to.dir, to.path);
	at_put(&from);
	at_put(&to);
	return r;
}

long sys_rename(const struct sysargs *a)
{
	return rename_at((uint64_t)AT_FDCWD, a->a[0], (uint64_t)AT_FDCWD, a->a[1], 0);
}

long sys_renameat(const struct sysargs *a)
{
	return rename_at(a->a[0], a->a[1], a->a[2], a->a[3], 0);
}

long sys_renameat2(const struct sysargs *a)
{
	return rename_at(a->a[0], a->a[1], a->a[2], a->a[3], a->a[4]);
}

static long link_at(uint64_t od, uint64_t op, uint64_t nd, uint64_t np, uint64_t flags)
{
	struct at_path from, to;
	struct inode *ip;
	long r;

	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = two_paths(od, op, nd, np, &from, &to)))
		return r;
	r = fs_lookup(from.dir, from.path, flags & AT_SYMLINK_FOLLOW ? 0 : FS_NOFOLLOW, &ip);
	if (!r) {
		r = fs_link_inode(to.dir, to.path, ip);
		inode_put(ip);
	}
	at_put(&from);
	at_put(&to);
	return r;
}

long sys_link(const struct sysargs *a)
{
	return link_at((uint64_t)AT_FDCWD, a->a[0], (uint64_t)AT_FDCWD, a->a[1], 0);
}

long sys_linkat(const struct sysargs *a)
{
	return link_at(a->a[0], a->a[1], a->a[2], a->a[3], a->a[4]);
}

static long symlink_at(uint64_t utarget, uint64_t dirfd, uint64_t upath)
{
	struct at_path ap;
	char *target;
	long r = path_get(utarget, &target);

	if (r)
		return r;
	if (!(r = at_get(dirfd, upath, &ap))) {
		r = target[0] ? fs_symlink(ap.dir, target, ap.path) : -ENOENT;
		at_put(&ap);
	}
	kfree(target);
	return r;
}

long sys_symlink(const struct sysargs *a)
{
	return symlink_at(a->a[0], (uint64_t)AT_FDCWD, a->a[1]);
}

long sys_symlinkat(const struct sysargs *a)
{
	return symlink_at(a->a[0], a->a[1], a->a[2]);
}

static long readlink_at(uint64_t dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
	struct inode *ip;
	char *buf;
	long r;

	if ((int64_t)size <= 0)
		return -EINVAL;
	if ((r = at_lookup(dirfd, upath, FS_NOFOLLOW, true, &ip)))
		return r;
	size = MIN(size, (uint64_t)FS_PATH_MAX);
	if ((buf = kmalloc(size))) {
		r = fs_readlink(ip, buf, size);
		if (r > 0 && copy_to_user(ubuf, buf, (size_t)r))
			r = -EFAULT;
		kfree(buf);
	} else {
		r = -ENOMEM;
	}
	inode_put(ip);
	return r;
}

long sys_readlink(const struct sysargs *a)
{
	return readlink_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], a->a[2]);
}

long sys_readlinkat(const struct sysargs *a)
{
	return readlink_at(a->a[0], a->a[1], a->a[2], a->a[3]);
}

/* --- the working directory and umask --- */

static long set_cwd(struct inode *ip)
{
	struct process *p = current_process();
	struct inode *old = p->cwd;

	if (!S_ISDIR(ip->mode)) {
		inode_put(ip);
		return -ENOTDIR;
	}
	p->cwd = ip;
	inode_put(old);
	return 0;
}

long sys_chdir(const struct sysargs *a)
{
	struct inode *ip;
	long r = at_lookup((uint64_t)AT_FDCWD, a->a[0], 0, false, &ip);

	return r ? r : set_cwd(ip);
}

long sys_fchdir(const struct sysargs *a)
{
	struct file *f = sys_fd_get(a->a[0]);
	struct inode *ip = f ? f->inode : NULL;

	if (!f)
		return -EBADF;
	if (ip)
		inode_get(ip);
	file_put(f);
	return ip ? set_cwd(ip) : -ENOTDIR;
}

long sys_getcwd(const struct sysargs *a)
{
	char *buf = kmalloc(FS_PATH_MAX);
	size_t size = MIN(a->a[1], (uint64_t)FS_PATH_MAX);
	long r;

	if (!buf)
		return -ENOMEM;
	r = fs_dir_path(current_process()->cwd, buf, a->a[1] ? size : 0);
	if (r > 0 && copy_to_user(a->a[0], buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	return r;
}

long sys_umask(const struct sysargs *a)
{
	struct process *p = current_process();
	uint32_t old = p->umask;

	p->umask = (uint32_t)a->a[0] & 0777;
	return old;
}

/* --- attributes --- */

long sys_chmod(const struct sysargs *a)
{
	struct inode *ip;
	long r = at_lookup((uint64_t)AT_FDCWD, a->a[0], 0, false, &ip);

	if (r)
		return r;
	r = fs_chmod(ip, (uint32_t)a->a[1]);
	inode_put(ip);
	return r;
}

long sys_fchmodat(const struct sysargs *a)
{
	struct inode *ip;
	long r = at_lookup(a->a[0], a->a[1], 0, false, &ip);

	if (r)
		return r;
	r = fs_chmod(ip, (uint32_t)a->a[2]);
	inode_put(ip);
	return r;
}

/* fchmod, fchown, ftruncate: the open file's inode, held, or -errno. */
static long fd_inode(uint64_t fd, struct inode **out, bool for_write)
{
	struct file *f = sys_fd_get(fd);
	long r = 0;

	if (!f)
		return -EBADF;
	if (for_write && !file_writable(f))
		r = -EINVAL;
	else if (!f->inode)
		r = for_write ? -EINVAL : -EBADF;
	else
		inode_get(*out = f->inode);
	file_put(f);
	return r;
}

long sys_fchmod(const struct sysargs *a)
{
	struct inode *ip;
	long r = fd_inode(a->a[0], &ip, false);

	if (r)
		return r;
	r = fs_chmod(ip, (uint32_t)a->a[1]);
	inode_put(ip);
	return r;
}

static long chown_at(uint64_t dirfd, uint64_t upath, uint64_t uid, uint64_t gid, uint64_t flags)
{
	struct inode *ip;
	long r;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = at_lookup(dirfd, upath, flags & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0,
		      flags & AT_EMPTY_PATH, &ip);
	if (r)
		return r;
	fs_chown(ip, (uint32_t)uid, (uint32_t)gid);
	inode_put(ip);
	return 0;
}

long sys_chown(const struct sysargs *a)
{
	return chown_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], a->a[2], 0);
}

long sys_lchown(const struct sysargs *a)
{
	return chown_at((uint64_t)AT_FDCWD, a->a[0], a->a[1], a->a[2], AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(const struct sysargs *a)
{
	return chown_at(a->a[0], a->a[1], a->a[2], a->a[3], a->a[4]);
}

long sys_fchown(const struct sysargs *a)
{
	struct inode *ip;
	long r = fd_inode(a->a[0], &ip, false);

	if (r)
		return r;
	fs_chown(ip, (uint32_t)a->a[1], (uint32_t)a->a[2]);
	inode_put(ip);
	return 0;
}

long sys_truncate(const struct sysargs *a)
{
	struct inode *ip;
	long r;

	if ((int64_t)a->a[1] < 0)
		return -EINVAL;
	if ((r = at_lookup((uint64_t)AT_FDCWD, a->a[0], 0, false, &ip)))
		return r;
	r = fs_truncate(ip, a->a[1]);
	inode_put(ip);
	return r;
}

long sys_ftruncate(const struct sysargs *a)
{
	struct inode *ip;
	long r;

	if ((int64_t)a->a[1] < 0)
		return -EINVAL;
	if ((r = fd_inode(a->a[0], &ip, true)))
		return r;
	r = S_ISREG(ip->mode) ? fs_truncate(ip, a->a[1]) : -EINVAL;
	inode_put(ip);
	return r;
}

/* One side of utimensat's pair, into t (seconds, nanoseconds): false for
 * UTIME_OMIT; -EINVAL for a bad one. */
static long utime_side(const int64_t *ts, uint64_t *t, bool *set)
{
	uint64_t now = (uint64_t)time_real_ns();

	*set = true;
	if (!ts || ts[1] == UTIME_NOW) {
		t[0] = now / 1000000000ULL, t[1] = now % 1000000000ULL;
		return 0;
	}
	if (ts[1] == UTIME_OMIT) {
		*set = false;
		return 0;
	}
	if (ts[1] < 0 || ts[1] >= 1000000000L)
		return -EINVAL;
	t[0] = (uint64_t)ts[0], t[1] = (uint64_t)ts[1];
	return 0;
}

long sys_utimensat(const struct sysargs *a)
{
	int64_t ts[4];
	uint64_t at[2], mt[2];
	bool aset, mset;
	struct inode *ip;
	long r;

	if (a->a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a->a[2] && copy_from_user(ts, a->a[2], sizeof(ts)))
		return -EFAULT;
	if ((r = utime_side(a->a[2] ? ts : NULL, at, &aset)) ||
	    (r = utime_side(a->a[2] ? ts + 2 : NULL, mt, &mset)))
		return r;
	if (!a->a[1]) /* futimens: the descriptor itself */
		r = fd_inode(a->a[0], &ip, false);
	else
		r = at_lookup(a->a[0], a->a[1], a->a[3] & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0,
			      a->a[3] & AT_EMPTY_PATH, &ip);
	if (r)
		return r;
	fs_set_times(ip, aset ? at : NULL, mset ? mt : NULL);
	inode_put(ip);
	return 0;
}
