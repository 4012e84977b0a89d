/*
 * The file system seen from the console shell: `ls [PATH]` (mode, links,
 * size or device numbers, name, a symlink's target) and `cat PATH`.
 * Debug surfaces over the same calls the system calls will make.
 */
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>

/* "drwxr-xr-x" for a mode. */
static void mode_string(uint32_t mode, char out[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";

	out[0] = types[(mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
	out[10] = '\0';
}

static void ls_one(const char *name, struct inode *ip)
{
	struct fs_stat st;
	char mode[11], target[FS_NAME_MAX + 1];
	long n;

	fs_stat(ip, &st);
	mode_string(st.mode, mode);
	if (S_ISCHR(st.mode) || S_ISBLK(st.mode))
		kprintf("%s %3u %4u, %4u %s", mode, st.nlink, st.rdev_major, st.rdev_minor, name);
	else
		kprintf("%s %3u %10lu %s", mode, st.nlink, st.size, name);
	if (S_ISLNK(st.mode) && (n = fs_readlink(ip, target, sizeof(target) - 1)) >= 0)
		kprintf(" -> %.*s", (int)n, target);
	kprintf("\n");
}

struct ls_walk {
	struct inode *dir;
};

static bool ls_entry(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	struct ls_walk *w = arg;
	struct inode *ip;

	if (fs_lookup(w->dir, name, FS_NOFOLLOW, &ip) == 0) {
		ls_one(name, ip);
		inode_put(ip);
	}
	return true;
}

SHELL_CMD(ls, "ls [PATH]: list a directory of the file system")
{
	const char *path = argc > 1 ? argv[1] : "/";
	struct inode *ip;
	int rc = fs_lookup(NULL, path, 0, &ip);

	if (rc) {
		kprintf("ls: %s: error %d\n", path, rc);
		return 1;
	}
	if (S_ISDIR(ip->mode)) {
		struct ls_walk w = {ip};

		fs_readdir(ip, 0, ls_entry, &w);
	} else {
		ls_one(path, ip);
	}
	inode_put(ip);
	return 0;
}

SHELL_CMD(cat, "cat PATH: print a file of the file system")
{
	static char buf[512];
	struct inode *ip;
	uint64_t off = 0;
	long n;
	int rc;

	if (argc != 2) {
		kprintf("usage: cat PATH\n");
		return 1;
	}
	if ((rc = fs_lookup(NULL, argv[1], 0, &ip))) {
		kprintf("cat: %s: error %d\n", argv[1], rc);
		return 1;
	}
	while ((n = fs_read(ip, off, buf, sizeof(buf))) > 0) {
		kprintf("%.*s", (int)n, buf);
		off += (uint64_t)n;
	}
	inode_put(ip);
	if (n < 0)
		kprintf("cat: %s: error %ld\n", argv[1], n);
	return n < 0;
}
