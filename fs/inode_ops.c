/*
 * Operations on an inode in hand, as the system calls on an open file or
 * a looked-up path will make them: read, write and truncate (regular
 * files, through ramfs_data.c), readlink, stat, chmod, owners and times,
 * and a directory's listing.  Pure like vfs.c, tested and fuzzed with it.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/string.h>
#include "vfs_internal.h"

long fs_readlink(struct inode *ip, char *buf, size_t size)
{
	long n = -EINVAL;

	fs_lock();
	if (S_ISLNK(ip->mode)) {
		n = (long)MIN(size, (size_t)ip->size);
		memcpy(buf, ip->target, (size_t)n);
	}
	fs_unlock();
	return n;
}

void fs_stat(struct inode *ip, struct fs_stat *st)
{
	fs_lock();
	*st = (struct fs_stat){
	    .ino = ip->ino,
	    .size = ip->size,
	    .mtime = ip->mtime,
	    .atime = ip->atime,
	    .mtime_nsec = ip->mtime_nsec,
	    .atime_nsec = ip->atime_nsec,
	    .mode = ip->mode,
	    .uid = ip->uid,
	    .gid = ip->gid,
	    .nlink = ip->nlink,
	    .rdev_major = ip->rdev_major,
	    .rdev_minor = ip->rdev_minor,
	};
	if (S_ISDIR(ip->mode))
		st->size = 0;
	fs_unlock();
}

int fs_chmod(struct inode *ip, uint32_t mode)
{
	fs_lock();
	ip->mode = (ip->mode & S_IFMT) | (mode & 07777);
	fs_unlock();
	return 0;
}

void fs_setattr(struct inode *ip, uint32_t uid, uint32_t gid, uint64_t mtime)
{
	fs_lock();
	ip->uid = uid;
	ip->gid = gid;
	ip->mtime = ip->atime = mtime;
	ip->mtime_nsec = ip->atime_nsec = 0;
	fs_unlock();
}

void fs_chown(struct inode *ip, uint32_t uid, uint32_t gid)
{
	fs_lock();
	if (uid != (uint32_t)-1)
		ip->uid = uid;
	if (gid != (uint32_t)-1)
		ip->gid = gid;
	fs_unlock();
}

void fs_set_times(struct inode *ip, const uint64_t *atime, const uint64_t *mtime)
{
	fs_lock();
	if (atime) {
		ip->atime = atime[0];
		ip->atime_nsec = (uint32_t)atime[1];
	}
	if (mtime) {
		ip->mtime = mtime[0];
		ip->mtime_nsec = (uint32_t)mtime[1];
	}
	fs_unlock();
}

/* The name dir's parent has for it, or NULL. */
static struct fs_dirent *name_in_parent(struct inode *dir)
{
	for (struct fs_dirent *d = dir->dir.parent->dir.entries; d; d = d->next)
		if (d->inode == dir)
			return d;
	return NULL;
}

/* Built from the end of buf backwards, then moved to its start. */
static long dir_path_locked(struct inode *dir, char *buf, size_t size)
{
	size_t at = size;

	if (!size)
		return -ERANGE;
	buf[--at] = '\0';
	for (struct inode *ip = dir; ip != vfs_root; ip = ip->dir.parent) {
		struct fs_dirent *d = ip->dir.parent ? name_in_parent(ip) : NULL;

		if (!d)
			return -ENOENT;
		if (at < (size_t)d->len + 1)
			return -ERANGE;
		at -= d->len;
		memcpy(buf + at, d->name, d->len);
		buf[--at] = '/';
	}
	if (at == size - 1) {
		if (at < 1)
			return -ERANGE;
		buf[--at] = '/';
	}
	memmove(buf, buf + at, size - at);
	return (long)(size - at);
}

/* The parent's path, then the last component: a directory by its own
 * path, a symlink by its target's (from the parent), anything else by
 * the parent's path and its name. */
static long realpath_locked(struct inode *dir, const char *path, char *buf, size_t size, int *links)
{
	struct fs_parent pa;
	struct inode *ip;
	long n;
	int rc = vfs_parent_locked(dir, path, &pa);

	if (rc)
		return rc;
	ip = pa.len ? vfs_dir_step(pa.dir, pa.name, pa.len) : (vfs_iget(pa.dir), pa.dir);
	if (!ip)
		n = -ENOENT;
	else if (S_ISLNK(ip->mode))
		n = ++*links > FS_SYMLINK_MAX
			? -ELOOP
			: realpath_locked(pa.dir, ip->target, buf, size, links);
	else if (S_ISDIR(ip->mode))
		n = dir_path_locked(ip, buf, size);
	else if ((n = dir_path_locked(pa.dir, buf, size)) > 0) {
		size_t at = (size_t)n - 1 - (n == 2); /* after "/" or "/dir" */

		if (at + 1 + pa.len + 1 > size)
			n = -ERANGE;
		else {
			buf[at] = '/';
			memcpy(buf + at + 1, pa.name, pa.len);
			buf[at + 1 + pa.len] = '\0';
			n = (long)(at + 1 + pa.len + 1);
		}
	}
	if (ip)
		vfs_iput(ip);
	vfs_iput(pa.dir);
	return n;
}

long fs_realpath(struct inode *dir, const char *path, char *buf, size_t size)
{
	int links = 0;
	long n;

	fs_lock();
	n = realpath_locked(dir, path, buf, size, &links);
	fs_unlock();
	return n;
}

long fs_dir_path(struct inode *dir, char *buf, size_t size)
{
	long r;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	fs_lock();
	r = dir_path_locked(dir, buf, size);
	fs_unlock();
	return r;
}

long fs_read(struct inode *ip, uint64_t off, void *buf, size_t len)
{
	long n;

	fs_lock();
	n = S_ISDIR(ip->mode)	? -EISDIR
	    : S_ISREG(ip->mode) ? ramfs_read(ip, off, buf, len)
				: -EINVAL;
	fs_unlock();
	return n;
}

int fs_map_page(struct inode *ip, uint64_t i, int (*map)(void *arg, void *page), void *arg)
{
	void *page;
	int rc = 1;

	fs_lock();
	if (S_ISREG(ip->mode) && i < (ip->size + PAGE_SIZE - 1) / PAGE_SIZE &&
	    (page = ramfs_page_at(ip, i)))
		rc = map(arg, page);
	fs_unlock();
	return rc;
}

long fs_write(struct inode *ip, uint64_t off, const void *buf, size_t len)
{
	long n;

	fs_lock();
	n = S_ISDIR(ip->mode)	? -EISDIR
	    : S_ISREG(ip->mode) ? ramfs_write(ip, off, buf, len)
				: -EINVAL;
	fs_unlock();
	return n;
}

int fs_truncate(struct inode *ip, uint64_t size)
{
	int rc;

	fs_lock();
	rc = S_ISDIR(ip->mode) ? -EISDIR : S_ISREG(ip->mode) ? ramfs_truncate(ip, size) : -EINVAL;
	fs_unlock();
	return rc;
}

/* The entry at pos (2 on), copied out so fn runs without the lock. */
struct fs_dirent_copy {
	char name[FS_NAME_MAX + 1];
	size_t len;
	uint64_t ino;
	uint32_t mode;
};

static bool dirent_at(struct inode *dir, uint64_t pos, struct fs_dirent_copy *c)
{
	struct inode *ip = pos == 0 ? dir : pos == 1 ? dir->dir.parent : NULL;
	struct fs_dirent *d = dir->dir.entries;

	if (pos < 2 && !ip)
		return false;
	if (pos >= 2) {
		for (uint64_t i = 2; d && i < pos; i++)
			d = d->next;
		if (!d)
			return false;
		ip = d->inode;
	}
	c->len = pos < 2 ? pos + 1 : d->len;
	memcpy(c->name, pos < 2 ? ".." : d->name, c->len);
	c->name[c->len] = '\0';
	c->ino = ip->ino;
	c->mode = ip->mode;
	return true;
}

long fs_readdir(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg)
{
	struct fs_dirent_copy *c;
	bool more = true;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->dyn)
		return dir->dyn->readdir(dir, pos, fn, arg);
	if (!(c = kmalloc(sizeof(*c))))
		return -ENOMEM;
	while (more) {
		fs_lock();
		more = dirent_at(dir, pos, c);
		fs_unlock();
		if (more && (more = fn(arg, c->name, c->len, c->ino, c->mode)))
			pos++;
	}
	kfree(c);
	return (long)pos;
}
