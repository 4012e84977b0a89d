/* Unit tests of the file system core (fs/vfs.c, fs/ramfs_data.c).
 *
 * The core's needs are met here as the kernel meets them, but by the
 * host: kmalloc is malloc (so the address sanitizer sees a use after
 * free or a leak of an inode), the fs lock a flag that must never be
 * taken twice or released when free, pages calloc'd.  The tests run the
 * namespace through what the system calls will ask of it: lookup with
 * ".", "..", repeated slashes and trailing ones, symlinks followed or not
 * and their loops, names and paths too long, create, hard links, unlink,
 * rmdir, rename in all its refusals, file data across pages and holes. */
#include "amphi_test.h"
#include "host_rename.h"
#include <amphi/errno.h>
#include <amphi/fs.h>
#include "host_unrename.h"

static int locked, allocs;

void *kmalloc(size_t n)
{
	allocs++;
	return malloc(n);
}

void kfree(void *p)
{
	if (p)
		allocs--;
	free(p);
}

void fs_lock(void)
{
	assert_int_equal(locked, 0);
	locked = 1;
}

void fs_unlock(void)
{
	assert_int_equal(locked, 1);
	locked = 0;
}

void *fs_page_alloc(void)
{
	allocs++;
	return calloc(1, 4096);
}

void fs_page_free(void *p)
{
	if (p)
		allocs--;
	free(p);
}

/* No process maps a page here. */
bool fs_page_shared(void *p)
{
	return false;
}

static struct inode *R;

static int setup(void **state)
{
	fs_init();
	R = fs_root();
	return 0;
}

static struct inode *get(const char *path, unsigned flags)
{
	struct inode *ip = NULL;
	int rc = fs_lookup(NULL, path, flags, &ip);

	if (rc)
		return NULL;
	inode_put(ip); /* the tree still holds it */
	return ip;
}

static int lookup_rc(struct inode *dir, const char *path, unsigned flags)
{
	struct inode *ip;
	int rc = fs_lookup(dir, path, flags, &ip);

	if (!rc)
		inode_put(ip);
	return rc;
}

static void mkfile(const char *path, const char *data)
{
	struct inode *ip;

	assert_int_equal(fs_mknod(NULL, path, S_IFREG | 0644, 0, 0, &ip), 0);
	assert_int_equal(fs_write(ip, 0, data, strlen(data)), (long)strlen(data));
	inode_put(ip);
}

static void expect_data(const char *path, const char *data)
{
	char buf[256] = "";
	struct inode *ip = get(path, 0);

	assert_non_null(ip);
	assert_int_equal(fs_read(ip, 0, buf, sizeof(buf) - 1), (long)strlen(data));
	assert_string_equal(buf, data);
}

static void test_lookup(void **state)
{
	assert_int_equal(fs_mknod(NULL, "/a", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/a/b", S_IFDIR | 0700, 0, 0, NULL), 0);
	mkfile("/a/b/f", "content");
	struct inode *a = get("/a", 0), *b = get("a/b", 0), *f = get("a/b/f", 0);
	assert_non_null(a);
	assert_non_null(f);
	assert_ptr_equal(get("//a///b/./f", 0), f);
	assert_ptr_equal(get("/a/b/../b/f", 0), f);
	assert_ptr_equal(get("/..", 0), R);
	assert_ptr_equal(get("/../../a", 0), a);
	assert_ptr_equal(get("a/b/", 0), b);
	assert_ptr_equal(get("/", 0), R);
	struct inode *ip;
	assert_int_equal(fs_lookup(b, "f", 0, &ip), 0);
	assert_ptr_equal(ip, f);
	inode_put(ip);
	assert_int_equal(fs_lookup(b, "..", 0, &ip), 0);
	assert_ptr_equal(ip, a);
	inode_put(ip);
	assert_int_equal(lookup_rc(NULL, "/a/x", 0), -ENOENT);
	assert_int_equal(lookup_rc(NULL, "/a/b/f/g", 0), -ENOTDIR);
	assert_int_equal(lookup_rc(NULL, "/a/b/f/", 0), -ENOTDIR);
	assert_int_equal(lookup_rc(NULL, "", 0), -ENOENT);
	assert_int_equal(a->nlink, 3); /* its entry, ".", b's ".." */
	assert_int_equal(b->nlink, 2);
	assert_int_equal(f->nlink, 1);
	assert_int_equal(f->mode, S_IFREG | 0644);
}

static void test_names_too_long(void **state)
{
	char name[300], path[4200];

	memset(name, 'n', 256);
	name[256] = 0;
	assert_int_equal(fs_mknod(NULL, name, S_IFREG, 0, 0, NULL), -ENAMETOOLONG);
	assert_int_equal(lookup_rc(NULL, name, 0), -ENAMETOOLONG);
	name[255] = 0;
	assert_int_equal(fs_mknod(NULL, name, S_IFREG, 0, 0, NULL), 0);
	assert_int_equal(lookup_rc(NULL, name, 0), 0);
	for (int i = 0; i < 4096; i++)
		path[i] = i % 2 ? '/' : '.';
	path[4096] = 0;
	assert_int_equal(lookup_rc(NULL, path, 0), -ENAMETOOLONG);
	path[4095] = 0;
	assert_int_equal(lookup_rc(NULL, path, 0), 0); /* 4095 bytes and the NUL */
	assert_int_equal(fs_unlink(NULL, name), 0);
}

static void test_exists(void **state)
{
	assert_int_equal(fs_mknod(NULL, "/e", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/e", S_IFDIR | 0755, 0, 0, NULL), -EEXIST);
	assert_int_equal(fs_mknod(NULL, "/e/", S_IFREG, 0, 0, NULL), -EEXIST);
	assert_int_equal(fs_mknod(NULL, "/", S_IFDIR, 0, 0, NULL), -EEXIST);
	assert_int_equal(fs_mknod(NULL, "/e/..", S_IFDIR, 0, 0, NULL), -EEXIST);
	assert_int_equal(fs_mknod(NULL, "/nodir/x", S_IFREG, 0, 0, NULL), -ENOENT);
	assert_int_equal(fs_mknod(NULL, "/e/newfile/", S_IFREG, 0, 0, NULL), -ENOENT);
	assert_int_equal(fs_mknod(NULL, "/e/newdir/", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_rmdir(NULL, "/e/newdir/"), 0);
	assert_int_equal(fs_mknod(NULL, "/e/c", S_IFCHR | 0600, 5, 1, NULL), 0);
	assert_int_equal(get("/e/c", 0)->rdev_major, 5);
	assert_int_equal(fs_mknod(NULL, "/e/l", S_IFLNK | 0777, 0, 0, NULL), -EINVAL);
}

static void test_symlinks(void **state)
{
	char buf[64];

	assert_int_equal(fs_mknod(NULL, "/bin", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/bin/busybox", "ELF");
	assert_int_equal(fs_symlink(NULL, "busybox", "/bin/sh"), 0);
	assert_int_equal(fs_symlink(NULL, "/bin", "/b"), 0);
	assert_int_equal(fs_symlink(NULL, "../bin/sh", "/bin/sh2"), 0);
	struct inode *bb = get("/bin/busybox", 0), *sh = get("/bin/sh", FS_NOFOLLOW);
	assert_ptr_equal(get("/bin/sh", 0), bb);
	assert_ptr_equal(get("/b/sh2", 0), bb);
	assert_ptr_equal(get("/b/./sh", 0), bb);
	assert_true(S_ISLNK(sh->mode));
	assert_int_equal(fs_readlink(sh, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "busybox", 7);
	assert_int_equal(fs_readlink(bb, buf, sizeof(buf)), -EINVAL);
	assert_true(S_ISLNK(get("/b", FS_NOFOLLOW)->mode));
	assert_true(S_ISDIR(get("/b/", FS_NOFOLLOW)->mode)); /* a slash follows it */
	assert_int_equal(fs_symlink(NULL, "nowhere", "/dangling"), 0);
	assert_int_equal(lookup_rc(NULL, "/dangling", 0), -ENOENT);
	assert_int_equal(lookup_rc(NULL, "/dangling", FS_NOFOLLOW), 0);
	assert_int_equal(fs_symlink(NULL, "", "/empty"), -ENOENT);
	assert_int_equal(fs_symlink(NULL, "x", "/bin/sh"), -EEXIST);
	/* a target of 4096 bytes is one too many; readlink cuts to the buffer */
	static char target[4097];
	memset(target, 't', 4096);
	assert_int_equal(fs_symlink(NULL, target, "/longtarget"), -ENAMETOOLONG);
	target[4095] = 0;
	assert_int_equal(fs_symlink(NULL, target, "/longtarget"), 0);
	assert_int_equal(fs_readlink(get("/longtarget", FS_NOFOLLOW), buf, 3), 3);
	assert_int_equal(lookup_rc(NULL, "/longtarget", 0), -ENAMETOOLONG); /* names of 4095 */
	/* unlink takes the link, never what it names */
	assert_int_equal(fs_unlink(NULL, "/b"), 0);
	assert_non_null(get("/bin/sh", 0));
	assert_int_equal(fs_symlink(NULL, "/bin", "/b"), 0);
	assert_int_equal(fs_unlink(NULL, "/b/"), -ENOTDIR); /* Linux's answer too */
}

static void test_symlink_loops(void **state)
{
	char name[16], target[16];

	assert_int_equal(fs_symlink(NULL, "loop2", "/loop1"), 0);
	assert_int_equal(fs_symlink(NULL, "loop1", "/loop2"), 0);
	assert_int_equal(lookup_rc(NULL, "/loop1", 0), -ELOOP);
	assert_int_equal(lookup_rc(NULL, "/loop1/x", FS_NOFOLLOW), -ELOOP);
	assert_int_equal(lookup_rc(NULL, "/loop1", FS_NOFOLLOW), 0);
	assert_int_equal(fs_symlink(NULL, "self", "/self"), 0);
	assert_int_equal(lookup_rc(NULL, "/self", 0), -ELOOP);
	/* A chain of 40 is followed to its end; 41 is one too many. */
	mkfile("/end", "x");
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof(name), "/c%d", i);
		if (i == 0)
			snprintf(target, sizeof(target), "end");
		else
			snprintf(target, sizeof(target), "c%d", i - 1);
		assert_int_equal(fs_symlink(NULL, target, name), 0);
	}
	assert_int_equal(lookup_rc(NULL, "/c39", 0), 0);
	assert_int_equal(lookup_rc(NULL, "/c40", 0), -ELOOP);
	/* a loop through directories: a -> . */
	assert_int_equal(fs_symlink(NULL, ".", "/dot"), 0);
	assert_int_equal(lookup_rc(NULL, "/dot/dot/dot/dot/end", 0), 0);
}

static void test_hard_links(void **state)
{
	mkfile("/h1", "shared");
	assert_int_equal(fs_link(NULL, "/h1", NULL, "/h2"), 0);
	struct inode *ip = get("/h1", 0);
	assert_ptr_equal(get("/h2", 0), ip);
	assert_int_equal(ip->nlink, 2);
	assert_int_equal(fs_link(NULL, "/h1", NULL, "/h2"), -EEXIST);
	assert_int_equal(fs_link(NULL, "/", NULL, "/rootlink"), -EPERM);
	assert_int_equal(fs_link(NULL, "/none", NULL, "/x"), -ENOENT);
	assert_int_equal(fs_unlink(NULL, "/h1"), 0);
	assert_int_equal(ip->nlink, 1);
	expect_data("/h2", "shared");
	/* link(2) does not follow a symlink: the link names the symlink */
	assert_int_equal(fs_symlink(NULL, "h2", "/hs"), 0);
	assert_int_equal(fs_link(NULL, "/hs", NULL, "/hs2"), 0);
	assert_true(S_ISLNK(get("/hs2", FS_NOFOLLOW)->mode));
}

/* An inode unlinked while held stays usable until put, then is freed
 * (the sanitizer and the allocation count see a leak or a double free). */
static void test_unlink_held(void **state)
{
	struct inode *ip;
	int before = allocs;
	char buf[8] = "";

	mkfile("/held", "data");
	assert_int_equal(fs_lookup(NULL, "/held", 0, &ip), 0);
	assert_int_equal(fs_unlink(NULL, "/held"), 0);
	assert_int_equal(ip->nlink, 0);
	assert_int_equal(fs_read(ip, 0, buf, 4), 4);
	assert_string_equal(buf, "data");
	inode_put(ip);
	assert_int_equal(allocs, before);
	assert_int_equal(fs_unlink(NULL, "/held"), -ENOENT);
}

static void test_rmdir(void **state)
{
	struct inode *cwd;

	assert_int_equal(fs_mknod(NULL, "/r", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/r/s", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/r/f", "x");
	assert_int_equal(fs_rmdir(NULL, "/r"), -ENOTEMPTY);
	assert_int_equal(fs_rmdir(NULL, "/r/f"), -ENOTDIR);
	assert_int_equal(fs_unlink(NULL, "/r/s"), -EISDIR);
	assert_int_equal(fs_rmdir(NULL, "/r/s/."), -EINVAL);
	assert_int_equal(fs_rmdir(NULL, "/r/s/.."), -ENOTEMPTY);
	assert_int_equal(fs_rmdir(NULL, "/"), -EBUSY);
	assert_int_equal(fs_unlink(NULL, "/r/f/"), -ENOTDIR);
	/* a removed working directory: ".." is gone, nothing can be made */
	assert_int_equal(fs_lookup(NULL, "/r/s", 0, &cwd), 0);
	assert_int_equal(fs_rmdir(NULL, "/r/s"), 0);
	assert_int_equal(lookup_rc(cwd, "..", 0), -ENOENT);
	assert_int_equal(fs_mknod(cwd, "new", S_IFREG, 0, 0, NULL), -ENOENT);
	assert_int_equal(lookup_rc(cwd, ".", 0), 0);
	inode_put(cwd);
	assert_int_equal(fs_unlink(NULL, "/r/f"), 0);
	assert_int_equal(get("/r", 0)->nlink, 2);
	assert_int_equal(fs_rmdir(NULL, "/r"), 0);
}

static void test_rename(void **state)
{
	assert_int_equal(fs_mknod(NULL, "/m", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/m/d", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/m/d/sub", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/m/one", "1");
	mkfile("/m/two", "2");
	assert_int_equal(fs_rename(NULL, "/m/one", NULL, "/m/two"), 0);
	expect_data("/m/two", "1");
	assert_int_equal(lookup_rc(NULL, "/m/one", 0), -ENOENT);
	assert_int_equal(fs_rename(NULL, "/m/two", NULL, "/m/d"), -EISDIR);
	assert_int_equal(fs_rename(NULL, "/m/d", NULL, "/m/two"), -ENOTDIR);
	assert_int_equal(fs_rename(NULL, "/m/d", NULL, "/m/d/sub/x"), -EINVAL);
	assert_int_equal(fs_rename(NULL, "/m/d", NULL, "/m/d"), 0);
	assert_int_equal(fs_rename(NULL, "/m/none", NULL, "/m/x"), -ENOENT);
	assert_int_equal(fs_rename(NULL, "/m/two", NULL, "/m/d/sub/.."), -EINVAL);
	assert_int_equal(fs_mknod(NULL, "/m/e", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_rename(NULL, "/m/e", NULL, "/m/d"), -ENOTEMPTY);
	/* a directory moved: its ".." and both parents' link counts follow */
	struct inode *d = get("/m/d", 0), *m = get("/m", 0), *e = get("/m/e", 0);
	assert_int_equal(fs_rename(NULL, "/m/d", NULL, "/m/e/d2"), 0);
	assert_ptr_equal(get("/m/e/d2/sub/../..", 0), e);
	assert_ptr_equal(get("/m/e/d2", 0), d);
	assert_int_equal(m->nlink, 3);
	assert_int_equal(e->nlink, 3);
	/* over an empty directory */
	assert_int_equal(fs_mknod(NULL, "/m/empty", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_rename(NULL, "/m/e/d2/sub", NULL, "/m/empty"), 0);
	assert_int_equal(d->nlink, 2);
	assert_int_equal(m->nlink, 4);
	/* two names of one inode: nothing happens */
	assert_int_equal(fs_link(NULL, "/m/two", NULL, "/m/three"), 0);
	assert_int_equal(fs_rename(NULL, "/m/two", NULL, "/m/three"), 0);
	assert_non_null(get("/m/two", 0));
}

static void test_file_data(void **state)
{
	static char big[3 * 4096 + 100], back[sizeof(big)];
	struct inode *ip;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(fs_mknod(NULL, "/data", S_IFREG | 0600, 0, 0, &ip), 0);
	assert_int_equal(fs_write(ip, 10000, big, 5), 5); /* a hole before */
	assert_int_equal(ip->size, 10005);
	assert_int_equal(fs_read(ip, 0, back, sizeof(back)), 10005);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(fs_write(ip, 0, big, sizeof(big)), (long)sizeof(big));
	assert_int_equal(fs_read(ip, 0, back, sizeof(back)), (long)sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	assert_int_equal(fs_read(ip, sizeof(big), back, 10), 0);
	assert_int_equal(fs_read(ip, 4090, back, 10), 10); /* across a page */
	assert_memory_equal(back, big + 4090, 10);
	assert_int_equal(fs_truncate(ip, 5000), 0);
	assert_int_equal(fs_truncate(ip, 9000), 0);
	assert_int_equal(fs_read(ip, 4999, back, 10), 10);
	assert_int_equal(back[0], big[4999]);
	for (int i = 1; i < 10; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(fs_write(ip, FS_FILE_MAX, big, 1), -EFBIG);
	assert_int_equal(fs_write(ip, ~0ull - 1, big, 4), -EFBIG);
	assert_int_equal(fs_read(get("/", 0), 0, back, 1), -EISDIR);
	inode_put(ip);
}

/* A file grown by truncate has no pages behind its new end: reading
 * there indexed a page array that was NULL, or shorter than the file
 * (found by the fs fuzz target).  It reads as zeros. */
static void test_truncate_grows(void **state)
{
	static char back[8192];
	struct inode *ip;

	assert_int_equal(fs_mknod(NULL, "/grown", S_IFREG | 0600, 0, 0, &ip), 0);
	assert_int_equal(fs_truncate(ip, 5000), 0);
	memset(back, 1, sizeof(back));
	assert_int_equal(fs_read(ip, 0, back, sizeof(back)), 5000);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(fs_write(ip, 0, "x", 1), 1); /* room for 8 pages now */
	assert_int_equal(fs_truncate(ip, 100 * 4096), 0);
	memset(back, 1, sizeof(back));
	assert_int_equal(fs_read(ip, 99 * 4096, back, sizeof(back)), 4096);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(back[i], 0);
	inode_put(ip);
}

struct listing {
	char names[64][32];
	int n, room;
};

/* Takes entries while it has room, as getdents64's buffer will. */
static bool fill(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	struct listing *l = arg;

	if (l->n == l->room)
		return false;
	snprintf(l->names[l->n++], 32, "%.*s", (int)len, name);
	return true;
}

static void test_readdir(void **state)
{
	struct listing l = {.room = 2};
	long pos;

	assert_int_equal(fs_mknod(NULL, "/ls", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/ls/a", "");
	mkfile("/ls/b", "");
	struct inode *d = get("/ls", 0);
	pos = fs_readdir(d, 0, fill, &l);
	assert_int_equal(pos, 2);
	assert_string_equal(l.names[0], ".");
	assert_string_equal(l.names[1], "..");
	l.room = 10; /* the position carries on where the first call stopped */
	pos = fs_readdir(d, (uint64_t)pos, fill, &l);
	assert_int_equal(pos, 4);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[2], "a"); /* in the order they were made */
	assert_string_equal(l.names[3], "b");
	assert_int_equal(fs_readdir(get("/ls/a", 0), 0, fill, &l), -ENOTDIR);
}

/* getcwd's path: built from the names up to the root, "/" for the root,
 * -ERANGE when the buffer is short (by one byte too), -ENOENT once the
 * directory is removed, -ENOTDIR for a file. */
static void test_dir_path(void **state)
{
	char buf[16];
	struct inode *d;

	assert_int_equal(fs_mknod(NULL, "/p", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_mknod(NULL, "/p/qq", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/p/f", "x");
	assert_int_equal(fs_dir_path(R, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "/");
	assert_int_equal(fs_dir_path(R, buf, 1), -ERANGE);
	assert_int_equal(fs_lookup(NULL, "/p/qq", 0, &d), 0);
	assert_int_equal(fs_dir_path(d, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "/p/qq");
	assert_int_equal(fs_dir_path(d, buf, 6), 6);
	assert_int_equal(fs_dir_path(d, buf, 5), -ERANGE);
	assert_int_equal(fs_dir_path(d, buf, 0), -ERANGE);
	assert_int_equal(fs_dir_path(get("/p/f", 0), buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(fs_rename(NULL, "/p/qq", NULL, "/p/r"), 0);
	assert_int_equal(fs_dir_path(d, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "/p/r");
	assert_int_equal(fs_rmdir(NULL, "/p/r"), 0);
	assert_int_equal(fs_dir_path(d, buf, sizeof(buf)), -ENOENT);
	inode_put(d);
	assert_int_equal(fs_unlink(NULL, "/p/f"), 0);
	assert_int_equal(fs_rmdir(NULL, "/p"), 0);
}

/* realpath: every symlink followed, in the middle and at the end, a
 * relative target from the link's directory, "." and "..", a file's
 * path as its directory's and its name; -ENOENT, -ELOOP and -ERANGE. */
static void test_realpath(void **state)
{
	char buf[32];

	assert_int_equal(fs_mknod(NULL, "/rp", S_IFDIR | 0755, 0, 0, NULL), 0);
	mkfile("/rp/busybox", "x");
	assert_int_equal(fs_symlink(NULL, "busybox", "/rp/sh"), 0);
	assert_int_equal(fs_symlink(NULL, "/rp", "/rpl"), 0);
	assert_int_equal(fs_symlink(NULL, "self", "/rp/self"), 0);
	assert_int_equal(fs_realpath(NULL, "/rpl/sh", buf, sizeof(buf)), 12);
	assert_string_equal(buf, "/rp/busybox");
	assert_int_equal(fs_realpath(NULL, "rpl/./../rp/busybox", buf, sizeof(buf)), 12);
	assert_string_equal(buf, "/rp/busybox");
	assert_int_equal(fs_realpath(NULL, "/rpl", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/rp");
	assert_int_equal(fs_realpath(NULL, "/", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "/");
	assert_int_equal(fs_realpath(NULL, "/rpl/sh", buf, 12), 12);
	assert_int_equal(fs_realpath(NULL, "/rpl/sh", buf, 11), -ERANGE);
	assert_int_equal(fs_realpath(NULL, "/rpl/none", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(fs_realpath(NULL, "/rp/self", buf, sizeof(buf)), -ELOOP);
	assert_int_equal(fs_unlink(NULL, "/rp/self"), 0);
	assert_int_equal(fs_unlink(NULL, "/rpl"), 0);
	assert_int_equal(fs_unlink(NULL, "/rp/sh"), 0);
	assert_int_equal(fs_unlink(NULL, "/rp/busybox"), 0);
	assert_int_equal(fs_rmdir(NULL, "/rp"), 0);
}

/* A directory whose names are made on lookup (/proc's kind): "f" is a
 * file made then, "l" a symlink to it; what lookup made is freed when it
 * is put; nothing can be made in it; readdir is its own. */
static struct inode *dyn_lookup(struct inode *dir, const char *name, size_t len)
{
	struct inode *ip = NULL;

	if (len == 1 && name[0] == 'f' && (ip = fs_inode_new_locked(S_IFREG | 0444)))
		assert_int_equal(ramfs_write(ip, 0, "made", 4), 4);
	if (len == 1 && name[0] == 'l' && (ip = fs_inode_new_locked(S_IFLNK | 0777))) {
		ip->target = kmalloc(2);
		memcpy(ip->target, "f", 2);
		ip->size = 1;
	}
	return ip;
}

static long dyn_readdir(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg)
{
	if (pos == 0 && fn(arg, "f", 1, 1, S_IFREG))
		pos++;
	return (long)pos;
}

static const struct fs_dyn_dir dyn_ops = {dyn_lookup, dyn_readdir};

static bool count_names(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	++*(int *)arg;
	return true;
}

static void test_dyn_dir(void **state)
{
	struct inode *d, *f, *g;
	char buf[8] = {0};
	int before, names = 0;

	assert_int_equal(fs_mknod(NULL, "/dyn", S_IFDIR | 0555, 0, 0, &d), 0);
	d->dyn = &dyn_ops;
	before = allocs;
	assert_int_equal(fs_lookup(NULL, "/dyn/l", 0, &f), 0);
	assert_int_equal(fs_read(f, 0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "made");
	assert_int_equal(fs_lookup(NULL, "/dyn/f", 0, &g), 0);
	assert_ptr_not_equal(f, g); /* a fresh one each time */
	inode_put(f);
	inode_put(g);
	assert_int_equal(allocs, before);
	assert_int_equal(fs_lookup(NULL, "/dyn/x", 0, &f), -ENOENT);
	assert_int_equal(fs_lookup(NULL, "/dyn/f/..", 0, &f), -ENOTDIR);
	assert_int_equal(fs_mknod(NULL, "/dyn/new", S_IFREG | 0644, 0, 0, NULL), -EACCES);
	assert_int_equal(fs_symlink(NULL, "f", "/dyn/s"), -EACCES);
	assert_int_equal(fs_readdir(d, 0, count_names, &names), 1);
	assert_int_equal(names, 1);
	assert_int_equal(allocs, before);
	assert_int_equal(fs_rmdir(NULL, "/dyn"), -EBUSY);
	assert_int_equal(fs_rename(NULL, "/dyn", NULL, "/dyn2"), -EBUSY);
	assert_int_equal(fs_mknod(NULL, "/dyn3", S_IFDIR | 0755, 0, 0, NULL), 0);
	assert_int_equal(fs_rename(NULL, "/dyn3", NULL, "/dyn"), -EBUSY);
	assert_int_equal(fs_rmdir(NULL, "/dyn3"), 0);
	d->dyn = NULL;
	inode_put(d);
	assert_int_equal(fs_rmdir(NULL, "/dyn"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),	  cmocka_unit_test(test_names_too_long),
	    cmocka_unit_test(test_exists),	  cmocka_unit_test(test_symlinks),
	    cmocka_unit_test(test_symlink_loops), cmocka_unit_test(test_hard_links),
	    cmocka_unit_test(test_unlink_held),	  cmocka_unit_test(test_rmdir),
	    cmocka_unit_test(test_rename),	  cmocka_unit_test(test_file_data),
	    cmocka_unit_test(test_readdir),	  cmocka_unit_test(test_truncate_grows),
	    cmocka_unit_test(test_dir_path),	  cmocka_unit_test(test_realpath),
	    cmocka_unit_test(test_dyn_dir),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
