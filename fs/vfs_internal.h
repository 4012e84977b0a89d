/*
 * What fs/vfs.c shares with the name operations (fs/namei.c) and the
 * inode operations (fs/inode_ops.c) of the same core: the root, reference
 * counting, directory entries and the resolution of a path's last
 * component.  All of it is called with the fs lock held.  Not for use
 * outside fs/: the rest of the kernel has include/amphi/fs.h.
 */
#ifndef FS_VFS_INTERNAL_H
#define FS_VFS_INTERNAL_H
#include <amphi/fs.h>

extern struct inode *vfs_root;

/* A new inode with one reference (the caller's) and no name yet. */
struct inode *vfs_inode_new(uint32_t mode);
void vfs_iget(struct inode *ip);
/* Frees the inode once it has neither references nor names. */
void vfs_iput(struct inode *ip);
bool vfs_is_dot(const char *name, size_t len);
bool vfs_is_dotdot(const char *name, size_t len);
/* The link to dir's entry of that name, NULL if none. */
struct fs_dirent **vfs_dir_find(struct inode *dir, const char *name, size_t len);
/* One step from dir: ".", "..", an entry or a dyn directory's made-up
 * name: the inode, held, or NULL. */
struct inode *vfs_dir_step(struct inode *dir, const char *name, size_t len);
struct fs_dirent *vfs_dirent_new(const char *name, size_t len, struct inode *ip);
/* Appends an entry to dir and counts the links it makes. */
void vfs_dir_insert(struct inode *dir, struct fs_dirent *d);
/* Takes the entry *pp out of dir; its inode goes when nothing holds it. */
void vfs_dir_remove(struct inode *dir, struct fs_dirent **pp);

/* Where a name is to be made or removed: the directory holding the last
 * component (held) and that component; name_len 0 for "/". */
struct fs_parent {
	struct inode *dir;
	const char *name;
	size_t len;
	bool trailing; /* the path ended with a slash */
};

/* Resolves all of path but its last component, from dir (NULL: the
 * root): pa->dir held on success. */
int vfs_parent_locked(struct inode *dir, const char *path, struct fs_parent *pa);

#endif
