/*
 * The kernel's user-mode test program: `utest CASE [ARGS]`, one case per
 * kernel selftest (kernel/user_selftest.c), each ending with a status the
 * selftest checks: 0 when every check held, the number of the first check
 * that did not, or the signal the case exists to draw.  Output goes to fd
 * 1 for the selftest to compare.
 */
#include "ulib.h"

#define CHECK(n, cond)                                                   \
	do {                                                             \
		if (!(cond)) {                                           \
			puts1("check " #n " failed: " #cond "\n");       \
			uexit(n);                                        \
		}                                                        \
	} while (0)

#define EFAULT 14
#define EBADF 9
#define EINVAL 22
#define ENOSYS 38
#define ENOENT 2
#define ENOMEM 12
#define PAGE 4096UL

static u64 *stack_at_start;

/* --- hello: write and writev to fd 1 and 2 --- */

struct iovec {
	const void *base;
	u64 len;
};

static int t_hello(void)
{
	static const char a[] = "hello ", b[] = "from ", c[] = "writev\n";
	struct iovec v[3] = {{a, 6}, {b, 5}, {c, 7}};

	CHECK(1, sys3(1, 1, "hello from user mode\n", 21) == 21);
	CHECK(2, sys3(20, 1, v, 3) == 18);
	CHECK(3, sys3(1, 2, "to stderr\n", 10) == 10);
	CHECK(4, sys3(1, 1, "", 0) == 0);
	return 0;
}

/* --- calls: the ones glibc's start-up makes, and the auxiliary vector --- */

static u64 auxv_get(u64 type)
{
	u64 *p = stack_at_start;
	u64 argc = *p;

	p += 1 + argc + 1;
	while (*p)
		p++;
	for (p++; p[0]; p += 2)
		if (p[0] == type)
			return p[1];
	return ~0UL;
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
};


static int t_aux(void)
{
	u64 argc = stack_at_start[0];
	const char *argv0 = (const char *)stack_at_start[1];

	CHECK(9, ustreq((const char *)stack_at_start[argc + 2], "HOME=/"));	/* envp[0] */
	CHECK(10, argc >= 2 && ustreq(argv0, "utest"));
	CHECK(11, ((u64)stack_at_start & 15) == 0);
	CHECK(12, auxv_get(6) == 4096);				/* AT_PAGESZ */
	CHECK(13, auxv_get(9) == (u64)_start);			/* AT_ENTRY */
	CHECK(14, auxv_get(4) == 56 && auxv_get(5) >= 2);	/* AT_PHENT, AT_PHNUM */
	CHECK(15, ustreq((const char *)auxv_get(15), "x86_64")); /* AT_PLATFORM */
	CHECK(16, auxv_get(25) != ~0UL && auxv_get(23) == 0);	/* AT_RANDOM, AT_SECURE */
	CHECK(17, ustreq((const char *)auxv_get(31), "utest"));	/* AT_EXECFN */
	CHECK(18, auxv_get(11) == 0 && auxv_get(14) == 0);	/* AT_UID, AT_EGID */
	CHECK(19, *(const unsigned *)auxv_get(3) == 1);		/* AT_PHDR: a PT_LOAD first? */
	return 0;
}

static int t_ids(void)
{
	struct utsname u;
	s64 pid = sys0(39);

	CHECK(20, pid > 0 && sys0(186) == pid);			/* getpid, gettid */
	CHECK(21, sys0(110) == 0);				/* getppid: the kernel's */
	CHECK(22, sys0(102) == 0 && sys0(107) == 0 && sys0(104) == 0 && sys0(108) == 0);
	CHECK(23, sys1(63, &u) == 0 && ustreq(u.sysname, "Linux") && ustreq(u.machine, "x86_64"));
	CHECK(24, sys1(218, &u) == pid);				/* set_tid_address */
	CHECK(25, sys2(273, &u, 24) == 0 && sys2(273, &u, 23) == -EINVAL);
	CHECK(26, sys4(334, &u, 32, 0, 0) == -ENOSYS);		/* rseq */
	CHECK(27, sys0(999) == -ENOSYS);
	return 0;
}

/* nanosleep, clock_nanosleep, gettimeofday, time, getrlimit,
 * sched_getaffinity. */
static int t_sleep(void)
{
	s64 a[2], b[2], req[2] = {0, 20 * 1000 * 1000}, bad[2] = {0, 1000000000}, tv[2], t = 0;
	u64 lim[2], mask = 0;

	CHECK(110, sys2(228, 1, a) == 0 && sys2(35, req, 0) == 0 && sys2(228, 1, b) == 0);
	CHECK(111, (b[0] - a[0]) * 1000000000 + (b[1] - a[1]) >= 20 * 1000 * 1000);
	CHECK(112, sys2(35, bad, 0) == -EINVAL && sys2(35, 0x100000, 0) == -EFAULT);
	b[1] += 10 * 1000 * 1000;
	if (b[1] >= 1000000000)
		b[0]++, b[1] -= 1000000000;
	CHECK(113, sys4(230, 1, 1, b, 0) == 0 && sys2(228, 1, a) == 0);	/* TIMER_ABSTIME */
	CHECK(114, a[0] > b[0] || (a[0] == b[0] && a[1] >= b[1]));
	CHECK(115, sys4(230, 2, 0, req, 0) == -EINVAL);			/* a CPU-time clock */
	CHECK(116, sys2(96, tv, 0) == 0 && tv[1] >= 0 && tv[1] < 1000000);
	CHECK(117, sys1(201, &t) == t && t >= 0);
	CHECK(118, sys2(97, 3, lim) == 0 && lim[0] == 8UL << 20 && sys2(97, 99, lim) == -EINVAL);
	CHECK(119, sys3(204, 0, 8, &mask) == 8 && mask != 0 && sys3(204, 0, 4, &mask) == -EINVAL);
	return 0;
}

static s64 ts_ns(const s64 *t)
{
	return t[0] * 1000000000 + t[1];
}

/* The time of day: read at boot (so after 2020), set by clock_settime and
 * settimeofday as root may on Linux, MONOTONIC untouched by either; and
 * what Linux refuses.  The time is put back as it was. */
static int t_settime(void)
{
	s64 r[2], m[2], r2[2], m2[2], res[2], t = 0, tv[2], tz[2] = {60, 0}, tz2[2] = {0, 0};
	s64 set[2], bad[2] = {1, 1000000000}, neg[2] = {-1, 0};

	CHECK(140, sys2(228, 0, r) == 0 && sys2(228, 1, m) == 0);
	CHECK(141, r[0] > 1577836800); /* 2020-01-01: the wall clock was read */
	set[0] = r[0] + 100000, set[1] = r[1];
	CHECK(142, sys2(227, 0, set) == 0 && sys2(228, 0, r2) == 0 && sys2(228, 1, m2) == 0);
	CHECK(143, ts_ns(r2) - ts_ns(set) >= 0 && ts_ns(r2) - ts_ns(set) < 5000000000);
	CHECK(144, ts_ns(m2) - ts_ns(m) >= 0 && ts_ns(m2) - ts_ns(m) < 5000000000);
	CHECK(145, sys1(201, &t) == t && t >= set[0] && t < set[0] + 5);
	CHECK(146, sys2(96, tv, 0) == 0 && tv[0] >= set[0] && tv[0] < set[0] + 5);
	CHECK(147, sys2(227, 1, set) == -EINVAL && sys2(227, 0, bad) == -EINVAL &&
		       sys2(227, 0, neg) == -EINVAL && sys2(227, 0, 0x100000) == -EFAULT);
	/* settimeofday: back to the real time, and a zone kept and given back. */
	sys2(228, 1, m2);
	tv[0] = r[0] + (ts_ns(m2) - ts_ns(m)) / 1000000000, tv[1] = 0;
	CHECK(148, sys2(164, tv, tz) == 0 && sys2(96, r2, tz2) == 0 && tz2[0] == 60);
	CHECK(149, r2[0] >= tv[0] && r2[0] < tv[0] + 5);
	tv[1] = 1000000;
	CHECK(150, sys2(164, tv, 0) == -EINVAL && sys2(164, 0, 0) == 0);
	tz[0] = 16 * 60;
	CHECK(151, sys2(164, 0, tz) == -EINVAL);
	tz[0] = 0;
	CHECK(152, sys2(164, 0, tz) == 0 && sys2(96, 0, tz2) == 0 && tz2[0] == 0);
	CHECK(153, sys2(229, 0, res) == 0 && res[0] == 0 && res[1] > 0 && sys2(229, 99, res) == -EINVAL);
	/* An absolute sleep on CLOCK_REALTIME, 20 ms ahead. */
	CHECK(154, sys2(228, 0, r) == 0 && sys2(228, 1, m) == 0);
	r[1] += 20000000;
	if (r[1] >= 1000000000)
		r[0]++, r[1] -= 1000000000;
	CHECK(155, sys4(230, 0, 1, r, 0) == 0 && sys2(228, 1, m2) == 0);
	CHECK(156, ts_ns(m2) - ts_ns(m) >= 15000000 && ts_ns(m2) - ts_ns(m) < 5000000000);
	return 0;
}

/* reboot's refusals and the commands that change nothing for good
 * (the ones that do are run by tests/vm/run's native_init); sync. */
static int t_reboot_sync(void)
{
	u64 m1 = 0xfee1dead, m2 = 672274793;

	CHECK(160, sys4(169, 0, m2, 0x4321fedc, 0) == -EINVAL);	/* wrong first magic */
	CHECK(161, sys4(169, m1, 1, 0x4321fedc, 0) == -EINVAL);	/* wrong second magic */
	CHECK(162, sys4(169, m1, m2, 0x12345678, 0) == -EINVAL);	/* no such command */
	CHECK(163, sys4(169, m1, 85072278, 0, 0) == 0 &&		/* CAD_OFF, CAD_ON */
		       sys4(169, m1, m2, 0x89abcdef, 0) == 0);
	CHECK(164, sys4(169, m1, m2, 0x45584543, 0) == -ENOSYS);	/* no kexec */
	CHECK(165, sys1(162, 0) == 0);
	return 0;
}

static int t_time_random(void)
{
	s64 a[2], b[2];
	unsigned char r[32] = {0};
	int nonzero = 0;

	CHECK(30, sys2(228, 1, a) == 0 && sys2(228, 1, b) == 0);
	CHECK(31, b[0] > a[0] || (b[0] == a[0] && b[1] >= a[1]));
	CHECK(32, a[1] >= 0 && a[1] < 1000000000);
	CHECK(33, sys2(228, 99, a) == -EINVAL);
	CHECK(34, sys3(318, r, sizeof(r), 0) == 32);
	for (int i = 0; i < 32; i++)
		nonzero += r[i] != 0;
	CHECK(35, nonzero > 8);
	CHECK(36, sys3(318, r, 4, 0x80) == -EINVAL);
	if (t_settime() || t_reboot_sync())
		return 1;
	return t_sleep();
}

struct k_sigaction {
	u64 handler, flags, restorer, mask;
};

static int t_signals_limits(void)
{
	struct k_sigaction act = {1, 0x04000000, 0, 0}, old;
	u64 set = 1UL << 1, oldset = 0, lim[2];

	CHECK(40, sys4(13, 2, &act, 0, 8) == 0);		/* SIGINT ignored */
	CHECK(41, sys4(13, 2, 0, &old, 8) == 0 && old.handler == 1);
	CHECK(42, sys4(13, 9, &act, 0, 8) == -EINVAL);		/* SIGKILL */
	CHECK(43, sys4(13, 2, &act, 0, 4) == -EINVAL);		/* sigsetsize */
	CHECK(44, sys4(14, 0, &set, 0, 8) == 0);		/* SIG_BLOCK */
	CHECK(45, sys4(14, 0, 0, &oldset, 8) == 0 && oldset == set);
	CHECK(46, sys4(302, 0, 3, 0, lim) == 0 && lim[0] == 8UL << 20);	/* RLIMIT_STACK */
	CHECK(47, sys4(302, 0, 99, 0, lim) == -EINVAL);
	return 0;
}

static int t_io(void)
{
	unsigned char termios[36];
	char buf[8];
	u64 fs = 0;
	static u64 tls_block[4] = {0, 0x1234567890abcdefUL};

	CHECK(50, sys3(16, 1, 0x5401, termios) == 0);		/* TCGETS: a tty */
	CHECK(51, sys3(16, 7, 0x5401, termios) == -EBADF);
	CHECK(52, sys3(0, 0, buf, sizeof(buf)) == 0);		/* stdin: end of file */
	CHECK(53, sys3(1, 5, "x", 1) == -EBADF);
	CHECK(54, sys3(89, "/proc/self/exe", buf, sizeof(buf)) == -ENOENT);
	CHECK(55, sys2(158, 0x1002, tls_block) == 0);		/* ARCH_SET_FS */
	CHECK(56, sys2(158, 0x1003, &fs) == 0 && fs == (u64)tls_block);
	u64 v;
	__asm__ __volatile__("movq %%fs:8, %0" : "=r"(v));
	CHECK(57, v == 0x1234567890abcdefUL);
	CHECK(58, sys2(158, 0x1002, 0xffff800000000000UL) < 0);
	return 0;
}

/* prctl's name (what /proc/self/stat shows) and sysinfo. */
struct sysinfo {
	s64 uptime;
	u64 loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	u64 totalhigh, freehigh;
	unsigned mem_unit;
	char f[4];
};

static int t_prctl_sysinfo(void)
{
	char name[16] = {0}, stat[64];
	struct sysinfo si;
	s64 fd, n;

	CHECK(120, sys2(157, 15, "a-name-longer-than-15") == 0);	/* PR_SET_NAME */
	CHECK(121, sys2(157, 16, name) == 0 && ustreq(name, "a-name-longer-t"));
	CHECK(122, sys2(157, 15, 0x650000000000UL) == -EFAULT);
	CHECK(123, sys2(157, 16, 0xffff888000100000UL) == -EFAULT);
	CHECK(124, sys2(157, 9999, 0) == -EINVAL);
	fd = sys3(2, "/proc/self/stat", 0, 0);
	CHECK(125, fd >= 0 && (n = sys3(0, fd, stat, sizeof(stat) - 1)) > 0 && sys1(3, fd) == 0);
	stat[n] = 0;
	for (n = 0; stat[n] && stat[n] != '('; n++)
		;
	CHECK(126, stat[n] && ustreq_n(stat + n, "(a-name-longer-t) R ", 20));
	CHECK(127, sys1(99, &si) == 0 && si.mem_unit == 4096 && si.totalram >= si.freeram);
	CHECK(128, si.freeram > 0 && si.procs >= 1 && si.uptime >= 0 && si.totalswap == 0);
	CHECK(129, sys1(99, 0x650000000000UL) == -EFAULT);
	return 0;
}

static int t_calls(void)
{
	int r;

	if ((r = t_aux()) || (r = t_ids()) || (r = t_time_random()) ||
	    (r = t_signals_limits()) || (r = t_io()) || (r = t_prctl_sysinfo()))
		return r;
	puts1("calls: ok\n");
	return 0;
}

/* --- efault: bad pointers give -EFAULT, never a kernel fault --- */

/* Every system call of the kernel's table that takes a pointer, that
 * pointer made bad in turn: BAD stands for it, the other arguments are
 * good.  Each must say -EFAULT, as Linux does, for page 0, the kernel's
 * half and unmapped user memory.  Left out: the memory calls (their
 * addresses are not read through), set_tid_address and set_robust_list
 * (Linux keeps the pointer without reading it), wait4 and waitid (with
 * no child they say ECHILD first), and the calls that would not come
 * back (rt_sigreturn, exit, fork and its kin). */
#define BAD 0xbadbadbadUL
#define FD_ZERO_ 0xf0000001UL
#define FD_NULL 0xf0000002UL
#define FD_ROOT 0xf0000003UL
#define AT_CWD ((u64)-100)

struct efault_call {
	unsigned short nr;
	u64 a[6];
};

static const struct efault_call efault_calls[] = {
    {0, {FD_ZERO_, BAD, 8}},		/* read */
    {1, {1, BAD, 4}},			/* write */
    {2, {BAD, 0}},			/* open */
    {4, {BAD, 0}},			/* stat: the path */
    {4, {(u64)"/", BAD}},		/* stat: the buffer */
    {5, {1, BAD}},			/* fstat */
    {6, {BAD, 0}},			/* lstat */
    {6, {(u64)"/", BAD}},		/* lstat */
    {7, {BAD, 1, 0}},			/* poll */
    {13, {2, BAD, 0, 8}},		/* rt_sigaction: the new action */
    {13, {2, 0, BAD, 8}},		/* rt_sigaction: the old one */
    {14, {0, BAD, 0, 8}},		/* rt_sigprocmask: the set */
    {14, {0, 0, BAD, 8}},		/* rt_sigprocmask: the old set */
    {16, {1, 0x5401, BAD}},		/* ioctl TCGETS */
    {17, {FD_ZERO_, BAD, 8, 0}},	/* pread64 */
    {18, {FD_NULL, BAD, 8, 0}},		/* pwrite64 */
    {19, {FD_ZERO_, BAD, 1}},		/* readv */
    {20, {1, BAD, 1}},			/* writev */
    {21, {BAD, 0}},			/* access */
    {22, {BAD}},			/* pipe */
    {23, {1, BAD, 0, 0, 0}},		/* select: the set (a bad timeout below) */
    {35, {BAD, 0}},			/* nanosleep */
    {36, {0, BAD}},			/* getitimer */
    {38, {0, BAD, 0}},			/* setitimer */
    {40, {FD_NULL, FD_ZERO_, BAD, 8}},	/* sendfile: the offset */
    {59, {BAD, 0, 0}},			/* execve */
    {63, {BAD}},			/* uname */
    {76, {BAD, 0}},			/* truncate */
    {79, {BAD, 100}},			/* getcwd */
    {80, {BAD}},			/* chdir */
    {82, {BAD, (u64)"x"}},		/* rename */
    {82, {(u64)"/no-such-name", BAD}},	/* rename: the new name */
    {83, {BAD, 0755}},			/* mkdir */
    {84, {BAD}},			/* rmdir */
    {85, {BAD, 0644}},			/* creat */
    {86, {BAD, (u64)"x"}},		/* link */
    {86, {(u64)"/", BAD}},		/* link: the new name */
    {87, {BAD}},			/* unlink */
    {88, {BAD, (u64)"x"}},		/* symlink */
    {88, {(u64)"a", BAD}},		/* symlink: the new name */
    {89, {BAD, 0, 8}},			/* readlink: the path (buffer below) */
    {89, {(u64)"/proc/self", BAD, 8}},	/* readlink: the buffer */
    {90, {BAD, 0644}},			/* chmod */
    {92, {BAD, 0, 0}},			/* chown */
    {94, {BAD, 0, 0}},			/* lchown */
    {96, {BAD, 0}},			/* gettimeofday */
    {97, {0, BAD}},			/* getrlimit */
    {99, {BAD}},			/* sysinfo */
    {127, {BAD, 8}},			/* rt_sigpending */
    {130, {BAD, 8}},			/* rt_sigsuspend */
    {131, {BAD, 0}},			/* sigaltstack: the new stack */
    {131, {0, BAD}},			/* sigaltstack: the old one */
    {157, {15, BAD}},			/* prctl PR_SET_NAME */
    {157, {16, BAD}},			/* prctl PR_GET_NAME */
    {158, {0x1003, BAD}},		/* arch_prctl ARCH_GET_FS */
    {201, {BAD}},			/* time */
    {204, {0, 8, BAD}},			/* sched_getaffinity */
    {217, {FD_ROOT, BAD, 4096}},	/* getdents64 */
    {228, {1, BAD}},			/* clock_gettime */
    {230, {1, 0, BAD, 0}},		/* clock_nanosleep */
    {257, {AT_CWD, BAD, 0}},		/* openat */
    {258, {AT_CWD, BAD, 0755}},		/* mkdirat */
    {262, {AT_CWD, BAD, 0, 0}},		/* newfstatat: the path (buffer below) */
    {262, {AT_CWD, (u64)"/", BAD, 0}},	/* newfstatat: the buffer */
    {263, {AT_CWD, BAD, 0}},		/* unlinkat */
    {264, {AT_CWD, BAD, AT_CWD, (u64)"x"}}, /* renameat */
    {265, {AT_CWD, BAD, AT_CWD, (u64)"x", 0}}, /* linkat */
    {266, {BAD, AT_CWD, (u64)"x"}},	/* symlinkat */
    {267, {AT_CWD, BAD, 0, 8}},		/* readlinkat */
    {267, {AT_CWD, (u64)"/proc/self", BAD, 8}}, /* readlinkat: the buffer */
    {268, {AT_CWD, BAD, 0644}},		/* fchmodat */
    {269, {AT_CWD, BAD, 0}},		/* faccessat */
    {280, {AT_CWD, (u64)"/", BAD, 0}},	/* utimensat: the times */
    {293, {BAD, 0}},			/* pipe2 */
    {302, {0, 3, BAD, 0}},		/* prlimit64: the new limit */
    {302, {0, 3, 0, BAD}},		/* prlimit64: the old one */
    {316, {AT_CWD, BAD, AT_CWD, (u64)"x", 0}}, /* renameat2 */
    {318, {BAD, 8, 0}},			/* getrandom */
    {439, {AT_CWD, BAD, 0, 0}},		/* faccessat2 */
};

/* An argument of the table: the bad pointer, a descriptor, or as it is. */
static u64 efault_arg(u64 v, u64 bad, const u64 fds[3])
{
	if (v == BAD)
		return bad;
	if (v >= FD_ZERO_ && v <= FD_ROOT)
		return fds[v - FD_ZERO_];
	return v;
}

static int t_efault_each(void)
{
	static const u64 bads[] = {1, 0xffff888000000000UL, 0x650000000000UL};
	static const char *const names[] = {"page 0", "the kernel's half", "unmapped memory"};
	u64 fds[3] = {sys2(2, "/dev/zero", 0), sys2(2, "/dev/null", 1), sys2(2, "/", 0x10000)};
	u64 set = 1;
	int failed = 0;

	if ((s64)fds[0] < 0 || (s64)fds[1] < 0 || (s64)fds[2] < 0)
		return 1;
	for (u64 b = 0; b < sizeof(bads) / sizeof(bads[0]); b++) {
		for (u64 i = 0; i < sizeof(efault_calls) / sizeof(efault_calls[0]); i++) {
			const struct efault_call *c = &efault_calls[i];
			u64 a[6];
			s64 r;

			for (int k = 0; k < 6; k++)
				a[k] = efault_arg(c->a[k], bads[b], fds);
			r = sys6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			if (r != -EFAULT) {
				puts1("efault: system call ");
				putnum(c->nr);
				puts1(" (entry ");
				putnum((s64)i);
				puts1(") with ");
				puts1(names[b]);
				puts1(" said ");
				putnum(r);
				puts1("\n");
				failed++;
			}
		}
		if (sys6(23, 1, (u64)&set, 0, 0, bads[b], 0) != -EFAULT) { /* select's timeout */
			puts1("efault: select's timeout not refused\n");
			failed++;
		}
	}
	sys1(3, fds[0]), sys1(3, fds[1]), sys1(3, fds[2]);
	return failed;
}

static int t_efault(void)
{
	const u64 unmapped = 0x650000000000UL, kernel = 0xffff888000100000UL; /* its text */
	s64 ts[2];
	char *ro = (char *)sys6(9, 0, PAGE, 1, 0x22, -1, 0);	/* PROT_READ */
	struct iovec bad_iov[1] = {{(void *)unmapped, 4}};

	CHECK(60, sys3(1, 1, 0, 5) == -EFAULT);
	CHECK(61, sys3(1, 1, kernel, 4) == -EFAULT);
	CHECK(62, sys3(1, 1, unmapped, 4) == -EFAULT);
	CHECK(63, sys3(1, 1, 0x7ffffffff000UL - 2, 4) == -EFAULT);	/* past the user range */
	CHECK(64, sys1(63, kernel) == -EFAULT);				/* uname */
	CHECK(65, sys1(63, unmapped) == -EFAULT);
	CHECK(66, (s64)ro > 0 && sys2(228, 1, ro) == -EFAULT);		/* read-only */
	CHECK(67, sys2(228, 1, ts) == 0);
	CHECK(68, sys3(20, 1, bad_iov, 1) == -EFAULT);
	CHECK(69, sys3(20, 1, unmapped, 1) == -EFAULT);
	CHECK(70, sys3(89, unmapped, ts, 8) == -EFAULT);		/* readlink */
	CHECK(71, sys3(318, kernel, 8, 0) == -EFAULT);			/* getrandom */
	CHECK(72, sys4(13, 2, unmapped, 0, 8) == -EFAULT);		/* rt_sigaction */
	CHECK(73, sys2(158, 0x1003, kernel) == -EFAULT);		/* ARCH_GET_FS */
	CHECK(74, sys3(1, 1, ro, 0) == 0);
	CHECK(75, sys3(1, 1, ts, -1L) == -EINVAL);			/* negative as a ssize_t */
	CHECK(76, sys3(0, 0, kernel, 8) == -EFAULT);			/* read */
	CHECK(77, t_efault_each() == 0);
	puts1("efault: ok\n");
	return 0;
}

/* --- brk --- */

static int t_brk(void)
{
	u64 cur = sys1(12, 0), want = cur + (1UL << 20);
	volatile char *p = (volatile char *)cur;

	CHECK(80, cur > 0x400000UL); /* after the program */
	CHECK(81, (u64)sys1(12, want) == want);
	for (u64 off = 0; off < (1UL << 20); off += PAGE)
		p[off] = (char)(off >> 12);
	for (u64 off = 0; off < (1UL << 20); off += PAGE)
		CHECK(82, p[off] == (char)(off >> 12));
	CHECK(83, (u64)sys1(12, cur + PAGE) == cur + PAGE);		/* shrink */
	CHECK(84, p[0] == 0);
	CHECK(85, (u64)sys1(12, cur + 2 * PAGE) == cur + 2 * PAGE);
	CHECK(86, p[PAGE] == 0);					/* freed, then fresh */
	CHECK(87, (u64)sys1(12, 1) == cur + 2 * PAGE);			/* refused */
	puts1("brk: ok\n");
	return 0;
}

/* --- mmap, munmap, mprotect, then a write to a read-only page --- */

static int t_mmap(void)
{
	char *p = (char *)sys6(9, 0, 16 * PAGE, 3, 0x22, -1, 0);

	CHECK(90, (s64)p > 0 && ((u64)p & (PAGE - 1)) == 0);
	for (int i = 0; i < 16; i++)
		CHECK(91, p[i * PAGE] == 0);
	for (int i = 0; i < 16; i++)
		p[i * PAGE] = (char)(i + 1);
	CHECK(92, sys2(11, p + 4 * PAGE, PAGE) == 0);			/* a hole */
	CHECK(93, sys3(10, p + 8 * PAGE, 2 * PAGE, 1) == 0);		/* read-only */
	CHECK(94, p[8 * PAGE] == 9 && p[9 * PAGE] == 10 && p[10 * PAGE] == 11);
	char *f = (char *)sys6(9, (u64)(p + 12 * PAGE), PAGE, 3, 0x32, -1, 0);	/* MAP_FIXED */
	CHECK(95, f == p + 12 * PAGE && f[0] == 0 && p[13 * PAGE] == 14);
	CHECK(96, sys6(9, 0, PAGE, 3, 0x21, -1, 0) == -EINVAL);		/* MAP_SHARED */
	CHECK(97, sys6(9, (u64)(p + 1), PAGE, 3, 0x32, -1, 0) == -EINVAL);
	CHECK(98, sys2(11, p + 1, PAGE) == -EINVAL);
	CHECK(99, sys3(10, p + 4 * PAGE, PAGE, 1) == -ENOMEM);		/* the hole */
	CHECK(100, sys6(9, 0, 0, 3, 0x22, -1, 0) == -EINVAL);
	/* PROT_NONE on a page already there: the kernel may not read it
	 * either, and its bytes come back with the access. */
	CHECK(102, sys3(10, p + 14 * PAGE, PAGE, 0) == 0);
	CHECK(103, sys3(1, 1, p + 14 * PAGE, 1) == -EFAULT);
	CHECK(104, sys3(10, p + 14 * PAGE, PAGE, 3) == 0 && p[14 * PAGE] == 15);
	puts1("mmap: ok before the read-only write\n");
	p[9 * PAGE] = 1;						/* SIGSEGV */
	puts1("mmap: the write to a read-only page went through\n");
	return 101;
}

/* --- faults the program dies of --- */

static int t_null(void)
{
	puts1("null: dereferencing NULL\n");
	*(volatile int *)0 = 1;
	return 1;
}

static int t_unmapped_after_munmap(void)
{
	char *p = (char *)sys6(9, 0, PAGE, 3, 0x22, -1, 0);

	p[0] = 1;
	sys2(11, p, PAGE);
	puts1("munmap: touching the unmapped page\n");
	return p[0];
}

static int t_div0(void)
{
	volatile int zero = 0;
	return 10 / zero;
}

static int t_ud2(void)
{
	__asm__ __volatile__("ud2");
	return 1;
}

static int t_hlt(void)
{
	__asm__ __volatile__("hlt");	/* privileged: #GP */
	return 1;
}

static int t_exec_stack(void)
{
	unsigned char code[4] = {0xc3};	/* ret, on the (non-executable) stack */
	((void (*)(void))code)();
	return 1;
}

/* The kernel's own text, where every platform maps it: no program may
 * read it (on Xen PV, where every mapping is user-accessible, only the
 * user-mode root, which maps no kernel page, keeps it out). */
static int t_kernel_read(void)
{
	puts1("kread: reading the kernel's text\n");
	return *(volatile unsigned char *)0xffff888000100000UL;
}

/* --- syscall32: `syscall` from 32-bit code, which Linux without ia32
 * emulation answers -ENOSYS (an Intel CPU refuses it with #UD: SIGILL).
 * The far jumps go through pointers in memory, not the stack: in 32-bit
 * code only the low half of rsp is the stack pointer.  utest lies below
 * 4 GiB, so its addresses fit the 32-bit offsets.  The 32-bit code segment
 * is 16 below the 64-bit one in Amphi's GDT (0x2b, 0x3b) as in Xen's for
 * PV guests (FLAT_RING3_CS32 0xe023, CS64 0xe033).  Back in 64-bit mode
 * the registers' upper halves are not to be trusted (Xen PV's way back
 * from 32-bit code clears them): rsp and rbp come back from memory, and
 * every other register is given up. --- */

struct far_ptr {
	unsigned int off;
	unsigned short sel;
} __attribute__((packed));

static int t_syscall32(void)
{
	static struct far_ptr to32, to64;
	static u64 saved_sp[2];
	struct far_ptr *p64 = &to64;
	u64 *psp = saved_sp;
	unsigned short cs;
	long ret;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	to64.sel = cs;
	to32.sel = (unsigned short)(cs - 16);
	__asm__ __volatile__("leaq 1f(%%rip), %%rax\n\t"
			     "movl %%eax, %[t32]\n\t"
			     "leaq 2f(%%rip), %%rax\n\t"
			     "movl %%eax, (%%rbx)\n\t"
			     "movq %%rsp, (%%rdi)\n\t"
			     "movq %%rbp, 8(%%rdi)\n\t"
			     "movl $20, %%eax\n\t" /* i386's getpid */
			     "ljmpl *%[t32]\n\t"
			     ".code32\n"
			     "1: syscall\n\t"
			     "ljmpl *(%%ebx)\n\t"
			     ".code64\n"
			     "2: movq 8+%[sp], %%rbp\n\t"
			     "movq %[sp], %%rsp"
			     : "=a"(ret), [t32] "+m"(to32), [sp] "+m"(saved_sp), "+b"(p64), "+D"(psp)
			     :
			     : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
			       "r15", "memory");
	puts1("syscall32: the kernel said ");
	putnum((int)ret);
	puts1("\n");
	return (int)ret == -38 ? 0 : 1;
}

/* --- spin: loop with no system call until told to stop --- */

static u64 rdtsc(void)
{
	unsigned lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Set by the kernel's selftest, through the process's memory, once it
 * has seen the loop preempted. */
static volatile u64 spin_stop;

static int t_spin(void)
{
	puts1("spin: looping without system calls until ");
	puthex((u64)&spin_stop);
	puts1(" is set\n");
	while (!spin_stop)
		__asm__ __volatile__("" ::: "memory");
	puts1("spin: done\n");
	return 0;
}

/* --- getpid N: the null system call's round trip, in TSC ticks (make
 * bench runs it under -icount, where ticks are instructions): the best of
 * five loops of N calls, the loop included, as the kernel's benchmarks
 * count theirs. --- */

static int t_getpid(u64 n)
{
	u64 best = ~0UL;

	for (int r = 0; r < 5; r++) {
		u64 t0 = rdtsc();
		for (u64 i = 0; i < n; i++)
			sys0(39);
		u64 t = rdtsc() - t0;
		best = t < best ? t : best;
	}
	puts1("getpid: ");
	putnum((s64)best);
	puts1("\n");
	return 0;
}

static int dispatch(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (ustreq(c, "hello"))
		return t_hello();
	if (ustreq(c, "calls"))
		return t_calls();
	if (ustreq(c, "efault"))
		return t_efault();
	if (ustreq(c, "brk"))
		return t_brk();
	if (ustreq(c, "mmap"))
		return t_mmap();
	if (ustreq(c, "null"))
		return t_null();
	if (ustreq(c, "munmap"))
		return t_unmapped_after_munmap();
	if (ustreq(c, "div0"))
		return t_div0();
	if (ustreq(c, "ud2"))
		return t_ud2();
	if (ustreq(c, "hlt"))
		return t_hlt();
	if (ustreq(c, "execstack"))
		return t_exec_stack();
	if (ustreq(c, "kread"))
		return t_kernel_read();
	if (ustreq(c, "syscall32"))
		return t_syscall32();
	if (ustreq(c, "spin"))
		return t_spin();
	if (ustreq(c, "getpid"))
		return t_getpid(argc > 2 ? atou(argv[2]) : 1000);
	if (ustreq(c, "exit"))
		return (int)(argc > 2 ? atou(argv[2]) : 0);
	puts1("usage: utest hello|calls|efault|brk|mmap|null|munmap|div0|ud2|hlt|execstack|kread|syscall32|spin|getpid [N]|exit [N]\n");
	return 2;
}

static void start_c(u64 *sp)
{
	stack_at_start = sp;
	uexit(dispatch((int)sp[0], (char **)(sp + 1)));
}
