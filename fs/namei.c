/*
 * The name operations of the file system core: creating (mknod, mkdir,
 * symlink), linking, removing and renaming names, with Linux's answers to
 * what cannot be done (EEXIST, ENOTEMPTY, EISDIR, ENOTDIR, EINVAL for a
 * directory moved under itself, EBUSY for the root and /proc).  Each resolves the
 * path's last component with vfs_parent_locked and changes the directory
 * under the fs lock.  Pure like vfs.c, tested and fuzzed with it.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/string.h>
#include "vfs_internal.h"

/* A new name in pa->dir for ip. */
static int link_locked(struct fs_parent *pa, struct inode *ip)
{
	struct fs_dirent *d;

	if (pa->dir->dyn) /* its names are made, not kept */
		return -EACCES;
	if (pa->len == 0 || vfs_is_dot(pa->name, pa->len) || vfs_is_dotdot(pa->name, pa->len) ||
	    vfs_dir_find(pa->dir, pa->name, pa->len))
		return -EEXIST;
	if (pa->dir->nlink == 0) /* removed while we looked */
		return -ENOENT;
	if (pa->trailing && !S_ISDIR(ip->mode))
		return -ENOENT;
	if (!(d = vfs_dirent_new(pa->name, pa->len, ip)))
		return -ENOMEM;
	vfs_dir_insert(pa->dir, d);
	return 0;
}

static int make_locked(struct inode *dir, const char *path, struct inode *ip)
{
	struct fs_parent pa;
	int rc = vfs_parent_locked(dir, path, &pa);

	if (rc)
		return rc;
	rc = link_locked(&pa, ip);
	vfs_iput(pa.dir);
	return rc;
}

int fs_mknod(struct inode *dir, const char *path, uint32_t mode, uint32_t major, uint32_t minor,
	     struct inode **out)
{
	struct inode *ip;
	int rc = -ENOMEM;

	if (S_ISLNK(mode) || (mode & S_IFMT) == 0)
		return -EINVAL;
	fs_lock();
	if ((ip = vfs_inode_new(mode))) {
		ip->rdev_major = major;
		ip->rdev_minor = minor;
		rc = make_locked(dir, path, ip);
		if (!rc && out) {
			vfs_iget(ip);
			*out = ip;
		}
		vfs_iput(ip);
	}
	fs_unlock();
	return rc;
}

int fs_symlink(struct inode *dir, const char *target, const char *path)
{
	size_t n = strnlen(target, FS_PATH_MAX);
	struct inode *ip;
	int rc = -ENOMEM;

	if (n == FS_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	fs_lock();
	if ((ip = vfs_inode_new(S_IFLNK | 0777)) && (ip->target = kmalloc(n + 1))) {
		memcpy(ip->target, target, n + 1);
		ip->size = n;
		rc = make_locked(dir, path, ip);
	}
	if (ip)
		vfs_iput(ip);
	fs_unlock();
	return rc;
}

int fs_link_inode(struct inode *dir, const char *path, struct inode *ip)
{
	int rc = -EPERM;

	fs_lock();
	if (!S_ISDIR(ip->mode))
		rc = ip->nlink ? make_locked(dir, path, ip) : -ENOENT;
	fs_unlock();
	return rc;
}

int fs_link(struct inode *olddir, const char *oldpath, struct inode *newdir, const char *newpath)
{
	struct inode *ip;
	int rc = fs_lookup(olddir, oldpath, FS_NOFOLLOW, &ip);

	if (rc)
		return rc;
	rc = fs_link_inode(newdir, newpath, ip);
	inode_put(ip);
	return rc;
}

static int remove_locked(struct inode *dir, const char *path, bool want_dir)
{
	struct fs_dirent **pp;
	struct fs_parent pa;
	struct inode *ip;
	int rc = vfs_parent_locked(dir, path, &pa);

	if (rc)
		return rc;
	if (pa.len == 0)
		rc = want_dir ? -EBUSY : -EISDIR;
	else if (vfs_is_dot(pa.name, pa.len))
		rc = want_dir ? -EINVAL : -EISDIR;
	else if (vfs_is_dotdot(pa.name, pa.len))
		rc = want_dir ? -ENOTEMPTY : -EISDIR;
	else if (!(pp = vfs_dir_find(pa.dir, pa.name, pa.len)))
		rc = -ENOENT;
	else if (ip = (*pp)->inode, want_dir != S_ISDIR(ip->mode))
		rc = want_dir ? -ENOTDIR : -EISDIR;
	else if (!want_dir && pa.trailing)
		rc = -ENOTDIR;
	else if (want_dir && ip->dir.entries)
		rc = -ENOTEMPTY;
	else if (ip->dyn) /* /proc stays, as a mount point does */
		rc = -EBUSY;
	else
		vfs_dir_remove(pa.dir, pp);
	vfs_iput(pa.dir);
	return rc;
}

int fs_unlink(struct inode *dir, const char *path)
{
	int rc;

	fs_lock();
	rc = remove_locked(dir, path, false);
	fs_unlock();
	return rc;
}

int fs_rmdir(struct inode *dir, const char *path)
{
	int rc;

	fs_lock();
	rc = remove_locked(dir, path, true);
	fs_unlock();
	return rc;
}

/* Is dir at or below ancestor? */
static bool is_under(struct inode *dir, struct inode *ancestor)
{
	for (; dir; dir = dir->dir.parent == dir ? NULL : dir->dir.parent)
		if (dir == ancestor)
			return true;
	return false;
}

/* Whether ip may take the place of what newname names now (old). */
static int rename_check(struct inode *ip, struct inode *old, struct fs_parent *to)
{
	if (S_ISDIR(ip->mode) && is_under(to->dir, ip))
		return -EINVAL;
	if (!old)
		return to->trailing && !S_ISDIR(ip->mode) ? -ENOTDIR : 0;
	if (S_ISDIR(ip->mode) && !S_ISDIR(old->mode))
		return -ENOTDIR;
	if (!S_ISDIR(ip->mode) && S_ISDIR(old->mode))
		return -EISDIR;
	if (S_ISDIR(old->mode) && old->dir.entries)
		return -ENOTEMPTY;
	return 0;
}

static int rename_locked(struct fs_parent *from, struct fs_parent *to)
{
	struct fs_dirent **src, **dst, *d;
	struct inode *ip;
	int rc;

	if (!from->len || !to->len || vfs_is_dot(from->name, from->len) ||
	    vfs_is_dotdot(from->name, from->len) || vfs_is_dot(to->name, to->len) ||
	    vfs_is_dotdot(to->name, to->len))
		return from->len && to->len ? -EINVAL : -EBUSY;
	if (!(src = vfs_dir_find(from->dir, from->name, from->len)))
		return -ENOENT;
	ip = (*src)->inode;
	if (from->trailing && !S_ISDIR(ip->mode))
		return -ENOTDIR;
	dst = vfs_dir_find(to->dir, to->name, to->len);
	if (ip->dyn || (dst && (*dst)->inode->dyn))
		return -EBUSY; /* /proc, moved or replaced */
	if (dst && (*dst)->inode == ip)
		return 0; /* two names of one inode: nothing to do */
	if ((rc = rename_check(ip, dst ? (*dst)->inode : NULL, to)))
		return rc;
	if (!(d = vfs_dirent_new(to->name, to->len, ip)))
		return -ENOMEM;
	vfs_iget(ip);
	if (dst)
		vfs_dir_remove(to->dir, dst);
	vfs_dir_remove(from->dir, vfs_dir_find(from->dir, from->name, from->len));
	vfs_dir_insert(to->dir, d);
	vfs_iput(ip);
	return 0;
}

int fs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir, const char *newpath)
{
	struct fs_parent from, to;
	int rc;

	fs_lock();
	if (!(rc = vfs_parent_locked(olddir, oldpath, &from))) {
		if (!(rc = vfs_parent_locked(newdir, newpath, &to))) {
			rc = rename_locked(&from, &to);
			vfs_iput(to.dir);
		}
		vfs_iput(from.dir);
	}
	fs_unlock();
	return rc;
}
