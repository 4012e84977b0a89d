/*
 * The file system core (fs/vfs.c, namei.c, inode_ops.c, ramfs_data.c):
 * inodes in memory, the namespace of directories, and path lookup, as the
 * Linux system calls will need them: openat, mkdir, unlink, rename,
 * symlink, readlink, link, stat, truncate and getdents64 become a few
 * lines each over this.
 *
 * There is one file system, in memory (ramfs), filled from the initramfs
 * at boot.  Every function here takes the one fs lock (a mutex: thread
 * context only), so none may be called holding it.  Errors are Linux's
 * errno values, negated.
 *
 * References: an inode's refs counts who holds a pointer to it (a lookup's
 * result, an open file, a working directory); nlink counts the directory
 * entries naming it (plus a directory's "." and its children's "..").  It
 * is freed when both are 0.  Every inode a function hands back carries a
 * reference the caller drops with inode_put.
 */
#ifndef AMPHI_FS_H
#define AMPHI_FS_H
#include <amphi/types.h>

/* Linux's mode bits (st_mode). */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)

#define FS_NAME_MAX 255		 /* bytes in one name (NAME_MAX) */
#define FS_PATH_MAX 4096	 /* bytes in a path with its NUL (PATH_MAX) */
#define FS_SYMLINK_MAX 40	 /* symlinks followed in one lookup (Linux's ELOOP) */
#define FS_FILE_MAX (1ULL << 40) /* a regular file's largest size */

/* fs_lookup's flags. */
#define FS_NOFOLLOW 1 /* a symlink as the last component is the result */

struct inode;

struct fs_dirent {
	struct fs_dirent *next;
	struct inode *inode;
	uint16_t len;
	char name[]; /* NUL-terminated too */
};

/* A directory whose names are made when looked up rather than kept in a
 * list (/proc, fs/proc.c).  lookup runs with the fs lock held and returns
 * a new inode with one reference and no name (freed when it is put), or
 * NULL when there is no such name; readdir, without the lock, gives the
 * names from position pos on as fs_readdir does, "." and ".." included. */
typedef bool (*fs_filldir_fn)(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode);
struct fs_dyn_dir {
	struct inode *(*lookup)(struct inode *dir, const char *name, size_t len);
	long (*readdir)(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg);
};

struct inode {
	uint64_t ino;
	uint32_t mode, uid, gid, nlink;
	uint32_t rdev_major, rdev_minor; /* character and block devices */
	uint64_t mtime, atime;		 /* seconds */
	uint32_t mtime_nsec, atime_nsec;
	uint64_t size; /* regular file: bytes; symlink: the target's length */
	unsigned int refs;
	const struct fs_dyn_dir *dyn; /* a directory of made-up names, or NULL */
	int dyn_id;		      /* what it is about (/proc/PID: the pid) */
	union {
		struct {
			struct fs_dirent *entries;
			struct inode *parent; /* NULL once removed */
		} dir;
		struct {
			uint8_t **pages; /* a page per PAGE_SIZE bytes, NULL: zeros */
			size_t npages;	 /* room in pages[] */
		} file;
		char *target; /* symlink */
	};
};

struct fs_stat {
	uint64_t ino, size, mtime, atime;
	uint32_t mtime_nsec, atime_nsec;
	uint32_t mode, uid, gid, nlink, rdev_major, rdev_minor;
};

/* The root directory exists from fs_init on (fs/vfs.c). */
bool fs_init(void);	     /* false without memory for it */
struct inode *fs_root(void); /* a reference, like every lookup */
void inode_get(struct inode *ip);
void inode_put(struct inode *ip);

/* path from dir (NULL: the root; an absolute path starts at the root). */
int fs_lookup(struct inode *dir, const char *path, unsigned int flags, struct inode **out);
/* Creates a directory, regular file, device node or fifo (mode's type
 * bits say which), owned by root; *out, when asked, gets it. */
int fs_mknod(struct inode *dir, const char *path, uint32_t mode, uint32_t major, uint32_t minor,
	     struct inode **out);
int fs_symlink(struct inode *dir, const char *target, const char *path);
/* A new name for an inode: link(2) with an inode in hand. */
int fs_link_inode(struct inode *dir, const char *path, struct inode *ip);
int fs_link(struct inode *olddir, const char *oldpath, struct inode *newdir, const char *newpath);
int fs_unlink(struct inode *dir, const char *path);
int fs_rmdir(struct inode *dir, const char *path);
int fs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir, const char *newpath);
/* The target of a symlink into buf (not terminated); its length. */
long fs_readlink(struct inode *ip, char *buf, size_t size);
void fs_stat(struct inode *ip, struct fs_stat *st);
int fs_chmod(struct inode *ip, uint32_t mode);
/* Owners and a time for both atime and mtime (the initramfs's). */
void fs_setattr(struct inode *ip, uint32_t uid, uint32_t gid, uint64_t mtime);
/* chown: an owner of -1 stays as it is. */
void fs_chown(struct inode *ip, uint32_t uid, uint32_t gid);
/* utimensat: times[0] atime, times[1] mtime, as seconds and nanoseconds;
 * a NULL side stays as it is. */
void fs_set_times(struct inode *ip, const uint64_t *atime, const uint64_t *mtime);
/* The absolute path of what path names from dir, every symlink followed,
 * into buf, NUL-terminated (realpath(3)): its length with the NUL, or an
 * error (-ERANGE if size is short). */
long fs_realpath(struct inode *dir, const char *path, char *buf, size_t size);
/* The absolute path of a directory into buf, NUL-terminated: its length
 * with the NUL, -ENOENT once it is removed, -ERANGE if size is short. */
long fs_dir_path(struct inode *dir, char *buf, size_t size);

/* Regular files: bytes read or written, or an error. */
long fs_read(struct inode *ip, uint64_t off, void *buf, size_t len);
long fs_write(struct inode *ip, uint64_t off, const void *buf, size_t len);
int fs_truncate(struct inode *ip, uint64_t size);

/* Directory entries from position pos on ("." is 0, ".." 1, then the
 * entries): fn is called for each until it returns false (not under the
 * fs lock: the names are copied first).  The position after the last one
 * given, or an error. */
long fs_readdir(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg);

/* What the core needs from around it (fs/fs_glue.c in the kernel, the
 * host test's own versions on the host): the one lock, and zeroed pages
 * for file data. */
void fs_lock(void);
void fs_unlock(void);
void *fs_page_alloc(void);
/* A page the file lets go of: freed, or left to the processes that map
 * it (fs_page_shared), the last of which frees it. */
void fs_page_free(void *page);
/* Is the page mapped by a process too (fs_map_page)?  Then the file does
 * not write it in place: it takes a copy, and the mappings keep the
 * bytes they had. */
bool fs_page_shared(void *page);
/* A new inode with one reference and no name, for a dyn directory's
 * lookup (fs lock held); a regular file gets its data with ramfs_write. */
struct inode *fs_inode_new_locked(uint32_t mode);
void fs_inode_put_locked(struct inode *ip);
/* fs/proc.c: /proc, made (or taken from the initramfs) and marked. */
void proc_init(void);

/* fs/ramfs_data.c, called with the fs lock held (by inode_ops.c). */
long ramfs_read(struct inode *ip, uint64_t off, void *buf, size_t len);
long ramfs_write(struct inode *ip, uint64_t off, const void *buf, size_t len);
int ramfs_truncate(struct inode *ip, uint64_t size);
void ramfs_free_data(struct inode *ip);
/* The page of a regular file at page index i, NULL for a hole or past
 * its pages (fs lock held). */
void *ramfs_page_at(struct inode *ip, uint64_t i);

/* A regular file's page i handed to map (which maps it into a process
 * and so takes its own share of it), under the fs lock, so that the file
 * cannot let go of it meanwhile: map's result, or 1 when there is no such
 * page (a hole, past the end, not a regular file) to map. */
int fs_map_page(struct inode *ip, uint64_t i, int (*map)(void *arg, void *page), void *arg);

struct boot_info;
/* fs/initramfs.c: the root, filled from the boot module if there is one,
 * with /dev's nodes; the module's pages freed after. */
void initramfs_init(struct boot_info *bi);
/* What the unpacking did, for the selftest and the shell. */
struct initramfs_stats {
	bool given;
	uint64_t bytes;
	unsigned int dirs, files, symlinks, links, nodes, failed;
	const char *error; /* the archive's problem, NULL if none */
	uint64_t error_at;
	uint64_t frames_freed;
};
extern struct initramfs_stats initramfs_stats;

#endif
