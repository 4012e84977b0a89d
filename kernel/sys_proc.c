/*
 * The process's own state: exit, ids, the FS base (arch_prctl), what
 * glibc's start-up records (set_tid_address, set_robust_list, limits),
 * its CPUs, and uname, the clock, sleeping and random bytes.  A sleep is
 * cut short by a signal to deliver: -EINTR, and what was left of it in
 * the remainder (signals: kernel/sys_signal.c).
 *
 * uname says "Linux" with release 6.1.0: glibc and programs look at the
 * system name, and a static glibc refuses a kernel older than the one it
 * was built for ("FATAL: kernel too old", 3.2.0 for Debian's); 6.1 is
 * Debian 12's kernel, whose system-call ABI this follows.  The version
 * field says the kernel is Amphi.
 *
 * The clocks themselves are read and set in kernel/sys_time.c; an
 * absolute sleep on CLOCK_REALTIME or CLOCK_BOOTTIME is turned into
 * sched_clock's terms when it starts (a clock set during it does not
 * move it, unlike Linux).  getrandom's bytes are xorshift output seeded from the TSC
 * and the clock: not cryptographic, said here and nowhere hidden.
 */
#include <amphi/errno.h>
#include <amphi/loadavg.h>
#include <amphi/mm.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/uaccess.h>
#include <asm/paravirt.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define MSR_FS_BASE 0xc0000100
#define ROBUST_LIST_HEAD_SIZE 24
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

long sys_exit(const struct sysargs *a)
{
	process_exit(((int)a->a[0] & 0xff) << 8);
}

long sys_getpid(const struct sysargs *a)
{
	return current_process()->pid;
}

long sys_getppid(const struct sysargs *a)
{
	return current_process()->ppid;
}

/* getuid, geteuid, getgid, getegid: everything runs as root for now. */
long sys_getid0(const struct sysargs *a)
{
	return 0;
}

long sys_sched_yield(const struct sysargs *a)
{
	yield();
	return 0;
}

/* prctl: the thread's name (what /proc/PID/stat and comm show, 16 bytes
 * with the NUL, TASK_COMM_LEN), which busybox sets to the applet's after
 * it runs itself again through /proc/self/exe.  Every other option is
 * -EINVAL, as Linux answers one it does not know. */
#define PR_SET_NAME 15
#define PR_GET_NAME 16

long sys_prctl(const struct sysargs *a)
{
	struct process *p = current_process();
	char name[sizeof(p->name)];
	long rc;

	switch (a->a[0]) {
	case PR_SET_NAME: /* a longer name is cut to 15 bytes, not refused */
		memset(name, 0, sizeof(name));
		rc = strncpy_from_user(name, a->a[1], sizeof(name));
		if (rc < 0 && rc != -ENAMETOOLONG)
			return rc;
		memcpy(p->name, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		memcpy(name, p->name, sizeof(name));
		name[sizeof(name) - 1] = 0;
		return copy_to_user(a->a[1], name, sizeof(name));
	default:
		return -EINVAL;
	}
}

/* sysinfo: uptime, the load averages (16 fractional bits, SI_LOAD_SHIFT,
 * where the kernel keeps 11), memory in pages (mem_unit), the number of
 * processes. */
struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

long sys_sysinfo(const struct sysargs *a)
{
	struct linux_sysinfo si;

	_Static_assert(sizeof(si) == 112, "struct sysinfo is 112 bytes on x86-64");
	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(sched_clock() / 1000000000);
	loadavg_read(si.loads);
	for (int i = 0; i < 3; i++)
		si.loads[i] <<= 16 - LOADAVG_FSHIFT;
	si.totalram = frames.nframes;
	si.freeram = frames.nfree;
	si.procs = (uint16_t)nr_processes;
	si.mem_unit = PAGE_SIZE;
	return copy_to_user(a->a[0], &si, sizeof(si));
}

long sys_arch_prctl(const struct sysargs *a)
{
	struct process *p = current_process();

	switch (a->a[0]) {
	case ARCH_SET_FS:
		if (a->a[1] >= USER_TOP)
			return -EPERM;
		local_irq_disable();
		p->fs_base = a->a[1];
		wrmsr(MSR_FS_BASE, p->fs_base);
		local_irq_enable();
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(a->a[1], &p->fs_base, sizeof(p->fs_base));
	default:
		return -EINVAL; /* GS is the kernel's way to its per-CPU data: not offered yet */
	}
}

long sys_set_tid_address(const struct sysargs *a)
{
	struct process *p = current_process();

	p->clear_child_tid = a->a[0];
	return p->pid;
}

long sys_set_robust_list(const struct sysargs *a)
{
	if (a->a[1] != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	current_process()->robust_list = a->a[0];
	return 0;
}

long sys_prlimit64(const struct sysargs *a)
{
	struct process *p = current_process();
	uint64_t res = a->a[1], lim[2];

	if (a->a[0] && (int)a->a[0] != p->pid)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (a->a[2] && copy_from_user(lim, a->a[2], sizeof(lim)))
		return -EFAULT;
	if (a->a[2] && lim[0] > lim[1])
		return -EINVAL;
	if (a->a[3] && copy_to_user(a->a[3], &p->rlim[res], sizeof(lim)))
		return -EFAULT;
	if (a->a[2]) {
		if (lim[1] > p->rlim[res].max)
			return -EPERM; /* raising the hard limit: only as CAP_SYS_RESOURCE */
		p->rlim[res].cur = lim[0];
		p->rlim[res].max = lim[1];
	}
	return 0;
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(const struct sysargs *a)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "amphi", sizeof(u.nodename));
	strlcpy(u.release, "6.1.0", sizeof(u.release));
	strlcpy(u.version, "#1 SMP Amphi", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(a->a[0], &u, sizeof(u));
}

uint64_t random_next(uint64_t *x)
{
	*x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

long sys_getrandom(const struct sysargs *a)
{
	uint64_t buf = a->a[0], len = a->a[1], x = rdtsc() ^ (sched_clock() << 7) ^ 1;
	uint64_t done = 0;

	if (a->a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, 33554431UL); /* Linux's most in one call */
	while (done < len) {
		uint64_t v = random_next(&x);
		size_t k = MIN(len - done, sizeof(v));

		if (copy_to_user(buf + done, &v, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

/* --- sleeping and the time of day --- */

struct k_timespec {
	int64_t sec, nsec;
};

static bool timespec_ok(const struct k_timespec *t)
{
	return t->sec >= 0 && t->nsec >= 0 && t->nsec < 1000000000;
}

static uint64_t timespec_ns(const struct k_timespec *t)
{
	uint64_t max_sec = UINT64_MAX / 1000000000ULL - 1;

	if ((uint64_t)t->sec > max_sec)
		return UINT64_MAX; /* forever, as far as anyone here can tell */
	return (uint64_t)t->sec * 1000000000ULL + (uint64_t)t->nsec;
}

/* Sleeps until the deadline (sched_clock) or a signal: 0, or the time
 * left when a signal came. */
static uint64_t sleep_until(uint64_t until)
{
	struct process *p = current_process();
	uint64_t now;

	wait_event_interruptible_deadline(&p->wq, false, until);
	now = sched_clock();
	return signal_pending(p) && now < until ? until - now : 0;
}

static long sleep_for(uint64_t req, uint64_t rem)
{
	struct k_timespec t, left;
	uint64_t ns, now = sched_clock(), until;

	if (copy_from_user(&t, req, sizeof(t)))
		return -EFAULT;
	if (!timespec_ok(&t))
		return -EINVAL;
	ns = timespec_ns(&t);
	until = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	if (!(ns = sleep_until(until)))
		return 0;
	left = (struct k_timespec){(int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL)};
	if (rem && copy_to_user(rem, &left, sizeof(left)))
		return -EFAULT;
	return -EINTR;
}

long sys_nanosleep(const struct sysargs *a)
{
	return sleep_for(a->a[0], a->a[1]);
}

#define TIMER_ABSTIME 1

/* An absolute time on clock clk as a sched_clock deadline (mono: now). */
static uint64_t clock_deadline_mono(uint64_t clk, uint64_t until, uint64_t mono)
{
	int64_t ahead = 0; /* how far clk is ahead of sched_clock */

	if (clk == 0 || clk == 5)
		ahead = time_real_ns() - (int64_t)mono;
	else if (clk == 7)
		ahead = (int64_t)(time_boot_ns(NULL) - mono);
	if (ahead > 0)
		return until > (uint64_t)ahead ? until - (uint64_t)ahead : 0;
	return until > UINT64_MAX + ahead ? UINT64_MAX : until - (uint64_t)ahead;
}

long sys_clock_nanosleep(const struct sysargs *a)
{
	struct k_timespec t;
	uint64_t now = sched_clock(), until;

	if (a->a[0] > 7 || a->a[0] == 2 || a->a[0] == 3 || a->a[0] == 4)
		return -EINVAL; /* CPU-time clocks and MONOTONIC_RAW do not sleep */
	if (!(a->a[1] & TIMER_ABSTIME))
		return sleep_for(a->a[2], a->a[3]);
	if (copy_from_user(&t, a->a[2], sizeof(t)))
		return -EFAULT;
	if (!timespec_ok(&t))
		return -EINVAL;
	until = clock_deadline_mono(a->a[0], timespec_ns(&t), now);
	if (until > now && sleep_until(until))
		return -EINTR;
	return 0;
}

long sys_getrlimit(const struct sysargs *a)
{
	struct process *p = current_process();

	if (a->a[0] >= RLIM_NLIMITS)
		return -EINVAL;
	return copy_to_user(a->a[1], &p->rlim[a->a[0]], sizeof(p->rlim[0]));
}

/* The CPUs it may run on, of those online. */
long sys_sched_getaffinity(const struct sysargs *a)
{
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());
	cpumask_t mask = current_process()->cpus & online;

	if (a->a[0] && (int)a->a[0] != current_process()->pid)
		return -ESRCH;
	if (a->a[1] < sizeof(mask) || (a->a[1] & (sizeof(long) - 1)))
		return -EINVAL;
	if (copy_to_user(a->a[2], &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}
