/*
 * /proc, as much of Linux's as busybox's applets read: /proc/self (a
 * symlink to the caller's pid), /proc/PID/{stat,status,cmdline,comm,exe},
 * /proc/meminfo, /proc/cpuinfo, /proc/uptime and /proc/loadavg (Linux's
 * averages, kernel/time_load.c).  It is always there: the
 * boot makes the directory (or takes the initramfs's) and marks it, and
 * there is no mount(2) to do; busybox's `mount -t proc` is not needed.
 *
 * Why it is this small: the file system has one kind of inode, in memory
 * (fs/vfs.c), and a directory may instead make its names when they are
 * looked up (struct fs_dyn_dir).  Each lookup here makes a fresh inode
 * with no name, freed when its last holder puts it: a directory for a
 * pid, a symlink, or a regular file whose text is written into it then,
 * under the fs lock, so that open, read, lseek and stat are the ramfs's
 * own.  A file is a snapshot taken at open, which is what a reader that
 * reads it once (cat, ps, free) sees on Linux too; its size is its text's,
 * where Linux says 0.
 *
 * The figures are the kernel's own: a process's state, ids, name, signal
 * masks and start time (in clock ticks of 100 Hz, AT_CLKTCK), the frame
 * allocator's counts for memory, CPUID for the CPUs, sched_clock and the
 * idle threads for uptime.  What the kernel does not keep is 0, as Linux
 * shows what it has not counted: CPU time per process, page faults, the
 * size of an address space and where its heap starts, the CPU a process
 * last ran on, buffers and
 * cache (no page cache: the ramfs is memory), swap (none).
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/loadavg.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/sched.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>
#include <stdarg.h>

#define CLK_TCK 100
#define NS_PER_TICK (1000000000UL / CLK_TCK)

static const struct fs_dyn_dir proc_root_ops, proc_pid_ops;
static struct inode *proc_root;

/* --- text built in a growing buffer --- */

struct pbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void __printf(2, 3) pb_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;
		char *bigger;

		va_start(ap, fmt);
		n = b->failed ? 0 : vsnprintf(b->s + b->len, room, fmt, ap);
		va_end(ap);
		if (b->failed || (size_t)n < room)
			break;
		if (!(bigger = kmalloc(b->cap * 2))) {
			b->failed = true;
			break;
		}
		memcpy(bigger, b->s, b->len);
		kfree(b->s);
		b->s = bigger;
		b->cap *= 2;
	}
	b->len += b->failed ? 0 : (size_t)n;
}

static void pb_bytes(struct pbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_printf(b, "%c", s[i]);
}

/* --- what a process shows, copied under proc_lock --- */

struct proc_snap {
	int pid, ppid, pgid, sid, exit_signal;
	char name[16], state;
	uint32_t umask;
	uint64_t pending, blocked, ignored, caught, start_ns;
	size_t cmdline_len;
	char cmdline[PROC_CMDLINE_MAX];
	char exe[FS_PATH_MAX];
};

static char proc_state(const struct process *p)
{
	if (p->state == PROC_ZOMBIE)
		return 'Z';
	return p == current_process() ? 'R' : 'S';
}

static void snap_fill(struct proc_snap *s, const struct process *p)
{
	s->pid = p->pid;
	s->ppid = p->ppid;
	s->pgid = p->pgid;
	s->sid = p->sid;
	s->exit_signal = p->exit_signal;
	memcpy(s->name, p->name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = 0;
	s->state = proc_state(p);
	s->umask = p->umask;
	s->pending = p->pending;
	s->blocked = p->sigmask;
	s->ignored = s->caught = 0;
	for (int sig = 1; sig <= NSIG; sig++) {
		uint64_t h = p->sigaction[sig - 1].handler;

		if (h == 1) /* SIG_IGN */
			s->ignored |= SIGBIT(sig);
		else if (h > 1)
			s->caught |= SIGBIT(sig);
	}
	s->start_ns = p->start_ns;
	s->cmdline_len = MIN(p->cmdline_len, sizeof(s->cmdline));
	memcpy(s->cmdline, p->cmdline, s->cmdline_len);
	strlcpy(s->exe, p->exe ? p->exe : "", sizeof(s->exe));
}

/* false when there is no such process. */
static bool snap_take(int pid, struct proc_snap *s)
{
	unsigned long flags = proc_lock_irqsave();
	struct process *p = process_find_locked(pid);

	if (p)
		snap_fill(s, p);
	proc_unlock_irqrestore(flags);
	return p != NULL;
}

static bool pid_exists(int pid)
{
	unsigned long flags = proc_lock_irqsave();
	bool there = process_find_locked(pid) != NULL;

	proc_unlock_irqrestore(flags);
	return there;
}

/* --- the files of /proc/PID --- */

/* Linux's 52 fields (proc(5)), in its order. */
static void gen_stat(struct pbuf *b, const struct proc_snap *s)
{
	pb_printf(b, "%d (%s) %c %d %d %d 0 -1 4194560 0 0 0 0 ", s->pid, s->name, s->state,
		  s->ppid, s->pgid, s->sid);
	pb_printf(b, "0 0 0 0 20 0 1 0 %lu 0 0 18446744073709551615 ", s->start_ns / NS_PER_TICK);
	pb_printf(b, "0 0 0 0 0 %lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 ", s->pending & 0xffffffff,
		  s->blocked & 0xffffffff, s->ignored & 0xffffffff, s->caught & 0xffffffff,
		  s->exit_signal);
	pb_printf(b, "0 0 0 0 0 0 0 0\n");
}

static void gen_status(struct pbuf *b, const struct proc_snap *s)
{
	static const char *const states[] = {"R (running)", "S (sleeping)", "Z (zombie)"};
	const char *st = states[s->state == 'R' ? 0 : s->state == 'S' ? 1 : 2];

	pb_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\n", s->name,
		  s->umask, st, s->pid);
	pb_printf(b, "Pid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", s->pid, s->ppid);
	pb_printf(b, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n");
	pb_printf(b, "SigPnd:\t%016lx\nShdPnd:\t0000000000000000\nSigBlk:\t%016lx\n", s->pending,
		  s->blocked);
	pb_printf(b, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", s->ignored, s->caught);
}

static void gen_cmdline(struct pbuf *b, const struct proc_snap *s)
{
	pb_bytes(b, s->cmdline, s->cmdline_len);
}

static void gen_comm(struct pbuf *b, const struct proc_snap *s)
{
	pb_printf(b, "%s\n", s->name);
}

static const struct {
	const char *name;
	void (*gen)(struct pbuf *b, const struct proc_snap *s);
} pid_files[] = {
    {"cmdline", gen_cmdline},
    {"comm", gen_comm},
    {"stat", gen_stat},
    {"status", gen_status},
};

/* --- the files of /proc --- */

static void gen_meminfo(struct pbuf *b)
{
	uint64_t total = frames.nframes * (PAGE_SIZE / 1024),
		 free = frames.nfree * (PAGE_SIZE / 1024);

	pb_printf(b, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n", total, free);
	pb_printf(b, "MemAvailable:   %8lu kB\nBuffers:        %8lu kB\n", free, 0UL);
	pb_printf(b, "Cached:         %8lu kB\nSwapCached:     %8lu kB\n", 0UL, 0UL);
	pb_printf(b, "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\n", 0UL, 0UL);
}

/* CPUID's feature bits by Linux's names (leaf 1 EDX, ECX; 0x80000001 EDX, ECX). */
static const char *const flags_1d[32] = {
    "fpu",  "vme",  "de",   "pse", "tsc",  "msr", "pae",   "mce", "cx8",     "apic", NULL,
    "sep",  "mtrr", "pge",  "mca", "cmov", "pat", "pse36", "pn",  "clflush", NULL,   "dts",
    "acpi", "mmx",  "fxsr", "sse", "sse2", "ss",  "ht",	   "tm",  "ia64",    "pbe"};
static const char *const flags_1c[32] = {
    "pni",    "pclmulqdq", "dtes64", "monitor", "ds_cpl",
    "vmx",    "smx",	   "est",    "tm2",	"ssse3",
    "cid",    "sdbg",	   "fma",    "cx16",	"xtpr",
    "pdcm",   NULL,	   "pcid",   "dca",	"sse4_1",
    "sse4_2", "x2apic",	   "movbe",  "popcnt",	"tsc_deadline_timer",
    "aes",    "xsave",	   NULL,     "avx",	"f16c",
    "rdrand", "hypervisor"};
static const char *const flags_81d[32] = {
    [11] = "syscall", [20] = "nx", [22] = "mmxext",   [25] = "fxsr_opt", [26] = "pdpe1gb",
    [27] = "rdtscp",  [29] = "lm", [30] = "3dnowext", [31] = "3dnow"};
static const char *const flags_81c[32] = {
    [0] = "lahf_lm", [1] = "cmp_legacy",  [2] = "svm",
    [3] = "extapic", [4] = "cr8_legacy",  [5] = "abm",
    [6] = "sse4a",   [7] = "misalignsse", [8] = "3dnowprefetch"};

static void gen_flags(struct pbuf *b, uint32_t bits, const char *const names[32])
{
	for (int i = 0; i < 32; i++)
		if ((bits & (1U << i)) && names[i])
			pb_printf(b, " %s", names[i]);
}

/* CPUID runs on the reader's CPU and is said for each online one: the
 * CPUs of one machine (and one guest's vCPUs) are alike. */
static void gen_cpuinfo(struct pbuf *b)
{
	struct cpuid_regs v = pv_cpuid(0, 0), f = pv_cpuid(1, 0), x = pv_cpuid(0x80000000, 0);
	struct cpuid_regs x1 = {0};
	char vendor[13], model[49] = "unknown";
	uint32_t fam = (f.eax >> 8) & 0xf, mod = (f.eax >> 4) & 0xf;

	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	if (fam == 0xf)
		fam += (f.eax >> 20) & 0xff;
	if (fam >= 6)
		mod |= ((f.eax >> 16) & 0xf) << 4;
	if (x.eax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid_regs r = pv_cpuid(0x80000002 + i, 0);

			memcpy(model + 16 * i, &r, 16);
		}
		model[48] = 0;
	}
	if (x.eax >= 0x80000001)
		x1 = pv_cpuid(0x80000001, 0);
	for (unsigned int id = 0; id < nr_cpus_present; id++) {
		if (!cpus[id].online)
			continue;
		pb_printf(b, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n",
			  id, vendor, fam, mod);
		pb_printf(b, "model name\t: %s\nstepping\t: %u\nflags\t\t:", model, f.eax & 0xf);
		gen_flags(b, f.edx, flags_1d);
		gen_flags(b, f.ecx, flags_1c);
		gen_flags(b, x1.edx, flags_81d);
		gen_flags(b, x1.ecx, flags_81c);
		pb_printf(b, "\n\n");
	}
}

static void gen_uptime(struct pbuf *b)
{
	uint64_t up = sched_clock() / 10000000, idle = 0;

	for (unsigned int id = 0; id < nr_cpus_present; id++)
		idle += sched_cpu_idle_ns(id) / 10000000;
	pb_printf(b, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
}

/* Linux's format: the three averages, running/threads, the last pid. */
static void gen_loadavg(struct pbuf *b)
{
	uint64_t avg[3];
	unsigned long w[3], h[3];
	unsigned int runnable, live;

	loadavg_read(avg);
	for (int i = 0; i < 3; i++)
		loadavg_split(avg[i], &w[i], &h[i]);
	sched_load_counts(&runnable, &live);
	pb_printf(b, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", w[0], h[0], w[1], h[1], w[2], h[2],
		  runnable, live, process_last_pid());
}

static const struct {
	const char *name;
	void (*gen)(struct pbuf *b);
} root_files[] = {
    {"cpuinfo", gen_cpuinfo},
    {"meminfo", gen_meminfo},
    {"uptime", gen_uptime},
    {"loadavg", gen_loadavg},
};

/* --- inodes --- */

/* A new file holding the text (fs lock held); NULL without memory. */
static struct inode *file_of(struct pbuf *b)
{
	struct inode *ip = NULL;

	if (!b->failed && (ip = fs_inode_new_locked(S_IFREG | 0444)) &&
	    ramfs_write(ip, 0, b->s, b->len) != (long)b->len) {
		fs_inode_put_locked(ip);
		ip = NULL;
	}
	kfree(b->s);
	return ip;
}

static bool pb_init(struct pbuf *b)
{
	*b = (struct pbuf){.cap = 1024};
	return (b->s = kmalloc(b->cap)) != NULL;
}

static struct inode *symlink_of(const char *target)
{
	size_t n = strlen(target);
	struct inode *ip = fs_inode_new_locked(S_IFLNK | 0777);

	if (ip && !(ip->target = kmalloc(n + 1))) {
		fs_inode_put_locked(ip);
		return NULL;
	}
	if (ip) {
		memcpy(ip->target, target, n + 1);
		ip->size = n;
	}
	return ip;
}

static struct inode *pid_dir(struct inode *parent, int pid)
{
	struct inode *ip = fs_inode_new_locked(S_IFDIR | 0555);

	if (ip) {
		ip->dyn = &proc_pid_ops;
		ip->dyn_id = pid;
		ip->dir.parent = parent;
	}
	return ip;
}

/* A decimal pid with no sign or leading zero, or -1. */
static int parse_pid(const char *name, size_t len)
{
	int pid = 0;

	if (!len || len > 9 || name[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		pid = pid * 10 + (name[i] - '0');
	}
	return pid;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(name, want, len);
}

static struct inode *root_lookup(struct inode *dir, const char *name, size_t len)
{
	struct process *me = current_process();
	struct pbuf b;
	char num[16];
	int pid;

	if (name_is(name, len, "self")) {
		if (!me)
			return NULL;
		snprintf(num, sizeof(num), "%d", me->pid);
		return symlink_of(num);
	}
	for (size_t i = 0; i < ARRAY_SIZE(root_files); i++)
		if (name_is(name, len, root_files[i].name)) {
			if (!pb_init(&b))
				return NULL;
			root_files[i].gen(&b);
			return file_of(&b);
		}
	return (pid = parse_pid(name, len)) > 0 && pid_exists(pid) ? pid_dir(dir, pid) : NULL;
}

static struct inode *pid_lookup(struct inode *dir, const char *name, size_t len)
{
	struct proc_snap *s = kmalloc(sizeof(*s));
	struct inode *ip = NULL;
	struct pbuf b;

	if (!s || !snap_take(dir->dyn_id, s)) {
		kfree(s);
		return NULL;
	}
	if (name_is(name, len, "exe") && s->exe[0])
		ip = symlink_of(s->exe);
	for (size_t i = 0; i < ARRAY_SIZE(pid_files); i++)
		if (name_is(name, len, pid_files[i].name) && pb_init(&b)) {
			pid_files[i].gen(&b, s);
			ip = file_of(&b);
		}
	kfree(s);
	return ip;
}

/* --- listings --- */

/* Gives names from pos on: ".", "..", then fixed names, then what
 * more() gives for index i (false past the end). */
struct listing {
	uint64_t ino;
	const char *const *fixed;
	uint32_t const *modes;
	size_t nfixed;
	bool (*more)(size_t i, char *name, size_t size);
};

static long list_names(const struct listing *l, uint64_t pos, fs_filldir_fn fn, void *arg)
{
	char name[24];

	for (;; pos++) {
		const char *n = name;
		uint32_t mode = S_IFDIR | 0555;

		if (pos < 2)
			n = pos ? ".." : ".";
		else if (pos - 2 < l->nfixed) {
			n = l->fixed[pos - 2];
			mode = l->modes[pos - 2];
		} else if (!l->more || !l->more(pos - 2 - l->nfixed, name, sizeof(name)))
			return (long)pos;
		if (!fn(arg, n, strlen(n), l->ino + pos, mode))
			return (long)pos;
	}
}

/* The i-th process by pid order of the process list. */
struct nth {
	size_t want, seen;
	int pid;
};

static int nth_fn(struct process *p, void *arg)
{
	struct nth *n = arg;

	if (n->seen++ == n->want) {
		n->pid = p->pid;
		return 1;
	}
	return 0;
}

static bool pid_name(size_t i, char *name, size_t size)
{
	struct nth n = {.want = i, .pid = -1};
	unsigned long flags = proc_lock_irqsave();

	process_for_each_locked(nth_fn, &n);
	proc_unlock_irqrestore(flags);
	if (n.pid < 0)
		return false;
	snprintf(name, size, "%d", n.pid);
	return true;
}

static const char *const root_names[] = {"self", "cpuinfo", "meminfo", "uptime", "loadavg"};
static const uint32_t root_modes[] = {S_IFLNK | 0777, S_IFREG | 0444, S_IFREG | 0444,
				      S_IFREG | 0444, S_IFREG | 0444};
static const char *const pid_names[] = {"cmdline", "comm", "exe", "stat", "status"};
static const uint32_t pid_modes[] = {S_IFREG | 0444, S_IFREG | 0444, S_IFLNK | 0777, S_IFREG | 0444,
				     S_IFREG | 0444};

static long root_readdir(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg)
{
	struct listing l = {dir->ino << 16, root_names, root_modes, ARRAY_SIZE(root_names),
			    pid_name};

	return list_names(&l, pos, fn, arg);
}

static long pid_readdir(struct inode *dir, uint64_t pos, fs_filldir_fn fn, void *arg)
{
	struct listing l = {dir->ino << 16, pid_names, pid_modes, ARRAY_SIZE(pid_names), NULL};

	return list_names(&l, pos, fn, arg);
}

static const struct fs_dyn_dir proc_root_ops = {.lookup = root_lookup, .readdir = root_readdir};
static const struct fs_dyn_dir proc_pid_ops = {.lookup = pid_lookup, .readdir = pid_readdir};

void proc_init(void)
{
	int rc = fs_mknod(NULL, "/proc", S_IFDIR | 0555, 0, 0, &proc_root);

	if (rc == -EEXIST)
		rc = fs_lookup(NULL, "/proc", 0, &proc_root);
	if (rc || !S_ISDIR(proc_root->mode)) {
		pr_err("proc: cannot make /proc (%d)\n", rc);
		return;
	}
	proc_root->dyn = &proc_root_ops; /* held for good: /proc stays */
}
