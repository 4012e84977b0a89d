/*
 * The file system calls as a program sees them through Debian's glibc,
 * linked -static-pie (as hello_glibc is): descriptors, open and its flags,
 * stat and its layout, directories, names, links, the working directory,
 * attributes, pipes, devices, poll and select, each with the errors Linux
 * gives (EBADF, ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EFAULT,
 * EINVAL...).  Most calls go through syscall(2) by number, so that each
 * system call is the one tested whatever glibc's wrapper would pick.
 * Everything happens under /ftest, made at the start and removed at the
 * end.  One line per check, "ok NAME" or "FAIL NAME: ...", then
 * "files: N checks, M failed"; the exit status is 0 only when none failed.
 * With the argument "bin" it also lists /bin of the test initramfs and
 * reads an applet's symlink.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)0x1000) /* below every program: never mapped */
/* The kernel's O_LARGEFILE, which glibc's headers make 0 on x86-64. */
#define K_O_LARGEFILE 0100000

static int checks, failed;

static void check(const char *name, int ok, long ret)
{
	checks++;
	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	failed++;
	printf("FAIL %s: returned %ld, errno %d (%s)\n", name, ret, errno, strerror(errno));
}

/* ret must be -1 with errno e. */
static void check_err(const char *name, long ret, int e)
{
	int ok = ret == -1 && errno == e;

	check(name, ok, ret);
}

/* ret must be at least 0 / exactly want (each evaluated once). */
static void OK(const char *name, long ret)
{
	check(name, ret >= 0, ret);
}

static void IS(const char *name, long ret, long want)
{
	check(name, ret == want, ret);
}

static long sys_open(const char *p, int fl, int mode)
{
	return syscall(SYS_open, p, fl, mode);
}

static long st(const char *p, struct stat *s)
{
	return syscall(SYS_stat, p, s);
}

static void write_file(const char *p, const char *text)
{
	long fd = sys_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	syscall(SYS_write, fd, text, strlen(text));
	syscall(SYS_close, fd);
}

static void test_open(void)
{
	char buf[64];
	struct stat s;
	long fd, fd2;

	check_err("open missing: ENOENT", sys_open("/ftest/none", O_RDONLY, 0), ENOENT);
	fd = sys_open("/ftest/a", O_RDWR | O_CREAT | O_EXCL, 0644);
	IS("open O_CREAT|O_EXCL gives the lowest free fd, 3", fd, 3);
	IS("write 5 bytes", syscall(SYS_write, fd, "hello", 5), 5);
	IS("lseek SEEK_SET 0", syscall(SYS_lseek, fd, 0, SEEK_SET), 0);
	IS("read them back", syscall(SYS_read, fd, buf, sizeof(buf)), 5);
	check("the bytes are the ones written", !memcmp(buf, "hello", 5), 0);
	IS("read at end of file: 0", syscall(SYS_read, fd, buf, sizeof(buf)), 0);
	check_err("write from a bad buffer: EFAULT", syscall(SYS_write, fd, BAD, 4), EFAULT);
	syscall(SYS_lseek, fd, 0, SEEK_SET);
	check_err("read of data into a bad buffer: EFAULT", syscall(SYS_read, fd, BAD, 4), EFAULT);
	IS("close", syscall(SYS_close, fd), 0);
	check_err("close again: EBADF", syscall(SYS_close, fd), EBADF);
	check_err("read of a closed fd: EBADF", syscall(SYS_read, fd, buf, 1), EBADF);
	check_err("O_CREAT|O_EXCL of an existing file: EEXIST",
		  sys_open("/ftest/a", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	check_err("O_DIRECTORY on a file: ENOTDIR", sys_open("/ftest/a", O_RDONLY | O_DIRECTORY, 0),
		  ENOTDIR);
	check_err("a file as a directory in a path: ENOTDIR", sys_open("/ftest/a/x", O_RDONLY, 0),
		  ENOTDIR);
	check_err("a directory opened for writing: EISDIR", sys_open("/ftest", O_WRONLY, 0), EISDIR);
	check_err("open with a bad path pointer: EFAULT", sys_open(BAD, O_RDONLY, 0), EFAULT);
	char *longp = malloc(5000);
	memset(longp, 'a', 4999);
	longp[0] = '/', longp[4999] = 0;
	check_err("a path of 5000 bytes: ENAMETOOLONG", sys_open(longp, O_RDONLY, 0), ENAMETOOLONG);
	free(longp);
	check_err("open of an empty path: ENOENT", sys_open("", O_RDONLY, 0), ENOENT);

	fd = sys_open("/ftest/a", O_RDONLY, 0);
	check_err("write to an O_RDONLY fd: EBADF", syscall(SYS_write, fd, "x", 1), EBADF);
	syscall(SYS_close, fd);
	fd = sys_open("/ftest/a", O_WRONLY | O_TRUNC, 0);
	syscall(SYS_fstat, fd, &s);
	IS("O_TRUNC empties the file", s.st_size, 0);
	check_err("read from an O_WRONLY fd: EBADF", syscall(SYS_read, fd, buf, 1), EBADF);
	syscall(SYS_write, fd, "12345", 5);
	syscall(SYS_close, fd);
	fd = sys_open("/ftest/a", O_WRONLY | O_APPEND, 0);
	syscall(SYS_lseek, fd, 0, SEEK_SET);
	syscall(SYS_write, fd, "678", 3);
	syscall(SYS_fstat, fd, &s);
	IS("O_APPEND writes at the end whatever the offset", s.st_size, 8);
	IS("F_GETFL says O_WRONLY|O_APPEND (and O_LARGEFILE, as Linux's open adds)",
	   syscall(SYS_fcntl, fd, F_GETFL), O_WRONLY | O_APPEND | K_O_LARGEFILE);
	syscall(SYS_close, fd);

	fd = sys_open("/ftest", O_RDONLY | O_DIRECTORY, 0);
	OK("open a directory O_RDONLY|O_DIRECTORY", fd);
	check_err("read of a directory: EISDIR", syscall(SYS_read, fd, buf, 1), EISDIR);
	fd2 = syscall(SYS_openat, fd, "a", O_RDONLY);
	OK("openat relative to a directory fd", fd2);
	IS("and reads that file", syscall(SYS_read, fd2, buf, 8), 8);
	check_err("openat with a file as dirfd: ENOTDIR", syscall(SYS_openat, fd2, "a", O_RDONLY),
		  ENOTDIR);
	check_err("openat with a bad dirfd: EBADF", syscall(SYS_openat, 99, "a", O_RDONLY), EBADF);
	OK("openat with a bad dirfd and an absolute path",
	   syscall(SYS_close, syscall(SYS_openat, 99, "/ftest/a", O_RDONLY)));
	OK("openat AT_FDCWD", syscall(SYS_close, syscall(SYS_openat, AT_FDCWD, "/ftest/a", O_RDONLY)));
	syscall(SYS_close, fd2);
	syscall(SYS_close, fd);
	fd = sys_open("/ftest/c", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	IS("O_CLOEXEC sets FD_CLOEXEC", syscall(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
	syscall(SYS_close, fd);
	fd = syscall(SYS_creat, "/ftest/d", 0644);
	IS("creat opens write-only", syscall(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	syscall(SYS_close, fd);
}

static void test_dup(void)
{
	long fd = sys_open("/ftest/a", O_RDWR, 0), d;
	char c;

	d = syscall(SYS_dup, fd);
	IS("dup gives the lowest free fd", d, fd + 1);
	syscall(SYS_lseek, fd, 2, SEEK_SET);
	IS("a dup shares the offset", syscall(SYS_lseek, d, 0, SEEK_CUR), 2);
	IS("dup2 onto an open fd", syscall(SYS_dup2, fd, d), d);
	IS("dup2 of a fd onto itself", syscall(SYS_dup2, fd, fd), fd);
	check_err("dup2 of a bad fd: EBADF", syscall(SYS_dup2, 77, d), EBADF);
	check_err("dup2 past the limit: EBADF", syscall(SYS_dup2, fd, 100000), EBADF);
	check_err("dup3 onto itself: EINVAL", syscall(SYS_dup3, fd, fd, 0), EINVAL);
	check_err("dup3 with a bad flag: EINVAL", syscall(SYS_dup3, fd, 20, 1), EINVAL);
	IS("dup3 O_CLOEXEC", syscall(SYS_dup3, fd, 20, O_CLOEXEC), 20);
	IS("and its FD_CLOEXEC", syscall(SYS_fcntl, 20, F_GETFD), FD_CLOEXEC);
	IS("F_SETFD 0", syscall(SYS_fcntl, 20, F_SETFD, 0), 0);
	IS("F_GETFD then 0", syscall(SYS_fcntl, 20, F_GETFD), 0);
	IS("F_DUPFD from 40", syscall(SYS_fcntl, fd, F_DUPFD, 40), 40);
	IS("F_DUPFD_CLOEXEC from 40 skips 40", syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 40), 41);
	IS("F_DUPFD_CLOEXEC sets the flag", syscall(SYS_fcntl, 41, F_GETFD), FD_CLOEXEC);
	check_err("F_DUPFD past the limit: EINVAL", syscall(SYS_fcntl, fd, F_DUPFD, 1 << 20), EINVAL);
	check_err("F_GETFD of a bad fd: EBADF", syscall(SYS_fcntl, 55, F_GETFD), EBADF);
	check_err("an unknown fcntl: EINVAL", syscall(SYS_fcntl, fd, 9999), EINVAL);
	IS("F_SETFL O_NONBLOCK", syscall(SYS_fcntl, fd, F_SETFL, O_NONBLOCK), 0);
	IS("F_GETFL shows it and keeps O_RDWR", syscall(SYS_fcntl, d, F_GETFL),
	   O_RDWR | O_NONBLOCK | K_O_LARGEFILE);
	syscall(SYS_close, 40), syscall(SYS_close, 41), syscall(SYS_close, 20);
	syscall(SYS_close, d);
	IS("the original still reads after its dups closed", syscall(SYS_read, fd, &c, 1), 1);
	syscall(SYS_close, fd);

	struct rlimit old, lim;
	getrlimit(RLIMIT_NOFILE, &old);
	lim = old;
	lim.rlim_cur = 8;
	setrlimit(RLIMIT_NOFILE, &lim);
	int n = 0;
	while (syscall(SYS_dup, 0) >= 0 && n < 20)
		n++;
	check_err("dup at RLIMIT_NOFILE: EMFILE", syscall(SYS_dup, 0), EMFILE);
	IS("RLIMIT_NOFILE 8 left room for fds 3-7", n, 5);
	for (int i = 3; i < 8; i++)
		syscall(SYS_close, i);
	setrlimit(RLIMIT_NOFILE, &old);
}

static void test_stat(void)
{
	struct stat s, s2;
	long fd;

	IS("stat", st("/ftest/a", &s), 0);
	check("stat: a regular file of 8 bytes, mode 0644",
	      S_ISREG(s.st_mode) && s.st_size == 8 && (s.st_mode & 07777) == 0644, 0);
	check_err("stat of a missing file: ENOENT", st("/ftest/none", &s), ENOENT);
	check_err("stat into a bad buffer: EFAULT", st("/ftest/a", BAD), EFAULT);
	check_err("stat of a bad path: EFAULT", st(BAD, &s), EFAULT);
	syscall(SYS_symlink, "a", "/ftest/sym");
	IS("lstat", syscall(SYS_lstat, "/ftest/sym", &s), 0);
	check("lstat: a symlink of 1 byte", S_ISLNK(s.st_mode) && s.st_size == 1, 0);
	IS("stat follows it", st("/ftest/sym", &s2), 0);
	check("to the file", S_ISREG(s2.st_mode) && s2.st_ino != s.st_ino, 0);
	IS("newfstatat AT_SYMLINK_NOFOLLOW",
	   syscall(SYS_newfstatat, AT_FDCWD, "/ftest/sym", &s, AT_SYMLINK_NOFOLLOW), 0);
	check("sees the symlink", S_ISLNK(s.st_mode), 0);
	check_err("newfstatat with a bad flag: EINVAL",
		  syscall(SYS_newfstatat, AT_FDCWD, "/ftest/a", &s, 0x4), EINVAL);
	fd = sys_open("/ftest/a", O_RDONLY, 0);
	IS("newfstatat AT_EMPTY_PATH", syscall(SYS_newfstatat, fd, "", &s, AT_EMPTY_PATH), 0);
	IS("fstat", syscall(SYS_fstat, fd, &s2), 0);
	check("both name the file", s.st_ino == s2.st_ino && s2.st_size == 8 &&
					s2.st_blksize == 4096 && s2.st_nlink == 1, 0);
	check_err("newfstatat AT_EMPTY_PATH of a bad path under a file: ENOTDIR",
		  syscall(SYS_newfstatat, fd, "x/y", &s, AT_EMPTY_PATH), ENOTDIR);
	check_err("newfstatat of \"\" without AT_EMPTY_PATH: ENOENT",
		  syscall(SYS_newfstatat, fd, "", &s, 0), ENOENT);
	check_err("fstat of a bad fd: EBADF", syscall(SYS_fstat, 42, &s), EBADF);
	check_err("fstat into a bad buffer: EFAULT", syscall(SYS_fstat, fd, BAD), EFAULT);
	syscall(SYS_close, fd);
	IS("stat /", st("/", &s), 0);
	check("/ is a directory", S_ISDIR(s.st_mode), 0);
}

static int list_dir(const char *path, char names[][32], unsigned char *types, int max,
		    int bufsize)
{
	char buf[4096];
	int fd = (int)sys_open(path, O_RDONLY | O_DIRECTORY, 0), n = 0;
	long got;

	while ((got = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
		for (long off = 0; off < got;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);

			if (n < max) {
				snprintf(names[n], 32, "%s", buf + off + 19);
				types[n] = (unsigned char)buf[off + 18];
			}
			n++;
			off += reclen;
		}
	}
	syscall(SYS_close, fd);
	return got < 0 ? -1 : n;
}

static int find(char names[][32], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static void test_dirs(void)
{
	char names[16][32];
	unsigned char types[16];
	char buf[64];
	int n, fd;

	IS("mkdir", syscall(SYS_mkdir, "/ftest/d1", 0755), 0);
	check_err("mkdir of an existing name: EEXIST", syscall(SYS_mkdir, "/ftest/d1", 0755), EEXIST);
	check_err("mkdir under a missing directory: ENOENT",
		  syscall(SYS_mkdir, "/ftest/no/d", 0755), ENOENT);
	fd = (int)sys_open("/ftest", O_RDONLY, 0);
	IS("mkdirat", syscall(SYS_mkdirat, fd, "d1/sub", 0700), 0);
	write_file("/ftest/d1/f1", "x");
	write_file("/ftest/d1/f2", "y");
	n = list_dir("/ftest/d1", names, types, 16, sizeof(buf) * 64);
	IS("getdents64 lists ., .., sub, f1, f2", n, 5);
	check("with their types", find(names, n, ".") >= 0 && find(names, n, "..") >= 0 &&
				      types[find(names, n, "sub")] == DT_DIR &&
				      types[find(names, n, "f1")] == DT_REG,
	      n);
	n = list_dir("/ftest/d1", names, types, 16, 32);
	IS("getdents64 one entry at a time in a 32-byte buffer", n, 5);
	int dfd = (int)sys_open("/ftest/d1", O_RDONLY, 0);
	check_err("getdents64 with a buffer too small for one: EINVAL",
		  syscall(SYS_getdents64, dfd, buf, 8), EINVAL);
	check_err("getdents64 into a bad buffer: EFAULT", syscall(SYS_getdents64, dfd, BAD, 64),
		  EFAULT);
	syscall(SYS_close, dfd);
	dfd = (int)sys_open("/ftest/a", O_RDONLY, 0);
	check_err("getdents64 of a file: ENOTDIR", syscall(SYS_getdents64, dfd, buf, 64), ENOTDIR);
	syscall(SYS_close, dfd);
	check_err("getdents64 of a bad fd: EBADF", syscall(SYS_getdents64, 50, buf, 64), EBADF);

	check_err("rmdir of a non-empty directory: ENOTEMPTY", syscall(SYS_rmdir, "/ftest/d1"),
		  ENOTEMPTY);
	check_err("rmdir of a file: ENOTDIR", syscall(SYS_rmdir, "/ftest/d1/f1"), ENOTDIR);
	check_err("unlink of a directory: EISDIR", syscall(SYS_unlink, "/ftest/d1/sub"), EISDIR);
	check_err("unlink of a missing name: ENOENT", syscall(SYS_unlink, "/ftest/d1/zz"), ENOENT);
	check_err("unlinkat with a bad flag: EINVAL", syscall(SYS_unlinkat, fd, "d1/f1", 0x1),
		  EINVAL);
	IS("unlinkat", syscall(SYS_unlinkat, fd, "d1/f1", 0), 0);
	IS("unlinkat AT_REMOVEDIR", syscall(SYS_unlinkat, fd, "d1/sub", AT_REMOVEDIR), 0);
	IS("unlink", syscall(SYS_unlink, "/ftest/d1/f2"), 0);
	IS("rmdir of the emptied directory", syscall(SYS_rmdir, "/ftest/d1"), 0);
	check_err("and it is gone", syscall(SYS_rmdir, "/ftest/d1"), ENOENT);
	syscall(SYS_close, fd);
}

static void test_names(void)
{
	char buf[64];
	struct stat s;
	int fd = (int)sys_open("/ftest", O_RDONLY, 0);

	write_file("/ftest/r1", "one");
	write_file("/ftest/r2", "two");
	IS("rename onto an existing file replaces it", syscall(SYS_rename, "/ftest/r1", "/ftest/r2"),
	   0);
	check_err("the old name is gone", st("/ftest/r1", &s), ENOENT);
	IS("the new name has the old file", st("/ftest/r2", &s) == 0 && s.st_size == 3, 1);
	IS("renameat", syscall(SYS_renameat, fd, "r2", fd, "r3"), 0);
	IS("renameat2 with flags 0", syscall(SYS_renameat2, fd, "r3", fd, "r4", 0), 0);
	write_file("/ftest/r5", "five");
	check_err("renameat2 RENAME_NOREPLACE onto an existing name: EEXIST",
		  syscall(SYS_renameat2, fd, "r4", fd, "r5", RENAME_NOREPLACE), EEXIST);
	IS("renameat2 RENAME_NOREPLACE onto a new name",
	   syscall(SYS_renameat2, fd, "r5", fd, "r6", RENAME_NOREPLACE), 0);
	check_err("renameat2 RENAME_EXCHANGE: EINVAL (not yet)",
		  syscall(SYS_renameat2, fd, "r4", fd, "r6", RENAME_EXCHANGE), EINVAL);
	syscall(SYS_unlink, "/ftest/r6");
	check_err("rename of a missing name: ENOENT", syscall(SYS_rename, "/ftest/zz", "/ftest/r6"),
		  ENOENT);
	syscall(SYS_mkdir, "/ftest/e1", 0755);
	syscall(SYS_mkdir, "/ftest/e2", 0755);
	write_file("/ftest/e2/in", "z");
	check_err("rename of a directory onto a non-empty one: ENOTEMPTY",
		  syscall(SYS_rename, "/ftest/e1", "/ftest/e2"), ENOTEMPTY);
	check_err("rename of a directory onto a file: ENOTDIR",
		  syscall(SYS_rename, "/ftest/e1", "/ftest/r4"), ENOTDIR);
	check_err("rename of a file onto a directory: EISDIR",
		  syscall(SYS_rename, "/ftest/r4", "/ftest/e1"), EISDIR);
	check_err("rename of a directory under itself: EINVAL",
		  syscall(SYS_rename, "/ftest/e2", "/ftest/e2/x"), EINVAL);

	IS("symlink", syscall(SYS_symlink, "e2/in", "/ftest/l1"), 0);
	IS("readlink gives the target's length", syscall(SYS_readlink, "/ftest/l1", buf, sizeof(buf)),
	   5);
	check("and the target", !memcmp(buf, "e2/in", 5), 0);
	IS("readlink truncates to the buffer", syscall(SYS_readlink, "/ftest/l1", buf, 2), 2);
	check_err("readlink with size 0: EINVAL", syscall(SYS_readlink, "/ftest/l1", buf, 0),
		  EINVAL);
	check_err("readlink of a file: EINVAL", syscall(SYS_readlink, "/ftest/r4", buf, 64), EINVAL);
	check_err("readlink into a bad buffer: EFAULT", syscall(SYS_readlink, "/ftest/l1", BAD, 64),
		  EFAULT);
	check_err("readlink /proc/self/exe: ENOENT (a built-in program, from no file)",
		  syscall(SYS_readlink, "/proc/self/exe", buf, 64), ENOENT);
	check_err("symlink onto an existing name: EEXIST", syscall(SYS_symlink, "x", "/ftest/l1"),
		  EEXIST);
	check_err("symlink with an empty target: ENOENT", syscall(SYS_symlink, "", "/ftest/l9"),
		  ENOENT);
	IS("symlinkat", syscall(SYS_symlinkat, "r4", fd, "l2"), 0);
	IS("readlinkat", syscall(SYS_readlinkat, fd, "l2", buf, sizeof(buf)), 2);
	check_err("O_NOFOLLOW on a symlink: ELOOP", sys_open("/ftest/l2", O_RDONLY | O_NOFOLLOW, 0),
		  ELOOP);
	OK("open through a symlink", syscall(SYS_close, sys_open("/ftest/l1", O_RDONLY, 0)));
	syscall(SYS_symlink, "loop2", "/ftest/loop1");
	syscall(SYS_symlink, "loop1", "/ftest/loop2");
	check_err("a symlink loop: ELOOP", sys_open("/ftest/loop1", O_RDONLY, 0), ELOOP);

	IS("link", syscall(SYS_link, "/ftest/r4", "/ftest/h1"), 0);
	IS("two names: st_nlink 2", st("/ftest/r4", &s) == 0 ? (long)s.st_nlink : -1, 2);
	IS("linkat", syscall(SYS_linkat, fd, "r4", fd, "h2", 0), 0);
	IS("three names", st("/ftest/h2", &s) == 0 ? (long)s.st_nlink : -1, 3);
	check_err("link of a directory: EPERM", syscall(SYS_link, "/ftest/e1", "/ftest/h3"), EPERM);
	check_err("link onto an existing name: EEXIST", syscall(SYS_link, "/ftest/r4", "/ftest/h1"),
		  EEXIST);
	IS("linkat AT_SYMLINK_FOLLOW links the target",
	   syscall(SYS_linkat, fd, "l2", fd, "h4", AT_SYMLINK_FOLLOW), 0);
	IS("which now has four names", st("/ftest/r4", &s) == 0 ? (long)s.st_nlink : -1, 4);
	syscall(SYS_close, fd);
	const char *rm[] = {"r4", "h1", "h2", "h4", "l1", "l2", "loop1", "loop2", "e2/in"};
	for (unsigned i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), "/ftest/%s", rm[i]);
		syscall(SYS_unlink, p);
	}
	syscall(SYS_rmdir, "/ftest/e1");
	syscall(SYS_rmdir, "/ftest/e2");
}

static void test_cwd(void)
{
	char buf[256];
	int fd;

	syscall(SYS_mkdir, "/ftest/w", 0755);
	syscall(SYS_mkdir, "/ftest/w/sub", 0755);
	IS("getcwd at the start: /", syscall(SYS_getcwd, buf, sizeof(buf)), 2);
	IS("chdir", syscall(SYS_chdir, "/ftest/w/sub"), 0);
	IS("getcwd gives the length with its NUL", syscall(SYS_getcwd, buf, sizeof(buf)), 13);
	check("and the path", !strcmp(buf, "/ftest/w/sub"), 0);
	check_err("getcwd into a short buffer: ERANGE", syscall(SYS_getcwd, buf, 5), ERANGE);
	check_err("getcwd into a bad buffer: EFAULT", syscall(SYS_getcwd, BAD, 64), EFAULT);
	write_file("rel", "r");
	OK("a relative path starts at the cwd", st("/ftest/w/sub/rel", &(struct stat){0}));
	IS("chdir ..", syscall(SYS_chdir, ".."), 0);
	IS("getcwd /ftest/w", syscall(SYS_getcwd, buf, sizeof(buf)), 9);
	check_err("chdir to a file: ENOTDIR", syscall(SYS_chdir, "sub/rel"), ENOTDIR);
	check_err("chdir to a missing name: ENOENT", syscall(SYS_chdir, "nope"), ENOENT);
	fd = (int)sys_open("/ftest/w/sub", O_RDONLY, 0);
	IS("fchdir", syscall(SYS_fchdir, fd), 0);
	syscall(SYS_getcwd, buf, sizeof(buf));
	check("fchdir went there", !strcmp(buf, "/ftest/w/sub"), 0);
	syscall(SYS_close, fd);
	fd = (int)sys_open("/ftest/w/sub/rel", O_RDONLY, 0);
	check_err("fchdir to a file: ENOTDIR", syscall(SYS_fchdir, fd), ENOTDIR);
	syscall(SYS_close, fd);
	check_err("fchdir of a bad fd: EBADF", syscall(SYS_fchdir, 66), EBADF);
	syscall(SYS_unlink, "rel");
	IS("rmdir of the cwd itself", syscall(SYS_rmdir, "/ftest/w/sub"), 0);
	check_err("getcwd of a removed directory: ENOENT", syscall(SYS_getcwd, buf, sizeof(buf)),
		  ENOENT);
	syscall(SYS_chdir, "/");
	syscall(SYS_rmdir, "/ftest/w");
}

static void test_attrs(void)
{
	struct stat s;
	int fd;

	IS("umask returns the old mask, 022", syscall(SYS_umask, 077), 022);
	fd = (int)sys_open("/ftest/m", O_RDWR | O_CREAT, 0666);
	syscall(SYS_fstat, fd, &s);
	IS("a new file's mode has the umask taken off", s.st_mode & 07777, 0600);
	IS("umask returns 077", syscall(SYS_umask, 022), 077);
	IS("chmod", syscall(SYS_chmod, "/ftest/m", 04755), 0);
	IS("shows in stat", st("/ftest/m", &s) == 0 ? (long)(s.st_mode & 07777) : -1, 04755);
	IS("fchmod", syscall(SYS_fchmod, fd, 0640), 0);
	IS("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, "/ftest/m", 0604), 0);
	IS("shows in stat", st("/ftest/m", &s) == 0 ? (long)(s.st_mode & 07777) : -1, 0604);
	check_err("chmod of a missing name: ENOENT", syscall(SYS_chmod, "/ftest/q", 0644), ENOENT);
	check_err("fchmod of a bad fd: EBADF", syscall(SYS_fchmod, 70, 0644), EBADF);
	IS("chown", syscall(SYS_chown, "/ftest/m", 1000, 100), 0);
	IS("records the owner", st("/ftest/m", &s) == 0 && s.st_uid == 1000 && s.st_gid == 100, 1);
	IS("fchown with gid -1", syscall(SYS_fchown, fd, 7, -1), 0);
	IS("changes only the uid", st("/ftest/m", &s) == 0 && s.st_uid == 7 && s.st_gid == 100, 1);
	syscall(SYS_symlink, "m", "/ftest/msym");
	IS("lchown", syscall(SYS_lchown, "/ftest/msym", 5, 5), 0);
	IS("changes the symlink, not the file",
	   syscall(SYS_lstat, "/ftest/msym", &s) == 0 && s.st_uid == 5 && st("/ftest/m", &s) == 0 &&
	       s.st_uid == 7,
	   1);
	IS("fchownat", syscall(SYS_fchownat, AT_FDCWD, "/ftest/m", 0, 0, 0), 0);

	IS("access F_OK", syscall(SYS_access, "/ftest/m", F_OK), 0);
	check_err("access of a missing name: ENOENT", syscall(SYS_access, "/ftest/q", F_OK), ENOENT);
	check_err("access X_OK of a 0604 file: EACCES", syscall(SYS_access, "/ftest/m", X_OK),
		  EACCES);
	IS("access R_OK|W_OK as root", syscall(SYS_access, "/ftest/m", R_OK | W_OK), 0);
	IS("access X_OK of a directory", syscall(SYS_access, "/ftest", X_OK), 0);
	check_err("access with a bad mode: EINVAL", syscall(SYS_access, "/ftest/m", 8), EINVAL);
	IS("faccessat", syscall(SYS_faccessat, AT_FDCWD, "/ftest/m", R_OK), 0);
	IS("faccessat2 AT_SYMLINK_NOFOLLOW",
	   syscall(SYS_faccessat2, AT_FDCWD, "/ftest/msym", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	check_err("faccessat2 with a bad flag: EINVAL",
		  syscall(SYS_faccessat2, AT_FDCWD, "/ftest/m", F_OK, 0x1), EINVAL);

	IS("ftruncate grows", syscall(SYS_ftruncate, fd, 10000), 0);
	IS("to 10000 bytes", st("/ftest/m", &s) == 0 ? (long)s.st_size : -1, 10000);
	char z[16] = {1};
	IS("which read as zeros", syscall(SYS_pread64, fd, z, 16, 5000), 16);
	check("all zero", !memcmp(z, (char[16]){0}, 16), 0);
	IS("truncate shrinks", syscall(SYS_truncate, "/ftest/m", 3), 0);
	IS("to 3 bytes", st("/ftest/m", &s) == 0 ? (long)s.st_size : -1, 3);
	check_err("truncate to a negative size: EINVAL", syscall(SYS_truncate, "/ftest/m", -1L),
		  EINVAL);
	check_err("truncate of a directory: EISDIR", syscall(SYS_truncate, "/ftest", 0), EISDIR);
	int ro = (int)sys_open("/ftest/m", O_RDONLY, 0);
	check_err("ftruncate of an O_RDONLY fd: EINVAL", syscall(SYS_ftruncate, ro, 0), EINVAL);
	syscall(SYS_close, ro);

	struct timespec ts[2] = {{1000, 5}, {2000, 7}};
	IS("utimensat", syscall(SYS_utimensat, AT_FDCWD, "/ftest/m", ts, 0), 0);
	IS("records atime and mtime",
	   st("/ftest/m", &s) == 0 && s.st_atim.tv_sec == 1000 && s.st_atim.tv_nsec == 5 &&
	       s.st_mtim.tv_sec == 2000 && s.st_mtim.tv_nsec == 7,
	   1);
	struct timespec omit[2] = {{3000, 0}, {0, UTIME_OMIT}};
	IS("utimensat with UTIME_OMIT", syscall(SYS_utimensat, AT_FDCWD, "/ftest/m", omit, 0), 0);
	IS("keeps that side", st("/ftest/m", &s) == 0 && s.st_atim.tv_sec == 3000 &&
				  s.st_mtim.tv_sec == 2000,
	   1);
	struct timespec bad[2] = {{0, 2000000000L}, {0, 0}};
	check_err("utimensat with bad nanoseconds: EINVAL",
		  syscall(SYS_utimensat, AT_FDCWD, "/ftest/m", bad, 0), EINVAL);
	IS("futimens (utimensat of the fd)", syscall(SYS_utimensat, fd, NULL, ts, 0), 0);
	syscall(SYS_close, fd);
	syscall(SYS_unlink, "/ftest/msym");
	syscall(SYS_unlink, "/ftest/m");
}

static void test_io(void)
{
	char buf[64];
	int fd = (int)sys_open("/ftest/io", O_RDWR | O_CREAT | O_TRUNC, 0644);

	IS("pwrite64 at 10", syscall(SYS_pwrite64, fd, "abc", 3, 10), 3);
	IS("leaves the offset", syscall(SYS_lseek, fd, 0, SEEK_CUR), 0);
	IS("pread64 at 10", syscall(SYS_pread64, fd, buf, 8, 10), 3);
	check("reads what pwrite64 put", !memcmp(buf, "abc", 3), 0);
	check_err("pread64 at a negative offset: EINVAL", syscall(SYS_pread64, fd, buf, 8, -5L),
		  EINVAL);
	IS("lseek SEEK_END", syscall(SYS_lseek, fd, -1L, SEEK_END), 12);
	IS("lseek SEEK_CUR", syscall(SYS_lseek, fd, 2, SEEK_CUR), 14);
	check_err("lseek before 0: EINVAL", syscall(SYS_lseek, fd, -100L, SEEK_SET), EINVAL);
	check_err("lseek with a bad whence: EINVAL", syscall(SYS_lseek, fd, 0, 9), EINVAL);
	check_err("lseek of a bad fd: EBADF", syscall(SYS_lseek, 88, 0, SEEK_SET), EBADF);
	syscall(SYS_lseek, fd, 0, SEEK_SET);
	struct iovec wv[3] = {{"one ", 4}, {"", 0}, {"two", 3}};
	IS("writev", syscall(SYS_writev, fd, wv, 3), 7);
	char a[3], b[10];
	struct iovec rv[2] = {{a, 3}, {b, 10}};
	syscall(SYS_lseek, fd, 0, SEEK_SET);
	IS("readv", syscall(SYS_readv, fd, rv, 2), 13);
	check("scatters in order", !memcmp(a, "one", 3) && !memcmp(b, " two", 4), 0);
	check_err("readv with a bad iovec pointer: EFAULT", syscall(SYS_readv, fd, BAD, 2), EFAULT);
	check_err("writev with too many iovecs: EINVAL", syscall(SYS_writev, fd, wv, 5000), EINVAL);
	check_err("ioctl TCGETS of a file: ENOTTY",
		  syscall(SYS_ioctl, fd, TCGETS, &(struct termios){0}), ENOTTY);

	int out = (int)sys_open("/ftest/io2", O_RDWR | O_CREAT | O_TRUNC, 0644);
	syscall(SYS_lseek, fd, 0, SEEK_SET);
	IS("sendfile file to file", syscall(SYS_sendfile, out, fd, NULL, 100), 13);
	IS("moves the input's offset", syscall(SYS_lseek, fd, 0, SEEK_CUR), 13);
	off_t off = 4;
	IS("sendfile with an offset", syscall(SYS_sendfile, out, fd, &off, 3), 3);
	check("updates *offset and leaves the file's",
	      off == 7 && syscall(SYS_lseek, fd, 0, SEEK_CUR) == 13, 0);
	syscall(SYS_pread64, out, buf, 16, 0);
	check("copies the bytes", !memcmp(buf, "one two", 7) && !memcmp(buf + 13, "two", 3), 0);
	check_err("sendfile from a bad fd: EBADF", syscall(SYS_sendfile, out, 99, NULL, 4), EBADF);
	int ro = (int)sys_open("/ftest/io", O_RDONLY, 0);
	check_err("sendfile to an O_RDONLY fd: EBADF", syscall(SYS_sendfile, ro, fd, NULL, 4),
		  EBADF);
	syscall(SYS_close, ro);
	syscall(SYS_close, out);
	syscall(SYS_close, fd);
	syscall(SYS_unlink, "/ftest/io");
	syscall(SYS_unlink, "/ftest/io2");
}

static void test_devices(void)
{
	unsigned char buf[64], buf2[64];
	struct stat s;
	int fd;

	fd = (int)sys_open("/dev/null", O_RDWR, 0);
	IS("/dev/null reads end of file", syscall(SYS_read, fd, buf, 64), 0);
	IS("/dev/null takes every write", syscall(SYS_write, fd, buf, 64), 64);
	IS("lseek of /dev/null: 0", syscall(SYS_lseek, fd, 100, SEEK_SET), 0);
	syscall(SYS_fstat, fd, &s);
	check("/dev/null is char 1,3", S_ISCHR(s.st_mode) && major(s.st_rdev) == 1 &&
					       minor(s.st_rdev) == 3,
	      0);
	syscall(SYS_close, fd);
	fd = (int)sys_open("/dev/zero", O_RDONLY, 0);
	memset(buf, 1, sizeof(buf));
	IS("/dev/zero reads", syscall(SYS_read, fd, buf, 64), 64);
	check("zeros", !memcmp(buf, (char[64]){0}, 64), 0);
	syscall(SYS_close, fd);
	fd = (int)sys_open("/dev/urandom", O_RDONLY, 0);
	IS("/dev/urandom reads", syscall(SYS_read, fd, buf, 64), 64);
	syscall(SYS_read, fd, buf2, 64);
	check("bytes that differ from read to read", memcmp(buf, buf2, 64) != 0, 0);
	syscall(SYS_close, fd);
	fd = (int)sys_open("/dev/console", O_WRONLY, 0);
	IS("/dev/console writes", syscall(SYS_write, fd, "ok /dev/console writes its line\n", 32), 32);
	check_err("lseek of the console: ESPIPE", syscall(SYS_lseek, fd, 0, SEEK_SET), ESPIPE);
	syscall(SYS_close, fd);
	fd = (int)sys_open("/dev/tty", O_RDWR, 0);
	OK("/dev/tty opens", fd);
	IS("and is a terminal", syscall(SYS_ioctl, fd, TCGETS, &(struct termios){0}), 0);
	syscall(SYS_close, fd);
	IS("fd 0 reads end of file (no tty input yet)", syscall(SYS_read, 0, buf, 1), 0);
	IS("fstat of fd 1", syscall(SYS_fstat, 1, &s), 0);
	check("is the console, char 5,1",
	      S_ISCHR(s.st_mode) && major(s.st_rdev) == 5 && minor(s.st_rdev) == 1, 0);
}

static void test_pipes(void)
{
	int p[2], q[2];
	char buf[256];
	struct stat s;
	static char big[70000];

	IS("pipe", syscall(SYS_pipe, p), 0);
	IS("pipe's ends are the lowest free fds", p[0] == 3 && p[1] == 4, 1);
	IS("write to a pipe", syscall(SYS_write, p[1], "abc", 3), 3);
	IS("read takes what there is", syscall(SYS_read, p[0], buf, sizeof(buf)), 3);
	syscall(SYS_fstat, p[0], &s);
	check("fstat: a FIFO", S_ISFIFO(s.st_mode), 0);
	IS("newfstatat AT_EMPTY_PATH of a pipe",
	   syscall(SYS_newfstatat, p[1], "", &s, AT_EMPTY_PATH) == 0 && S_ISFIFO(s.st_mode), 1);
	check_err("lseek of a pipe: ESPIPE", syscall(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE);
	check_err("pread64 of a pipe: ESPIPE", syscall(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
	check_err("read of the write end: EBADF", syscall(SYS_read, p[1], buf, 1), EBADF);
	check_err("write to the read end: EBADF", syscall(SYS_write, p[0], "x", 1), EBADF);
	IS("10000 bytes in", syscall(SYS_write, p[1], big, 10000), 10000);
	long got = 0, r;
	while (got < 10000 && (r = syscall(SYS_read, p[0], big, 3000)) > 0)
		got += r;
	IS("and out in pieces", got, 10000);
	syscall(SYS_write, p[1], "z", 1);
	syscall(SYS_close, p[1]);
	IS("what is left is read after the writer closed", syscall(SYS_read, p[0], buf, 10), 1);
	IS("then end of file", syscall(SYS_read, p[0], buf, 10), 0);
	syscall(SYS_close, p[0]);

	check_err("pipe2 with a bad flag: EINVAL", syscall(SYS_pipe2, p, 1), EINVAL);
	check_err("pipe into a bad pointer: EFAULT", syscall(SYS_pipe, BAD), EFAULT);
	IS("pipe2 O_NONBLOCK|O_CLOEXEC", syscall(SYS_pipe2, p, O_NONBLOCK | O_CLOEXEC), 0);
	IS("F_GETFD of its end", syscall(SYS_fcntl, p[0], F_GETFD), FD_CLOEXEC);
	IS("F_GETFL of its end", syscall(SYS_fcntl, p[1], F_GETFL), O_WRONLY | O_NONBLOCK);
	check_err("read of an empty O_NONBLOCK pipe: EAGAIN", syscall(SYS_read, p[0], buf, 1),
		  EAGAIN);
	long in = 0;
	while ((r = syscall(SYS_write, p[1], big, sizeof(big))) > 0)
		in += r;
	check_err("a full O_NONBLOCK pipe: EAGAIN", r, EAGAIN);
	IS("after 65536 bytes (16 pages)", in, 65536);
	syscall(SYS_read, p[0], big, 100);
	check_err("a write of <= PIPE_BUF bytes that does not fit whole: EAGAIN",
		  syscall(SYS_write, p[1], big, 200), EAGAIN);
	syscall(SYS_read, p[0], big, 4096);
	IS("a PIPE_BUF write goes in once a page is free", syscall(SYS_write, p[1], big, 4096), 4096);

	struct pollfd pf[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {77, POLLIN, 0}};
	IS("poll: 2 of 3 have news", syscall(SYS_poll, pf, 3, 0), 2);
	check("POLLIN on the full read end, no POLLOUT on the full write end, POLLNVAL on a bad fd",
	      pf[0].revents == POLLIN && pf[1].revents == 0 && pf[2].revents == POLLNVAL, 0);
	while (syscall(SYS_read, p[0], big, sizeof(big)) > 0)
		;
	IS("poll of the emptied pipe", syscall(SYS_poll, pf, 2, 0), 1);
	check("only POLLOUT", pf[0].revents == 0 && pf[1].revents == POLLOUT, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	IS("poll of an empty pipe for 50 ms: 0", syscall(SYS_poll, pf, 1, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	check("after 50 ms or more", ms >= 49 && ms < 2000, ms);
	check_err("poll of a bad pointer: EFAULT", syscall(SYS_poll, BAD, 1, 0), EFAULT);
	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(p[0], &rs), FD_SET(p[1], &ws);
	struct timeval tv = {0, 0};
	IS("select: the write end is ready", syscall(SYS_select, p[1] + 1, &rs, &ws, NULL, &tv), 1);
	check("only it", !FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws), 0);
	syscall(SYS_write, p[1], "q", 1);
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	tv = (struct timeval){1, 0};
	IS("select: the read end with data", syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv), 1);
	FD_ZERO(&rs);
	FD_SET(90, &rs);
	check_err("select of a bad fd: EBADF", syscall(SYS_select, 91, &rs, NULL, NULL, &tv), EBADF);
	check_err("select with nfds < 0: EINVAL", syscall(SYS_select, -1, NULL, NULL, NULL, &tv),
		  EINVAL);
	int f = (int)sys_open("/ftest/a", O_RDONLY, 0);
	struct pollfd pff = {f, POLLIN | POLLOUT, 0};
	IS("poll of a file: ready", syscall(SYS_poll, &pff, 1, -1), 1);
	check("for both", pff.revents == (POLLIN | POLLOUT), pff.revents);

	syscall(SYS_close, p[0]);
	check_err("write with no reader: EPIPE", syscall(SYS_write, p[1], "x", 1), EPIPE);
	pf[1].revents = 0;
	syscall(SYS_poll, &pf[1], 1, 0);
	check("POLLERR on the write end", pf[1].revents & POLLERR, pf[1].revents);
	syscall(SYS_close, p[1]);
	syscall(SYS_pipe, q);
	syscall(SYS_close, q[1]);
	struct pollfd ph = {q[0], POLLIN, 0};
	IS("poll of a pipe whose writer closed", syscall(SYS_poll, &ph, 1, -1), 1);
	check("POLLHUP", ph.revents & POLLHUP, ph.revents);
	IS("sendfile from a file into a pipe", (syscall(SYS_pipe, p),
						syscall(SYS_sendfile, p[1], f, NULL, 8)), 8);
	IS("which the read end gives", syscall(SYS_read, p[0], buf, 64), 8);
	syscall(SYS_close, p[0]), syscall(SYS_close, p[1]), syscall(SYS_close, q[0]);
	syscall(SYS_close, f);
}

static void test_bin(void)
{
	char names[64][32];
	unsigned char types[64];
	char buf[64];
	int n = list_dir("/bin", names, types, 64, 4096);

	if (n > 64 || find(names, n, "busybox") < 0 || find(names, n, "sh") < 0) {
		check("getdents64 of /bin lists busybox and sh", 0, n);
		return;
	}
	check("getdents64 of /bin lists busybox and its applets",
	      n >= 6 && find(names, n, "busybox") >= 0 && find(names, n, "sh") >= 0 &&
		  find(names, n, "ls") >= 0 && find(names, n, "cat") >= 0,
	      n);
	check("busybox a file, sh a symlink", types[find(names, n, "busybox")] == DT_REG &&
						      types[find(names, n, "sh")] == DT_LNK,
	      0);
	IS("readlink /bin/sh", syscall(SYS_readlink, "/bin/sh", buf, sizeof(buf)), 7);
	check("is busybox", !memcmp(buf, "busybox", 7), 0);
	IS("access X_OK of /bin/sh", syscall(SYS_access, "/bin/sh", X_OK), 0);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	IS("mkdir /ftest", syscall(SYS_mkdir, "/ftest", 0755), 0);
	test_open();
	test_dup();
	test_stat();
	test_dirs();
	test_names();
	test_cwd();
	test_attrs();
	test_io();
	test_devices();
	test_pipes();
	if (argc > 1 && !strcmp(argv[1], "bin"))
		test_bin();
	const char *rm[] = {"/ftest/a", "/ftest/c", "/ftest/d", "/ftest/sym", "/ftest/r4"};
	for (unsigned i = 0; i < sizeof(rm) / sizeof(rm[0]); i++)
		syscall(SYS_unlink, rm[i]);
	IS("rmdir /ftest: everything made was removed", syscall(SYS_rmdir, "/ftest"), 0);
	printf("files: %d checks, %d failed\n", checks, failed);
	return failed != 0;
}
