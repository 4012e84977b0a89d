/*
 * The namespace: inodes, directories and path lookup (include/amphi/fs.h).
 *
 * Written for the system calls to come, and pure enough for the host to
 * test (tests/host/test_fs.c): it needs only kmalloc, the fs lock and
 * pages for file data.  A directory is a list of names; a directory has
 * one parent, kept for "..", and an inode lives as long as a name or a
 * reference holds it.  Lookup walks a path one component at a time with
 * a reference on the directory it stands in, so nothing it reads can be
 * freed under it; a symlink is followed by walking its target from the
 * directory holding it, recursively, at most FS_SYMLINK_MAX of them in
 * one lookup, and names and paths are held to Linux's 255 and 4096
 * bytes.  Paths are never copied: components are (pointer, length).
 */
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/string.h>

static struct inode *root;
static uint64_t next_ino = 1;

struct path_span {
	const char *p, *end;
};

static struct inode *inode_new(uint32_t mode)
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
static void iget(struct inode *ip)
{
	ip->refs++;
}

static void iput(struct inode *ip)
{
	if (--ip->refs == 0 && ip->nlink == 0 && ip != root)
		inode_free(ip);
}

void inode_get(struct inode *ip)
{
	fs_lock();
	iget(ip);
	fs_unlock();
}

void inode_put(struct inode *ip)
{
	fs_lock();
	iput(ip);
	fs_unlock();
}

bool fs_init(void)
{
	if (!root && (root = inode_new(S_IFDIR | 0755))) {
		root->nlink = 2;
		root->dir.parent = root;
	}
	return root != NULL;
}

struct inode *fs_root(void)
{
	inode_get(root);
	return root;
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

static struct fs_dirent **dir_find(struct inode *dir, const char *name, size_t len)
{
	struct fs_dirent **pp;

	for (pp = &dir->dir.entries; *pp; pp = &(*pp)->next)
		if ((*pp)->len == len && !memcmp((*pp)->name, name, len))
			return pp;
	return NULL;
}

/* One step from dir: ".", "..", or an entry; NULL when there is none. */
static struct inode *dir_step(struct inode *dir, const char *name, size_t len)
{
	struct fs_dirent **pp;

	if (is_dot(name, len))
		return dir;
	if (is_dotdot(name, len))
		return dir->dir.parent;
	pp = dir_find(dir, name, len);
	return pp ? (*pp)->inode : NULL;
}

static struct fs_dirent *dirent_new(const char *name, size_t len, struct inode *ip)
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
static void dir_insert(struct inode *dir, struct fs_dirent *d)
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
static void dir_remove(struct inode *dir, struct fs_dirent **pp)
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
	iget(ip);
	iput(ip);
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
	if (!(ip = dir_step(cur, name, len)))
		return -ENOENT;
	if (!S_ISLNK(ip->mode) || !follow_it) {
		iget(ip);
		*next = ip;
		return 0;
	}
	iget(ip);
	rc = follow(cur, ip, links, next);
	iput(ip);
	return rc;
}

static int walk(struct inode *dir, struct path_span s, unsigned int flags, int *links,
		struct inode **out)
{
	struct inode *cur = s.p < s.end && *s.p == '/' ? root : dir, *next;

	iget(cur);
	while (s.p < s.end && *s.p == '/')
		s.p++;
	while (s.p < s.end) {
		const char *name;
		bool trailing;
		size_t len = next_component(&s, &name, &trailing);
		bool last = s.p == s.end;
		int rc =
		    step(cur, name, len, !last || trailing || !(flags & FS_NOFOLLOW), links, &next);

		iput(cur);
		if (rc)
			return rc;
		cur = next;
		if (trailing && !S_ISDIR(cur->mode)) {
			iput(cur);
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

	return rc ? rc : walk(dir ? dir : root, s, flags, &links, out);
}

int fs_lookup(struct inode *dir, const char *path, unsigned int flags, struct inode **out)
{
	int rc;

	fs_lock();
	rc = lookup_locked(dir, path, flags, out);
	fs_unlock();
	return rc;
}

/* Where a name is to be made or removed: the directory holding the last
 * component (held) and that component; name_len 0 for "/". */
struct fs_parent {
	struct inode *dir;
	const char *name;
	size_t len;
	bool trailing; /* the path ended with a slash */
};

static int parent_locked(struct inode *dir, const char *path, struct fs_parent *pa)
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
		pa->dir = *s.p == '/' ? root : dir ? dir : root;
		iget(pa->dir);
		return 0;
	}
	rc = walk(dir ? dir : root, prefix, 0, &links, &pa->dir);
	if (!rc && !S_ISDIR(pa->dir->mode)) {
		iput(pa->dir);
		rc = -ENOTDIR;
	}
	return rc;
}

/* A new name in pa->dir for ip. */
static int link_locked(struct fs_parent *pa, struct inode *ip)
{
	struct fs_dirent *d;

	if (pa->len == 0 || is_dot(pa->name, pa->len) || is_dotdot(pa->name, pa->len) ||
	    dir_find(pa->dir, pa->name, pa->len))
		return -EEXIST;
	if (pa->dir->nlink == 0) /* removed while we looked */
		return -ENOENT;
	if (pa->trailing && !S_ISDIR(ip->mode))
		return -ENOENT;
	if (!(d = dirent_new(pa->name, pa->len, ip)))
		return -ENOMEM;
	dir_insert(pa->dir, d);
	return 0;
}

static int make_locked(struct inode *dir, const char *path, struct inode *ip)
{
	struct fs_parent pa;
	int rc = parent_locked(dir, path, &pa);

	if (rc)
		return rc;
	rc = link_locked(&pa, ip);
	iput(pa.dir);
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
	if ((ip = inode_new(mode))) {
		ip->rdev_major = major;
		ip->rdev_minor = minor;
		rc = make_locked(dir, path, ip);
		if (!rc && out) {
			iget(ip);
			*out = ip;
		}
		iput(ip);
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
	if ((ip = inode_new(S_IFLNK | 0777)) && (ip->target = kmalloc(n + 1))) {
		memcpy(ip->target, target, n + 1);
		ip->size = n;
		rc = make_locked(dir, path, ip);
	}
	if (ip)
		iput(ip);
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
	int rc = parent_locked(dir, path, &pa);

	if (rc)
		return rc;
	if (pa.len == 0)
		rc = want_dir ? -EBUSY : -EISDIR;
	else if (is_dot(pa.name, pa.len))
		rc = want_dir ? -EINVAL : -EISDIR;
	else if (is_dotdot(pa.name, pa.len))
		rc = want_dir ? -ENOTEMPTY : -EISDIR;
	else if (!(pp = dir_find(pa.dir, pa.name, pa.len)))
		rc = -ENOENT;
	else if (ip = (*pp)->inode, want_dir != S_ISDIR(ip->mode))
		rc = want_dir ? -ENOTDIR : -EISDIR;
	else if (!want_dir && pa.trailing)
		rc = -ENOTDIR;
	else if (want_dir && ip->dir.entries)
		rc = -ENOTEMPTY;
	else
		dir_remove(pa.dir, pp);
	iput(pa.dir);
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

	if (!from->len || !to->len || is_dot(from->name, from->len) ||
	    is_dotdot(from->name, from->len) || is_dot(to->name, to->len) ||
	    is_dotdot(to->name, to->len))
		return from->len && to->len ? -EINVAL : -EBUSY;
	if (!(src = dir_find(from->dir, from->name, from->len)))
		return -ENOENT;
	ip = (*src)->inode;
	if (from->trailing && !S_ISDIR(ip->mode))
		return -ENOTDIR;
	dst = dir_find(to->dir, to->name, to->len);
	if (dst && (*dst)->inode == ip)
		return 0; /* two names of one inode: nothing to do */
	if ((rc = rename_check(ip, dst ? (*dst)->inode : NULL, to)))
		return rc;
	if (!(d = dirent_new(to->name, to->len, ip)))
		return -ENOMEM;
	iget(ip);
	if (dst)
		dir_remove(to->dir, dst);
	dir_remove(from->dir, dir_find(from->dir, from->name, from->len));
	dir_insert(to->dir, d);
	iput(ip);
	return 0;
}

int fs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir, const char *newpath)
{
	struct fs_parent from, to;
	int rc;

	fs_lock();
	if (!(rc = parent_locked(olddir, oldpath, &from))) {
		if (!(rc = parent_locked(newdir, newpath, &to))) {
			rc = rename_locked(&from, &to);
			iput(to.dir);
		}
		iput(from.dir);
	}
	fs_unlock();
	return rc;
}

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
	ip->mtime = mtime;
	fs_unlock();
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
