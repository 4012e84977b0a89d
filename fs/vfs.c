/*
 * The core of the file system: inodes, directories and path lookup
 * (include/amphi/fs.h); the name operations are in namei.c, those on an
 * inode's data and attributes in inode_ops.c.
 *
 * Written for the system calls to come, and pure enough for the host to
 * test and fuzz (tests/host/test_fs.c, tests/fuzz/fuzz_fs.c): it needs
 * only kmalloc, the fs lock and pages for file data.  A directory is a
 * list of names; a directory has one parent, kept for "..", and an inode
 * lives as long as a name or a reference holds it.  Lookup walks a path
 * one component at a time with a reference on the directory it stands in,
 * so nothing it reads can be freed under it; a symlink is followed by
 * walking its target from the directory holding it, recursively, at most
 * FS_SYMLINK_MAX of them in one lookup, and names and paths are held to
 * Linux's 255 and 4096 bytes.  Paths are never copied: components are
 * (pointer, length).
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/string.h>
#include "vfs_internal.h"

struct inode *vfs_root;
static uint64_t next_ino = 1;

struct path_span {
	const char *p, *end;
};

struct inode *vfs_inode_new(uint32_t mode)
{
	struct inode *ip = kmalloc(sizeof(*ip));

	if (!ip)
		return NULL;
	memset(ip, 0, sizeof(*ip));
	ip->mode = mode;
	ip->ino = next_ino++;
	ip->refs = 1;
	return ip;
}

static void inode_free(struct inode *ip)
{
	if (S_ISREG(ip->mode))
		ramfs_free_data(ip);
	else if (S_ISLNK(ip->mode))
		kfree(ip->target);
	kfree(ip);
}

/* With the lock held. */
void vfs_iget(struct inode *ip)
{
	ip->refs++;
}

void vfs_iput(struct inode *ip)
{
	if (--ip->refs == 0 && ip->nlink == 0 && ip != vfs_root)
		inode_free(ip);
}

void inode_get(struct inode *ip)
{
	fs_lock();
	vfs_iget(ip);
	fs_unlock();
}

void inode_put(struct inode *ip)
{
	fs_lock();
	vfs_iput(ip);
	fs_unlock();
}

bool fs_init(void)
{
	if (!vfs_root && (vfs_root = vfs_inode_new(S_IFDIR | 0755))) {
		vfs_root->nlink = 2;
		vfs_root->dir.parent = vfs_root;
	}
	return vfs_root != NULL;
}

struct inode *fs_root(void)
{
	inode_get(vfs_root);
	return vfs_root;
}

bool vfs_is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

bool vfs_is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

struct fs_dirent **vfs_dir_find(struct inode *dir, const char *name, size_t len)
{
	struct fs_dirent **pp;

	for (pp = &dir->dir.entries; *pp; pp = &(*pp)->next)
		if ((*pp)->len == len && !memcmp((*pp)->name, name, len))
			return pp;
	return NULL;
}

struct inode *fs_inode_new_locked(uint32_t mode)
{
	return vfs_inode_new(mode);
}

void fs_inode_put_locked(struct inode *ip)
{
	vfs_iput(ip);
}

/* One step from dir: ".", "..", or an entry (a made-up one in a dyn
 * directory), held; NULL when there is none. */
struct inode *vfs_dir_step(struct inode *dir, const char *name, size_t len)
{
	struct fs_dirent **pp;
	struct inode *ip = NULL;

	if (vfs_is_dot(name, len))
		ip = dir;
	else if (vfs_is_dotdot(name, len))
		ip = dir->dir.parent;
	else if (dir->dyn)
		return dir->dyn->lookup(dir, name, len);
	else if ((pp = vfs_dir_find(dir, name, len)))
		ip = (*pp)->inode;
	if (ip)
		vfs_iget(ip);
	return ip;
}

struct fs_dirent *vfs_dirent_new(const char *name, size_t len, struct inode *ip)
{
	struct fs_dirent *d = kmalloc(sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	d->inode = ip;
	d->len = (uint16_t)len;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	return d;
}

/* Puts an entry at the end of dir (a listing comes in the order names
 * were made) and counts the links it makes. */
void vfs_dir_insert(struct inode *dir, struct fs_dirent *d)
{
	struct inode *ip = d->inode;
	struct fs_dirent **pp = &dir->dir.entries;

	while (*pp)
		pp = &(*pp)->next;
	d->next = NULL;
	*pp = d;
	if (S_ISDIR(ip->mode)) {
		ip->nlink += 2; /* its entry and its "." (its children's ".." stay) */
		ip->dir.parent = dir;
		dir->nlink++; /* its ".." */
	} else {
		ip->nlink++;
	}
}

/* Takes the entry *pp out of dir; the inode goes when nothing holds it. */
void vfs_dir_remove(struct inode *dir, struct fs_dirent **pp)
{
	struct fs_dirent *d = *pp;
	struct inode *ip = d->inode;

	*pp = d->next;
	kfree(d);
	if (S_ISDIR(ip->mode)) {
		ip->nlink -= 2;
		ip->dir.parent = NULL;
		dir->nlink--;
	} else {
		ip->nlink--;
	}
	vfs_iget(ip);
	vfs_iput(ip);
}

static int walk(struct inode *dir, struct path_span path, unsigned int flags, int *links,
		struct inode **out);

/* The inode a symlink names, walked from the directory holding it. */
static int follow(struct inode *dir, struct inode *link, int *links, struct inode **out)
{
	struct path_span t = {link->target, link->target + link->size};

	if (++*links > FS_SYMLINK_MAX)
		return -ELOOP;
	if (link->size == 0)
		return -ENOENT;
	return walk(dir, t, 0, links, out);
}

/* The next component of *s: its start and length, with *s moved past it
 * and the slashes after it; *trailing when slashes ended the path. */
static size_t next_component(struct path_span *s, const char **name, bool *trailing)
{
	const char *p = s->p;

	while (p < s->end && *p != '/')
		p++;
	*name = s->p;
	s->p = p;
	while (s->p < s->end && *s->p == '/')
		s->p++;
	*trailing = s->p == s->end && p != s->end;
	return (size_t)(p - *name);
}

/* One component from cur (which the caller holds): the next inode, held,
 * symlinks followed unless this is the last and the caller said not to. */
static int step(struct inode *cur, const char *name, size_t len, bool follow_it, int *links,
		struct inode **next)
{
	struct inode *ip;
	int rc;

	if (len > FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!S_ISDIR(cur->mode))
		return -ENOTDIR;
	if (!(ip = vfs_dir_step(cur, name, len)))
		return -ENOENT;
	if (!S_ISLNK(ip->mode) || !follow_it) {
		*next = ip;
		return 0;
	}
	rc = follow(cur, ip, links, next);
	vfs_iput(ip);
	return rc;
}

static int walk(struct inode *dir, struct path_span s, unsigned int flags, int *links,
		struct inode **out)
{
	struct inode *cur = s.p < s.end && *s.p == '/' ? vfs_root : dir, *next;

	vfs_iget(cur);
	while (s.p < s.end && *s.p == '/')
		s.p++;
	while (s.p < s.end) {
		const char *name;
		bool trailing;
		size_t len = next_component(&s, &name, &trailing);
		bool last = s.p == s.end;
		int rc =
		    step(cur, name, len, !last || trailing || !(flags & FS_NOFOLLOW), links, &next);

		vfs_iput(cur);
		if (rc)
			return rc;
		cur = next;
		if (trailing && !S_ISDIR(cur->mode)) {
			vfs_iput(cur);
			return -ENOTDIR;
		}
	}
	*out = cur;
	return 0;
}

static int path_check(const char *path, struct path_span *s)
{
	size_t n = strnlen(path, FS_PATH_MAX);

	if (n == FS_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	*s = (struct path_span){path, path + n};
	return 0;
}

static int lookup_locked(struct inode *dir, const char *path, unsigned int flags,
			 struct inode **out)
{
	struct path_span s;
	int links = 0, rc = path_check(path, &s);

	return rc ? rc : walk(dir ? dir : vfs_root, s, flags, &links, out);
}

int fs_lookup(struct inode *dir, const char *path, unsigned int flags, struct inode **out)
{
	int rc;

	fs_lock();
	rc = lookup_locked(dir, path, flags, out);
	fs_unlock();
	return rc;
}

int vfs_parent_locked(struct inode *dir, const char *path, struct fs_parent *pa)
{
	struct path_span s, prefix;
	const char *end;
	int links = 0, rc = path_check(path, &s);

	if (rc)
		return rc;
	end = s.end;
	while (end > s.p && end[-1] == '/')
		end--;
	pa->trailing = end != s.end;
	pa->name = end;
	while (pa->name > s.p && pa->name[-1] != '/')
		pa->name--;
	pa->len = (size_t)(end - pa->name);
	if (pa->len > FS_NAME_MAX)
		return -ENAMETOOLONG;
	prefix = (struct path_span){s.p, pa->name};
	if (prefix.p == prefix.end) { /* a bare name, or only slashes */
		pa->dir = *s.p == '/' ? vfs_root : dir ? dir : vfs_root;
		vfs_iget(pa->dir);
		return 0;
	}
	rc = walk(dir ? dir : vfs_root, prefix, 0, &links, &pa->dir);
	if (!rc && !S_ISDIR(pa->dir->mode)) {
		vfs_iput(pa->dir);
		rc = -ENOTDIR;
	}
	return rc;
}
