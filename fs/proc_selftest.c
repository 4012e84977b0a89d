/*
 * /proc from the kernel's side (fs/proc.c): its files read through the
 * file system as a program would, their figures the kernel's own (the
 * frame counts in meminfo, a processor line per online CPU), /proc/self
 * absent for a kernel thread (no process), a pid directory for a live
 * process only, a listing with every fixed name, and no name made in it.
 * busybox's applets reading it are the busybox_script test's.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/process.h>
#include <amphi/selftest.h>
#include <amphi/string.h>

/* A /proc file's text, NUL-terminated, into buf; its length or -errno. */
static long proc_read(const char *path, char *buf, size_t size)
{
	struct inode *ip;
	long n;
	int rc = fs_lookup(NULL, path, 0, &ip);

	if (rc)
		return rc;
	n = fs_read(ip, 0, buf, size - 1);
	inode_put(ip);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static unsigned count_lines(const char *s, const char *prefix)
{
	unsigned n = 0;
	size_t len = strlen(prefix);

	for (const char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += !strncmp(l, prefix, len);
	return n;
}

struct seen {
	unsigned names;
};

static bool count_fixed(void *arg, const char *name, size_t len, uint64_t ino, uint32_t mode)
{
	static const char *const want[] = {"self", "cpuinfo", "meminfo", "uptime"};
	struct seen *s = arg;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		s->names += strlen(want[i]) == len && !memcmp(want[i], name, len);
	return true;
}

static const char *check_meminfo(char *buf, size_t size)
{
	char want[64];

	if (proc_read("/proc/meminfo", buf, size) <= 0)
		return "/proc/meminfo unreadable";
	snprintf(want, sizeof(want), "MemTotal:       %8lu kB\n", frames.nframes * 4);
	if (strncmp(buf, want, strlen(want)))
		return "/proc/meminfo's MemTotal is not the frame allocator's";
	if (!count_lines(buf, "MemFree:") || !count_lines(buf, "SwapFree:"))
		return "/proc/meminfo lacks MemFree or SwapFree";
	return NULL;
}

static const char *check_others(char *buf, size_t size)
{
	struct inode *ip;
	struct seen seen = {0};

	if (proc_read("/proc/cpuinfo", buf, size) <= 0 ||
	    count_lines(buf, "processor\t: ") != nr_cpus_online() ||
	    count_lines(buf, "model name\t: ") != nr_cpus_online())
		return "/proc/cpuinfo does not have a processor and model name per online CPU";
	if (proc_read("/proc/uptime", buf, size) <= 0 || !strchr(buf, '.'))
		return "/proc/uptime unreadable";
	if (fs_lookup(NULL, "/proc/self", 0, &ip) != -ENOENT)
		return "/proc/self exists for a kernel thread";
	if (fs_lookup(NULL, "/proc/999999", 0, &ip) != -ENOENT ||
	    fs_lookup(NULL, "/proc/01", 0, &ip) != -ENOENT)
		return "a pid directory exists for no process";
	if (fs_mknod(NULL, "/proc/new", S_IFREG | 0644, 0, 0, NULL) != -EACCES)
		return "a file could be made in /proc";
	if (fs_lookup(NULL, "/proc", 0, &ip))
		return "no /proc";
	fs_readdir(ip, 0, count_fixed, &seen);
	inode_put(ip);
	return seen.names == 4 ? NULL
			       : "the listing of /proc lacks self, cpuinfo, meminfo or uptime";
}

SELFTEST(proc_files)
{
	char *buf = kmalloc(16384);
	const char *why;

	if (!buf)
		return selftest_error(ctx, "out of memory");
	why = check_meminfo(buf, 16384);
	if (!why)
		why = check_others(buf, 16384);
	kfree(buf);
	if (why)
		return selftest_fail(ctx, "%s", why);
	return selftest_pass(ctx,
			     "meminfo (the frame counts), cpuinfo (%u CPUs), uptime; no self "
			     "for a kernel thread, no dir for a dead pid, nothing made in it",
			     nr_cpus_online());
}
