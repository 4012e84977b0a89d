/*
 * The unpacked test initramfs (tests/initramfs/mkinitramfs.sh says what
 * it holds): every kind of entry arrived with its contents, mode bits,
 * links and target, busybox byte for byte (its SHA-256 against the one
 * the build computed on the host), and the module's pages went back to
 * the allocator.  A boot without a module skips, saying so; a boot with
 * another archive than the test's fails on the first thing missing.
 */
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/selftest.h>
#include <amphi/sha256.h>
#include <amphi/string.h>

/* tests/initramfs/testdir/hello.txt */
static const char hello[] = "Hello from the Amphi test initramfs.\n"
			    "Second line, with a tab:\tend.\n";

static struct inode *find(const char *path, unsigned int flags)
{
	struct inode *ip = NULL;

	if (fs_lookup(NULL, path, flags, &ip))
		return NULL;
	inode_put(ip); /* the tree holds it while the test runs */
	return ip;
}

/* The file's bytes hashed, page by page. */
static bool file_sha256(struct inode *ip, char hex[2 * SHA256_DIGEST_SIZE + 1])
{
	uint8_t *buf = kmalloc(PAGE_SIZE), digest[SHA256_DIGEST_SIZE];
	struct sha256 s;
	uint64_t off = 0;
	long n;

	if (!buf)
		return false;
	sha256_init(&s);
	while ((n = fs_read(ip, off, buf, PAGE_SIZE)) > 0) {
		sha256_update(&s, buf, (size_t)n);
		off += (uint64_t)n;
	}
	kfree(buf);
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	return n == 0 && off == ip->size;
}

static bool has_contents(const char *path, const char *want, size_t len)
{
	char buf[128];
	struct inode *ip = find(path, 0);

	return ip && S_ISREG(ip->mode) && ip->size == len && len <= sizeof(buf) &&
	       fs_read(ip, 0, buf, sizeof(buf)) == (long)len && !memcmp(buf, want, len);
}

static const char *check_testdir(void)
{
	struct inode *dir = find("/testdir", 0), *f = find("/testdir/hello.txt", 0);
	struct inode *sym = find("/testdir/hello-sym", FS_NOFOLLOW);
	char target[16];

	if (!dir || !S_ISDIR(dir->mode) || (dir->mode & 07777) != 0750)
		return "/testdir is missing, not a directory or not mode 0750";
	if (!has_contents("/testdir/hello.txt", hello, sizeof(hello) - 1))
		return "/testdir/hello.txt does not hold the tree's text";
	if ((f->mode & 07777) != 0644)
		return "/testdir/hello.txt is not mode 0644";
	if (find("/testdir/hello-link", 0) != f || f->nlink != 2)
		return "/testdir/hello-link is not a second name of hello.txt (nlink 2)";
	if (!sym || !S_ISLNK(sym->mode) || fs_readlink(sym, target, sizeof(target)) != 9 ||
	    memcmp(target, "hello.txt", 9) || find("/testdir/hello-sym", 0) != f)
		return "/testdir/hello-sym is not a symlink to hello.txt";
	if (!has_contents("/testdir/empty", "", 0))
		return "/testdir/empty is not an empty file";
	return NULL;
}

static const char *check_busybox(void)
{
	struct inode *bb = find("/bin/busybox", 0);
	char want[2 * SHA256_DIGEST_SIZE + 1] = "", got[2 * SHA256_DIGEST_SIZE + 1];
	struct inode *sum = find("/testdir/busybox.sha256", 0);

	if (!bb || !S_ISREG(bb->mode) || (bb->mode & 0111) != 0111)
		return "/bin/busybox is missing, not a file or not executable";
	if (!sum || fs_read(sum, 0, want, 64) != 64)
		return "/testdir/busybox.sha256 is missing or short";
	if (!file_sha256(bb, got) || memcmp(got, want, 64))
		return "/bin/busybox's SHA-256 is not the one the build computed";
	for (const char *const *a = (const char *const[]){"/bin/sh", "/bin/ls", "/bin/cat", NULL};
	     *a; a++)
		if (find(*a, 0) != bb || !S_ISLNK(find(*a, FS_NOFOLLOW)->mode))
			return "an applet (sh, ls, cat) is not a symlink to busybox";
	return NULL;
}

static const char *check_dev(void)
{
	struct inode *c = find("/dev/console", 0), *z = find("/dev/zero", 0);

	if (!c || !S_ISCHR(c->mode) || c->rdev_major != 5 || c->rdev_minor != 1)
		return "/dev/console is not character device 5:1";
	if (!z || !S_ISCHR(z->mode) || z->rdev_major != 1 || z->rdev_minor != 5)
		return "/dev/zero is not character device 1:5";
	if (!find("/dev/null", 0) || !find("/dev/urandom", 0))
		return "/dev/null or /dev/urandom is missing";
	return NULL;
}

SELFTEST(initramfs)
{
	const struct initramfs_stats *s = &initramfs_stats;
	const char *why;

	if (!s->given)
		return selftest_skip(ctx, "the boot gave no module (no initramfs)");
	if (s->error || s->failed)
		return selftest_fail(ctx, "unpacking: %s at %lu, %u entries failed",
				     s->error ? s->error : "no archive error", s->error_at,
				     s->failed);
	if ((why = check_testdir()) || (why = check_busybox()) || (why = check_dev()))
		return selftest_fail(ctx, "%s", why);
	if (s->frames_freed < s->bytes / PAGE_SIZE - 1)
		return selftest_fail(ctx, "%lu frames of a %lu-byte module given back",
				     s->frames_freed, s->bytes);
	return selftest_pass(ctx,
			     "%lu bytes: %u dirs, %u files, %u symlinks, %u links; busybox's "
			     "SHA-256 matches; %lu frames freed",
			     s->bytes, s->dirs, s->files, s->symlinks, s->links, s->frames_freed);
}
