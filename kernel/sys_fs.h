/*
 * What the system calls on files share (kernel/sys_io.c, sys_fs.c,
 * sys_poll.c): the caller's open file by number, Linux's struct stat, a
 * read or write between a file and user memory.
 */
#ifndef KERNEL_SYS_FS_H
#define KERNEL_SYS_FS_H
#include <amphi/file.h>


/* The calling process's open file at fd, with a reference, or NULL. */
struct file *sys_fd_get(uint64_t fd);
/* struct stat of x86-64 (144 bytes) to user memory: 0 or -EFAULT. */
long stat_to_user(const struct fs_stat *st, uint64_t ubuf);
/* n bytes between f and user memory at ubuf: at *ppos, or at the file's
 * own offset when ppos is NULL.  -EBADF when f is not open for it. */
long file_rw_user(struct file *f, bool write, uint64_t ubuf, size_t n, uint64_t *ppos);
/* The directory a relative path starts from (the working directory for
 * AT_FDCWD, else dirfd's), held: 0, -ENOENT for "", -EBADF, -ENOTDIR. */
long sys_at_dir(uint64_t dirfd, const char *path, struct inode **out);
/* The inode path (kernel memory) names from dirfd, held; with empty_ok
 * and "", dirfd's own (AT_EMPTY_PATH). */
long sys_at_lookup_path(uint64_t dirfd, const char *path, unsigned int fsflags, bool empty_ok,
			struct inode **out);

#endif
