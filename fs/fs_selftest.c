/*
 * The ramfs in the running kernel, under the real fs mutex and page
 * allocator (the host tests run the same core on malloc): a scratch
 * directory is filled, read, linked, renamed and emptied again, and a
 * file's pages are seen leaving and coming back to the frame allocator.
 */
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/string.h>

#define SCRATCH "/selftest-fs"
#define FILE_BYTES (5 * PAGE_SIZE + 10)

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 12));
}

/* Writes FILE_BYTES in odd-sized pieces, reads them back whole. */
static const char *check_data(struct inode *ip)
{
	uint8_t *buf = kmalloc(FILE_BYTES);
	const char *why = NULL;

	if (!buf)
		return "no memory for the buffer";
	for (uint64_t i = 0; i < FILE_BYTES; i++)
		buf[i] = pattern(i);
	for (uint64_t off = 0; off < FILE_BYTES && !why; off += 1000)
		if (fs_write(ip, off, buf + off, MIN(1000, FILE_BYTES - off)) !=
		    (long)MIN(1000, FILE_BYTES - off))
			why = "a write came short";
	memset(buf, 0, FILE_BYTES);
	if (!why && (fs_read(ip, 0, buf, FILE_BYTES) != FILE_BYTES || ip->size != FILE_BYTES))
		why = "the read back came short";
	for (uint64_t i = 0; i < FILE_BYTES && !why; i++)
		if (buf[i] != pattern(i))
			why = "the read back differs from what was written";
	kfree(buf);
	return why;
}

/* Truncating the file gives its six pages back. */
static const char *check_pages_freed(struct inode *ip, uint64_t *freed)
{
	uint64_t before = frames.nfree;

	if (fs_truncate(ip, 0))
		return "truncate failed";
	*freed = frames.nfree - before;
	return *freed >= 6 ? NULL : "truncating did not give the file's pages back";
}

static const char *check_names(void)
{
	struct inode *a, *b;
	int rc;

	if (fs_symlink(NULL, "file", SCRATCH "/sym") || fs_symlink(NULL, "loop", SCRATCH "/loop"))
		return "symlink failed";
	if (fs_lookup(NULL, SCRATCH "/sym", 0, &a))
		return "the symlink does not lead to the file";
	rc = fs_lookup(NULL, SCRATCH "/file", 0, &b);
	inode_put(a);
	if (rc || a != b)
		return "the symlink leads elsewhere";
	inode_put(b);
	if (fs_lookup(NULL, SCRATCH "/loop", 0, &a) != -ELOOP)
		return "a symlink to itself is not ELOOP";
	if (fs_link(NULL, SCRATCH "/file", NULL, SCRATCH "/sub/hard") || b->nlink != 2)
		return "a hard link into sub/ failed or nlink is not 2";
	if (fs_rmdir(NULL, SCRATCH "/sub") != -ENOTEMPTY)
		return "rmdir of a non-empty directory is not ENOTEMPTY";
	if (fs_rename(NULL, SCRATCH "/sub/hard", NULL, SCRATCH "/moved") ||
	    fs_lookup(NULL, SCRATCH "/moved", 0, &a))
		return "rename failed";
	inode_put(a);
	if (a != b)
		return "the renamed name leads elsewhere";
	return NULL;
}

static const char *cleanup(void)
{
	static const char *const names[] = {"/file", "/sym", "/loop", "/moved"};
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		strlcpy(path, SCRATCH, sizeof(path));
		strlcpy(path + strlen(SCRATCH), names[i], sizeof(path) - strlen(SCRATCH));
		if (fs_unlink(NULL, path))
			return "unlink failed";
	}
	if (fs_rmdir(NULL, SCRATCH "/sub") || fs_rmdir(NULL, SCRATCH))
		return "rmdir failed";
	return NULL;
}

SELFTEST(ramfs)
{
	struct inode *ip;
	uint64_t freed = 0;
	const char *why;

	if (fs_mknod(NULL, SCRATCH, S_IFDIR | 0700, 0, 0, NULL) ||
	    fs_mknod(NULL, SCRATCH "/sub", S_IFDIR | 0700, 0, 0, NULL))
		return selftest_error(ctx, "cannot make " SCRATCH);
	if (fs_mknod(NULL, SCRATCH "/file", S_IFREG | 0600, 0, 0, &ip))
		return selftest_error(ctx, "cannot make a file");
	why = check_data(ip);
	if (!why)
		why = check_pages_freed(ip, &freed);
	inode_put(ip);
	if (!why)
		why = check_names();
	if (!why)
		why = cleanup();
	if (why)
		return selftest_fail(ctx, "%s", why);
	if (fs_lookup(NULL, SCRATCH, 0, &ip) != -ENOENT)
		return selftest_fail(ctx, SCRATCH " is still there");
	return selftest_pass(ctx,
			     "%lu bytes written and read back, %lu frames back on truncate; "
			     "symlinks, ELOOP, hard link, rename, rmdir",
			     (uint64_t)FILE_BYTES, freed);
}
