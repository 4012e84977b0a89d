/* Fuzz target: the file system core (fs/vfs.c, fs/ramfs_data.c), fed
 * paths and operations as the system calls will feed it from user space.
 *
 * The input is a list of operations: one byte naming it, then two
 * NUL-terminated paths (the second a symlink's target or a link's or
 * rename's new name), then for a write, truncate, read or listing an
 * offset and a length.  After each operation the whole tree must hold together: every
 * directory's link count 2 plus its subdirectories, its children's
 * parent itself, every other inode's link count the names it has, no
 * inode left with a reference nobody holds (an error path that forgot
 * to drop one).  At the end everything is removed again and every byte
 * the core allocated must have been given back.  An operation byte of
 * 0xf8 or more is no operation: it makes one of the next allocations
 * fail (the offset says which), so that every -ENOMEM path is walked
 * too and must leave the tree whole and nothing leaked. */
#include "fuzz.h"
#include "../host/host_rename.h"
#include <amphi/errno.h>
#include <amphi/fs.h>
#include "../host/host_unrename.h"

static long allocs;
/* Counts down allocations to the one that fails; 0: none fails. */
static unsigned int fail_in;
/* Whether an allocation failed during the current operation. */
static bool failed;

static bool alloc_fails(void)
{
	if (!fail_in || --fail_in)
		return false;
	failed = true;
	return true;
}

void *kmalloc(size_t n)
{
	if (alloc_fails())
		return NULL;
	allocs++;
	return malloc(n);
}

void kfree(void *p)
{
	if (p)
		allocs--;
	free(p);
}

static int locked;

void fs_lock(void)
{
	FUZZ_CHECK(!locked);
	locked = 1;
}

void fs_unlock(void)
{
	FUZZ_CHECK(locked);
	locked = 0;
}

void *fs_page_alloc(void)
{
	if (alloc_fails())
		return NULL;
	allocs++;
	return calloc(1, 4096);
}

void fs_page_free(void *p)
{
	kfree(p);
}

/* Whether a process maps the page, so that a write must copy it first:
 * here, when its first byte is odd, which the data written decides, so
 * the copy and its failed allocation are walked too.  Freeing the old
 * page then stands for dropping the file's reference to it. */
bool fs_page_shared(void *page)
{
	return *(const uint8_t *)page & 1;
}

#define MAX_INODES 512

static struct inode *seen[MAX_INODES];
static unsigned int names[MAX_INODES], nseen;

static void count_name(struct inode *ip)
{
	for (unsigned int i = 0; i < nseen; i++)
		if (seen[i] == ip) {
			names[i]++;
			return;
		}
	FUZZ_CHECK(nseen < MAX_INODES);
	seen[nseen] = ip;
	names[nseen++] = 1;
}

static void check_dir(struct inode *dir, int depth)
{
	unsigned int subdirs = 0;

	FUZZ_CHECK(depth < 256 && S_ISDIR(dir->mode) && dir->refs == 0);
	for (struct fs_dirent *d = dir->dir.entries; d; d = d->next) {
		FUZZ_CHECK(d->len > 0 && d->len <= FS_NAME_MAX && strlen(d->name) == d->len);
		FUZZ_CHECK(!memchr(d->name, '/', d->len));
		if (S_ISDIR(d->inode->mode)) {
			FUZZ_CHECK(d->inode->dir.parent == dir);
			subdirs++;
			check_dir(d->inode, depth + 1);
		} else {
			count_name(d->inode);
		}
	}
	FUZZ_CHECK(dir->nlink == 2 + subdirs);
}

static void check_tree(struct inode *root)
{
	nseen = 0;
	FUZZ_CHECK(root->refs == 2); /* the core's own, and ours */
	root->refs = 0;
	check_dir(root, 0);
	root->refs = 2;
	for (unsigned int i = 0; i < nseen; i++) {
		FUZZ_CHECK(seen[i]->nlink == names[i] && seen[i]->refs == 0);
		if (S_ISLNK(seen[i]->mode))
			FUZZ_CHECK(strlen(seen[i]->target) == seen[i]->size);
	}
}

/* Removes everything under dir, by name, as a user would. */
static void remove_all(struct inode *dir, char *path, size_t len)
{
	struct fs_dirent *d;

	while ((d = dir->dir.entries)) {
		size_t n = len + 1 + d->len;
		struct inode *ip = d->inode;

		FUZZ_CHECK(n < 8192);
		path[len] = '/';
		memcpy(path + len + 1, d->name, d->len + 1);
		if (S_ISDIR(ip->mode)) {
			remove_all(ip, path, n);
			path[n] = 0;
			FUZZ_CHECK(fs_rmdir(NULL, path) == 0);
		} else {
			FUZZ_CHECK(fs_unlink(NULL, path) == 0);
		}
		path[len] = 0;
	}
}

static const char *take_path(const uint8_t **data, size_t *size)
{
	const uint8_t *end = memchr(*data, 0, *size);
	const char *p = (const char *)*data;

	if (!end)
		return NULL;
	*size -= (size_t)(end + 1 - *data);
	*data = end + 1;
	return p;
}

static uint8_t buf[65536];

/* Every name a listing gives must be one a directory can hold. */
static bool fill(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	FUZZ_CHECK(len > 0 && len <= FS_NAME_MAX && strlen(name) == len);
	FUZZ_CHECK(!memchr(name, '/', len) && ino != 0 && (mode & S_IFMT));
	return --*(int *)arg > 0;
}

/* A listing from pos, stopping after room entries. */
static void list(struct inode *ip, uint16_t pos, uint16_t room)
{
	int left = room % 8 + 1;
	long n = fs_readdir(ip, pos % 16, fill, &left);
	struct fs_stat st;

	fs_stat(ip, &st);
	if (n == -ENOMEM)
		FUZZ_CHECK(failed);
	else
		FUZZ_CHECK(S_ISDIR(st.mode) ? n >= pos % 16 : n == -ENOTDIR);
}

/* getcwd's path of a directory: a short buffer or a removed directory
 * may refuse it, else it names the same directory from the root. */
static void dir_path(struct inode *ip, uint16_t room)
{
	char p[64];
	size_t size = room % sizeof(p);
	struct inode *back;
	long n = fs_dir_path(ip, p, size);

	if (n == -ENOTDIR || n == -ERANGE || n == -ENOENT)
		return;
	FUZZ_CHECK(n > 0 && (size_t)n <= size && p[0] == '/' && p[n - 1] == '\0');
	FUZZ_CHECK(!fs_lookup(NULL, p, 0, &back) && back == ip);
	inode_put(back);
}

static void run_op(uint8_t op, const char *a, const char *b, uint16_t off, uint16_t len)
{
	struct inode *ip;

	switch (op % 13) {
	case 0:
		fs_mknod(NULL, a, S_IFDIR | 0755, 0, 0, NULL);
		break;
	case 1:
		fs_mknod(NULL, a, S_IFREG | 0644, 0, 0, NULL);
		break;
	case 2:
		fs_symlink(NULL, b, a);
		break;
	case 3:
		fs_link(NULL, a, NULL, b);
		break;
	case 4:
		fs_unlink(NULL, a);
		break;
	case 5:
		fs_rmdir(NULL, a);
		break;
	case 6:
		fs_rename(NULL, a, NULL, b);
		break;
	default:
		if (fs_lookup(NULL, a, op & 0x80 ? FS_NOFOLLOW : 0, &ip))
			return;
		if (op % 13 == 7)
			fs_write(ip, off, buf, len);
		else if (op % 13 == 8)
			fs_truncate(ip, off);
		else if (op % 13 == 9)
			FUZZ_CHECK(fs_read(ip, off, buf, len) <= (long)len);
		else if (op % 13 == 12)
			list(ip, off, len), dir_path(ip, len);
		else if (op % 13 == 10)
			FUZZ_CHECK(fs_readlink(ip, (char *)buf, 64) <= 64);
		else
			fs_link_inode(NULL, b, ip);
		inode_put(ip);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct inode *root;
	static char path[8192];
	long base;

	if (!root) {
		FUZZ_CHECK(fs_init());
		root = fs_root();
	}
	base = allocs;
	while (size > 0) {
		uint8_t op = *data++;
		const char *a, *b;
		uint16_t nums[2] = {0, 0};

		size--;
		if (!(a = take_path(&data, &size)) || !(b = take_path(&data, &size)))
			break;
		fuzz_take(&data, &size, nums, sizeof(nums));
		if (op >= 0xf8)
			fail_in = nums[0] % 8 + 1;
		else
			run_op(op, a, b, nums[0], nums[1]);
		failed = false;
		check_tree(root);
	}
	fail_in = 0;
	path[0] = 0;
	remove_all(root, path, 0);
	check_tree(root);
	FUZZ_CHECK(allocs == base);
	return 0;
}
