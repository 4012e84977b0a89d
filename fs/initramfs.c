/*
 * The initramfs: the boot module, a newc cpio archive (lib/cpio.c), unpacked
 * into the root of the ramfs, as Linux unpacks its own: directories,
 * regular files, symlinks (busybox's applets are symlinks to it), device
 * nodes and fifos, their mode bits, owners and times kept; hard links
 * found as Linux finds them, by inode number with nlink above 1, the data
 * coming with the last of the names.  A name that exists already is
 * replaced.  A bad archive is reported with its reason and offset and what
 * came before it kept; an entry that cannot be made is said and skipped.
 * Then /dev's console, null, zero, urandom and tty are made if the archive
 * did not bring them, and the module's pages go back to the allocator:
 * everything was copied.
 */
#include <amphi/boot.h>
#include <amphi/cpio.h>
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>

struct initramfs_stats initramfs_stats;

#define FAILURES_SAID 8

/* A regular file with more than one name, until its last name came. */
struct hardlink {
	uint32_t major, minor, ino;
	struct inode *ip;
};

struct unpack {
	struct hardlink *links;
	size_t nlinks, room;
};

static void entry_failed(const struct cpio_entry *e, const char *what, long rc)
{
	if (initramfs_stats.failed++ < FAILURES_SAID)
		pr_warn("initramfs: %s: %s failed (%ld)\n", e->name, what, rc);
}

static struct hardlink *hardlink_find(struct unpack *u, const struct cpio_entry *e)
{
	for (size_t i = 0; i < u->nlinks; i++) {
		struct hardlink *h = &u->links[i];

		if (h->ino == e->ino && h->major == e->devmajor && h->minor == e->devminor)
			return h;
	}
	return NULL;
}

static void hardlink_add(struct unpack *u, const struct cpio_entry *e, struct inode *ip)
{
	if (u->nlinks == u->room) {
		size_t room = u->room ? 2 * u->room : 16;
		struct hardlink *links = kmalloc(room * sizeof(*links));

		if (!links)
			return;
		if (u->links)
			memcpy(links, u->links, u->nlinks * sizeof(*links));
		kfree(u->links);
		u->links = links;
		u->room = room;
	}
	inode_get(ip);
	u->links[u->nlinks++] = (struct hardlink){e->devmajor, e->devminor, e->ino, ip};
}

/* Makes the name, replacing what had it (as Linux's unpacker does). */
static int make(const struct cpio_entry *e, uint32_t major, uint32_t minor, struct inode **ip)
{
	int rc = fs_mknod(NULL, e->name, e->mode, major, minor, ip);
	struct inode *old;
	bool was_dir;

	if (rc != -EEXIST || fs_lookup(NULL, e->name, FS_NOFOLLOW, &old))
		return rc;
	was_dir = S_ISDIR(old->mode);
	if (was_dir && S_ISDIR(e->mode)) {
		*ip = old; /* "." or a directory given twice: its mode is set */
		return 0;
	}
	inode_put(old);
	if (was_dir ? fs_rmdir(NULL, e->name) : fs_unlink(NULL, e->name))
		return rc;
	return fs_mknod(NULL, e->name, e->mode, major, minor, ip);
}

static void unpack_data(const struct cpio_entry *e, struct inode *ip)
{
	long n = e->size ? fs_write(ip, 0, e->data, e->size) : 0;

	if (n != (long)e->size)
		entry_failed(e, "writing its data", n);
}

static void unpack_file(struct unpack *u, const struct cpio_entry *e)
{
	struct hardlink *h = e->nlink > 1 ? hardlink_find(u, e) : NULL;
	struct inode *ip;
	int rc;

	if (h) {
		if ((rc = fs_link_inode(NULL, e->name, h->ip))) {
			entry_failed(e, "linking", rc);
			return;
		}
		initramfs_stats.links++;
		if (e->size)
			unpack_data(e, h->ip);
		return;
	}
	if ((rc = make(e, 0, 0, &ip))) {
		entry_failed(e, "creating", rc);
		return;
	}
	initramfs_stats.files++;
	unpack_data(e, ip);
	if (e->nlink > 1)
		hardlink_add(u, e, ip);
	fs_setattr(ip, e->uid, e->gid, e->mtime);
	inode_put(ip);
}

static void unpack_symlink(const struct cpio_entry *e)
{
	char *target;
	int rc = e->size >= FS_PATH_MAX ? -ENAMETOOLONG : -ENOMEM;

	if (rc == -ENAMETOOLONG || !(target = kmalloc(e->size + 1))) {
		entry_failed(e, "reading its target", rc);
		return;
	}
	memcpy(target, e->data, e->size);
	target[e->size] = '\0';
	rc = fs_symlink(NULL, target, e->name);
	if (rc == -EEXIST && !fs_unlink(NULL, e->name))
		rc = fs_symlink(NULL, target, e->name);
	kfree(target);
	if (rc) {
		entry_failed(e, "creating the symlink", rc);
		return;
	}
	initramfs_stats.symlinks++;
}

static void unpack_other(const struct cpio_entry *e)
{
	bool dir = S_ISDIR(e->mode);
	struct inode *ip;
	int rc = make(e, e->rdevmajor, e->rdevminor, &ip);

	if (rc) {
		entry_failed(e, dir ? "creating the directory" : "creating the node", rc);
		return;
	}
	fs_chmod(ip, e->mode);
	fs_setattr(ip, e->uid, e->gid, e->mtime);
	inode_put(ip);
	if (dir)
		initramfs_stats.dirs++;
	else
		initramfs_stats.nodes++;
}

static void unpack_entry(const struct cpio_entry *e, void *arg)
{
	switch (e->mode & S_IFMT) {
	case S_IFREG:
		unpack_file(arg, e);
		break;
	case S_IFLNK:
		unpack_symlink(e);
		break;
	case S_IFDIR:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		unpack_other(e);
		break;
	default:
		entry_failed(e, "an unknown file type", -EINVAL);
	}
}

static void unpack(const uint8_t *buf, uint64_t len)
{
	struct unpack u = {0};
	size_t where;

	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		initramfs_stats.error = "compressed (gzip): give an uncompressed newc archive";
		return;
	}
	initramfs_stats.error = cpio_parse(buf, len, unpack_entry, &u, &where);
	initramfs_stats.error_at = where;
	for (size_t i = 0; i < u.nlinks; i++)
		inode_put(u.links[i].ip);
	kfree(u.links);
}

/* The nodes a Linux user space expects to find (Linux's numbers). */
static const struct {
	const char *path;
	uint32_t mode, major, minor;
} dev_nodes[] = {
    {"/dev/console", S_IFCHR | 0600, 5, 1}, {"/dev/null", S_IFCHR | 0666, 1, 3},
    {"/dev/zero", S_IFCHR | 0666, 1, 5},    {"/dev/urandom", S_IFCHR | 0666, 1, 9},
    {"/dev/tty", S_IFCHR | 0666, 5, 0},
};

static void make_dev_nodes(void)
{
	int rc = fs_mknod(NULL, "/dev", S_IFDIR | 0755, 0, 0, NULL);

	if (rc && rc != -EEXIST)
		pr_err("initramfs: /dev: %d\n", rc);
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		rc = fs_mknod(NULL, dev_nodes[i].path, dev_nodes[i].mode, dev_nodes[i].major,
			      dev_nodes[i].minor, NULL);
		if (rc && rc != -EEXIST)
			pr_err("initramfs: %s: %d\n", dev_nodes[i].path, rc);
	}
}

static void initramfs_report(void)
{
	const struct initramfs_stats *s = &initramfs_stats;

	pr_info("initramfs: %lu bytes: %u directories, %u files, %u symlinks, %u hard links, "
		"%u nodes; %lu frames freed\n",
		s->bytes, s->dirs, s->files, s->symlinks, s->links, s->nodes, s->frames_freed);
	if (s->error)
		pr_err("initramfs: %s (at offset %lu): what came before it is kept\n", s->error,
		       s->error_at);
	if (s->failed)
		pr_err("initramfs: %u entries could not be made\n", s->failed);
}

void initramfs_init(struct boot_info *bi)
{
	const struct boot_module *mod = &bi->module;

	if (!fs_init())
		panic("fs: no memory for the root directory");
	if (mod->len && !mm_is_mapped(mod->paddr, mod->len)) {
		pr_err("initramfs: the module at %#lx is not mapped: ignored\n", mod->paddr);
	} else if (mod->len) {
		initramfs_stats.given = true;
		initramfs_stats.bytes = mod->len;
		unpack(__va(mod->paddr), mod->len);
		initramfs_stats.frames_freed = mm_release_module(bi);
		initramfs_report();
	} else {
		pr_info("initramfs: none given (%s)\n",
			bi->nmodules ? "the boot module was refused" : "no boot module");
	}
	make_dev_nodes();
	proc_init();
}
