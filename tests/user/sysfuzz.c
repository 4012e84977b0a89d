/*
 * System-call argument fuzzing from user mode: `sysfuzz SEED COUNT` makes
 * COUNT system calls with numbers and arguments drawn from SEED, the
 * arguments a hostile program would pass: pointers into the kernel, into
 * nothing, non-canonical, unaligned, just below the top of user space,
 * at the end of a real buffer with a length that runs past it; sizes of
 * 0, -1 and 2^62; flags with every bit; descriptors that are not open.
 *
 * What it checks is what the kernel owes any program: every call comes
 * back, and with a result that is either a value or one of Linux's error
 * numbers (-1 to -4095), never something in between.  The kernel's side
 * (no fault in the kernel, every frame and byte given back after the
 * program ends) is the selftest's to check.
 *
 * Some calls would end the program or stop it for good however the kernel
 * behaves (exit, execve, a signal to itself, a sleep, a wait with no
 * timeout), and those that set the time of day the rest of the boot reads:
 * those are never drawn.  Calls that map, unmap or change memory
 * get addresses only from an arena of their own or from where no program
 * may be, never the program's text, data or stack.  Descriptors 0, 1 and 2
 * are neither closed, overwritten, written to nor read from (the report at
 * the end goes there); reads go to /dev/zero or to no descriptor at all,
 * because a read of an empty pipe would wait for ever.  A handler a
 * fuzzed rt_sigaction installs is always SIG_IGN, so that no signal can
 * jump to a random address.  The strings in the scratch buffer are letters
 * and NULs only, never '/' or '.', and the program works in a directory
 * of its own, so that the files it creates by chance stay there.
 */
#include "ulib.h"

#define ARENA 0x100000000UL /* 4 GiB: far from any program's image */
#define ARENA_LEN (64UL * 4096)
#define SCRATCH_LEN (16UL * 4096)
#define NR_MAX 460
#define ERRNO_MAX 4095

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Never drawn: they end or stop the program whatever the kernel does. */
static int forbidden(u64 nr)
{
	static const unsigned short no[] = {
	    15,  /* rt_sigreturn: jumps wherever the stack says */
	    23,  /* select */
	    34,  /* pause */
	    35,  /* nanosleep */
	    37,  /* alarm: SIGALRM ends the program */
	    38,  /* setitimer */
	    56,  /* clone */
	    57,  /* fork */
	    58,  /* vfork */
	    59,  /* execve */
	    60,  /* exit */
	    62,  /* kill: of itself */
	    80,  /* chdir: out of its directory */
	    81,  /* fchdir */
	    128, /* rt_sigtimedwait */
	    129, /* rt_sigqueueinfo: to itself */
	    130, /* rt_sigsuspend */
	    160, /* setrlimit: a CPU limit ends it */
	    161, /* chroot */
	    164, /* settimeofday: the tests after it read the time */
	    169, /* reboot */
	    200, /* tkill */
	    202, /* futex: a wait with no timeout */
	    222, /* timer_create: a timer's signal ends it */
	    227, /* clock_settime: as settimeofday */
	    230, /* clock_nanosleep */
	    231, /* exit_group */
	    232, /* epoll_wait */
	    234, /* tgkill */
	    270, /* pselect6 */
	    271, /* ppoll */
	    281, /* epoll_pwait */
	    297, /* rt_tgsigqueueinfo */
	    322, /* execveat */
	    335, /* uretprobe: Linux answers a call from elsewhere with SIGILL */
	    336, /* uprobe: the same */
	    424, /* pidfd_send_signal */
	    435, /* clone3 */
	    436, /* close_range */
	    441, /* epoll_pwait2 */
	    449, /* futex_waitv */
	};

	for (u64 i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (no[i] == nr)
			return 1;
	return 0;
}

static int is_memory_call(u64 nr)
{
	/* mmap mprotect munmap brk mremap msync mincore madvise shmat
	 * mlock munlock mlockall pkey_mprotect */
	return nr == 9 || nr == 10 || nr == 11 || nr == 12 || nr == 25 || nr == 26 ||
	       nr == 27 || nr == 28 || nr == 30 || nr == 149 || nr == 150 || nr == 151 ||
	       nr == 329;
}

static int is_write_call(u64 nr)
{
	/* write pwrite64 writev sendfile splice tee vmsplice pwritev pwritev2 */
	return nr == 1 || nr == 18 || nr == 20 || nr == 40 || nr == 275 || nr == 276 ||
	       nr == 278 || nr == 296 || nr == 328;
}

static int is_read_call(u64 nr)
{
	/* read pread64 readv preadv preadv2 */
	return nr == 0 || nr == 17 || nr == 19 || nr == 295 || nr == 327;
}

static unsigned char *scratch;
static s64 zero_fd = -1;
static u64 brk0; /* the break the program started with */

/* Somewhere no program has or may have. */
static u64 bad_pointer(void)
{
	static const u64 bad[] = {
	    0x0,
	    0x1,
	    0xfff,
	    0x10000 - 8,
	    0x7ffffffff000UL,         /* the last page of user space, unmapped here */
	    0x7fffffffffffUL,         /* its last byte */
	    0x800000000000UL,         /* the first non-canonical address */
	    0xffff800000000000UL,     /* the first canonical kernel address */
	    0xffff888000100000UL,     /* where a kernel in the upper half lives */
	    0xffffffff80000000UL,     /* where Linux's image lives */
	    0xfffffffffffff000UL,     /* the last page */
	    0x100000,                 /* where a kernel linked low lives */
	    ARENA + ARENA_LEN + 4096, /* past the arena */
	};

	return bad[rnd() % (sizeof(bad) / sizeof(bad[0]))] + (rnd() % 4 == 0 ? rnd() % 8 : 0);
}

/* A real buffer, often with too little of it left. */
static u64 good_pointer(void)
{
	u64 off = rnd() % 3 == 0 ? SCRATCH_LEN - rnd() % 16 : rnd() % SCRATCH_LEN;

	return (u64)scratch + off;
}

static u64 number(void)
{
	static const u64 n[] = {0, 1, 2, 3, 7, 64, 255, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
				0xffffffff, 1UL << 62, ~0UL, ~0UL - 1, 0x8000000000000000UL};

	switch (rnd() % 4) {
	case 0:
		return rnd();
	case 1:
		return rnd() % 64;
	default:
		return n[rnd() % (sizeof(n) / sizeof(n[0]))];
	}
}

static u64 any_arg(void)
{
	switch (rnd() % 3) {
	case 0:
		return bad_pointer();
	case 1:
		return good_pointer();
	default:
		return number();
	}
}

/* Where no program may be: kernel and non-canonical addresses. */
static u64 kernel_pointer(void)
{
	static const u64 k[] = {0x800000000000UL, 0xffff800000000000UL, 0xffff888000100000UL,
				0xffffffff80000000UL, 0xfffffffffffff000UL};

	return k[rnd() % (sizeof(k) / sizeof(k[0]))];
}

/* An address for a memory call that no program may have. */
static u64 memory_arg_bad(void)
{
	return rnd() % 4 ? kernel_pointer() + rnd() % 2 : 0;
}

/* A memory call's address and length: in the arena, running at most a
 * little past it, or in the kernel with any length. */
static void memory_args(u64 *addr, u64 *len)
{
	u64 off = (rnd() % (ARENA_LEN / 4096)) * 4096;

	if (rnd() % 4 == 0) {
		*addr = kernel_pointer() + (rnd() % 8 == 0);
		*len = number();
		return;
	}
	*addr = ARENA + off + (rnd() % 8 == 0);
	*len = rnd() % 8 == 0 ? rnd() % 4096 : (rnd() % ((ARENA_LEN - off) / 4096 + 1)) * 4096;
}

/* The console's descriptors and /dev/zero's, which reads need. */
static int kept_fd(u64 fd)
{
	return fd < 3 || (s64)fd == zero_fd;
}

/* Keeps the program's console descriptors, its own memory and its
 * signal handling whole. */
static void tame(u64 nr, u64 *a)
{
	if (is_memory_call(nr)) {
		memory_args(&a[0], &a[1]);
		if (nr == 25) /* mremap: old length, new length, flags, new address */
			memory_args(&a[4], &a[2]);
		if (nr == 12) /* brk: a little above where it began, or nonsense;
			       * never over gigabytes, where a read of /dev/zero
			       * would then take all memory */
			a[0] = rnd() % 2 ? brk0 + (rnd() % 64) * 4096 + rnd() % 2 : memory_arg_bad();
	}
	if (is_read_call(nr))
		a[0] = rnd() % 2 && zero_fd >= 0 ? (u64)zero_fd : 1000 + rnd() % 64;
	if (is_write_call(nr) && kept_fd(a[0]))
		a[0] += 100;
	if ((nr == 3 || nr == 16 || nr == 72) && kept_fd(a[0])) /* close, ioctl, fcntl */
		a[0] += 100;
	if ((nr == 33 || nr == 292) && kept_fd(a[1])) /* dup2, dup3 onto them */
		a[1] += 100;
	if (nr == 7) /* poll: never waits */
		a[2] = 0;
	if (nr == 302) /* prlimit64: reads a new limit only from where it cannot */
		a[2] = rnd() % 2 ? 0 : kernel_pointer();
	if (nr == 13 && a[1] >= (u64)scratch && a[1] - (u64)scratch <= SCRATCH_LEN - 8)
		*(u64 *)a[1] = 1; /* rt_sigaction: SIG_IGN */
}

static u64 drawn_nr(void)
{
	u64 nr;

	static const u64 far[] = {NR_MAX, 511, 512, 1000, 0x40000000, 0x40000001, 0x7fffffff,
				  0x80000000, 0xffffffff, 1UL << 32, ~0UL};

	if (rnd() % 16 == 0) /* past every table: the x32 bit, negative, 64-bit */
		return far[rnd() % (sizeof(far) / sizeof(far[0]))];
	do
		nr = rnd() % NR_MAX;
	while (forbidden(nr));
	return nr;
}

static u64 by_errno[ERRNO_MAX + 1];

static void report(u64 calls, u64 values, u64 wrong)
{
	puts1("sysfuzz: ");
	putnum((s64)calls);
	puts1(" calls, ");
	putnum((s64)values);
	puts1(" values, ");
	putnum((s64)wrong);
	puts1(" results neither a value nor an error number\n");
	puts1("sysfuzz: errors");
	for (int e = 1; e <= ERRNO_MAX; e++)
		if (by_errno[e]) {
			puts1(" ");
			putnum(e);
			puts1(":");
			putnum((s64)by_errno[e]);
		}
	puts1("\n");
}

/* A directory of its own to work in: /tmp/sysfuzz-SEED.  A kernel with
 * no file system calls at all needs none. */
static int sandbox(u64 seed)
{
	char dir[40] = "/tmp/sysfuzz-";
	int n = 13;
	s64 r;

	for (u64 d = 1000000; d; d /= 10)
		dir[n++] = (char)('0' + seed / d % 10);
	dir[n] = 0;
	sys2(83, "/tmp", 0755);
	sys2(83, dir, 0755);
	r = sys1(80, dir);
	if (r == 0 || (r == -38 && sys3(2, "/", 0, 0) == -38))
		return 0;
	puts1("sysfuzz: cannot work in ");
	puts1(dir);
	puts1(": error ");
	putnum(-r);
	puts1("\n");
	return 1;
}

/* The call about to be made, for `sysfuzz SEED COUNT v`: what a failing
 * seed is taken apart with. */
static void say_call(u64 i, u64 nr, const u64 *a)
{
	puts1("sysfuzz: #");
	putnum((s64)i);
	puts1(" call ");
	putnum((s64)nr);
	for (int k = 0; k < 6; k++) {
		puts1(" ");
		puthex(a[k]);
	}
	puts1("\n");
}

static int fuzz(u64 seed, u64 count, int verbose)
{
	u64 values = 0, wrong = 0;

	rng = seed * 2654435761UL + 1;
	scratch = (unsigned char *)sys6(9, 0, SCRATCH_LEN, 3, 0x22, ~0UL, 0);
	if ((s64)scratch < 0) {
		puts1("sysfuzz: no scratch memory\n");
		return 1;
	}
	for (u64 i = 0; i < SCRATCH_LEN; i++)
		scratch[i] = (unsigned char)(rnd() % 4 ? 'a' + rnd() % 26 : 0);
	if (sandbox(seed))
		return 1;
	brk0 = (u64)sys1(12, 0);
	zero_fd = sys3(2, "/dev/zero", 0, 0);
	for (u64 i = 0; i < count; i++) {
		u64 nr = drawn_nr(), a[6];
		s64 r;

		for (int k = 0; k < 6; k++)
			a[k] = any_arg();
		tame(nr, a);
		if (verbose)
			say_call(i, nr, a);
		r = sys6((s64)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r >= 0)
			values++;
		else if (r >= -ERRNO_MAX)
			by_errno[-r]++;
		else if (r < -ERRNO_MAX) {
			wrong++;
			puts1("sysfuzz: call ");
			putnum((s64)nr);
			puts1(" returned ");
			puthex((u64)r);
			puts1("\n");
		}
	}
	report(count, values, wrong);
	return wrong ? 1 : 0;
}

static void start_c(u64 *sp)
{
	char **argv = (char **)(sp + 1);
	int argc = (int)sp[0];

	if (argc < 3) {
		puts1("usage: sysfuzz SEED COUNT [v]\n");
		uexit(2);
	}
	uexit(fuzz(atou(argv[1]), atou(argv[2]), argc > 3));
}
