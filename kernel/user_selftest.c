/*
 * User mode, tested with the programs the kernel carries (tests/user/):
 * each test starts one, waits for it, and checks the status wait4 would
 * report and what it wrote; and after each, that its address space gave
 * back every frame it took.  Where the platform has no user mode yet
 * (Xen PV), each says so and skips.
 */
#include <amphi/errno.h>
#include <amphi/elf.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/uaccess.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/user.h>
#include <amphi/vm.h>

#define OUT_MAX 512

struct run {
	int status;
	char out[OUT_MAX + 1];
	char load_error[160];
	int64_t pages_left; /* frames the run did not give back */
	uint64_t syscalls;
};

static bool contains_n(const char *s, size_t len, const char *part)
{
	size_t n = strlen(part);

	for (size_t i = 0; i + n <= len; i++)
		if (!strncmp(s + i, part, n))
			return true;
	return false;
}

static bool contains(const char *s, const char *part)
{
	for (size_t n = strlen(part); *s; s++)
		if (!strncmp(s, part, n))
			return true;
	return false;
}

static const char *const no_env[] = {"HOME=/", "TERM=linux", NULL};

/* Runs a built-in program (or the given image) to its end. */
static int run_image(const char *name, const void *img, size_t len, const char *const *argv,
		     cpumask_t where, struct run *r)
{
	int64_t before = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED);
	struct process_spec spec = {
	    .name = name,
	    .image = img,
	    .image_len = len,
	    .argv = argv,
	    .envp = no_env,
	    .capture = OUT_MAX,
	    .quiet = true,
	    .cpus = where,
	};
	struct process *p = process_spawn(&spec);

	if (!p)
		return -ENOMEM;
	r->status = process_wait(p);
	memcpy(r->out, p->out, p->out_len);
	r->out[p->out_len] = 0;
	strlcpy(r->load_error, p->load_error, sizeof(r->load_error));
	r->syscalls = p->nr_syscalls;
	process_free(p);
	r->pages_left = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) - before;
	return 0;
}

static int run_prog(const char *prog, const char *const *argv, struct run *r)
{
	const struct user_prog *up = user_prog_find(prog);

	return run_image(prog, up->image, up->len, argv, 0, r);
}

#define UTEST(...) ((const char *const[]){"utest", __VA_ARGS__, NULL})

/* The common verdict: the status wanted, the output wanted at the start
 * of what it wrote, and no frame kept. */
static enum selftest_result verdict(struct selftest_ctx *ctx, const struct run *r, int want,
				    const char *want_out)
{
	char st[48], wst[48];

	process_status_str(r->status, st, sizeof(st));
	process_status_str(want, wst, sizeof(wst));
	if (r->load_error[0])
		return selftest_fail(ctx, "not loaded: %s", r->load_error);
	if (r->status != want)
		return selftest_fail(ctx, "%s, expected %s; it wrote \"%.80s\"", st, wst, r->out);
	if (want_out && strncmp(r->out, want_out, strlen(want_out)))
		return selftest_fail(ctx, "wrote \"%.100s\", expected \"%.60s\"", r->out, want_out);
	if (r->pages_left)
		return selftest_fail(ctx, "%s, but %ld frames of its address space were not freed",
				     st, (long)r->pages_left);
	return SELFTEST_SUCCESS;
}

#define NEED_USER()                                                                                \
	do {                                                                                       \
		if (user_unavailable())                                                            \
			return selftest_skip(ctx, "%s", user_unavailable());                       \
	} while (0)

#define RUN(prog, argv, r)                                                                         \
	do {                                                                                       \
		if (run_prog(prog, argv, r))                                                       \
			return selftest_error(ctx, "out of memory to start %s", prog);             \
	} while (0)

SELFTEST(user_hello)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("hello"), &r);
	if (verdict(ctx, &r, 0, "hello from user mode\nhello from writev\nto stderr\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "exited with 0 after %lu system calls, wrote its three lines",
			     r.syscalls);
}

SELFTEST(user_syscalls)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("calls"), &r);
	if (verdict(ctx, &r, 0, "calls: ok\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "auxv, ids, uname, clock, getrandom, signals, limits, tty, "
			     "arch_prctl FS, prctl's name, sysinfo: %lu calls as Linux "
			     "answers them",
			     r.syscalls);
}

SELFTEST(user_efault)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("efault"), &r);
	if (verdict(ctx, &r, 0, "efault: ok\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "NULL, kernel, unmapped, read-only and past-the-end pointers "
				  "all gave -EFAULT; so did each of the table's 79 pointer "
				  "arguments at page 0, in the kernel's half and unmapped");
}

SELFTEST(user_brk)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("brk"), &r);
	if (verdict(ctx, &r, 0, "brk: ok\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "grew 1 MiB, wrote every page, shrank, regrew zeroed");
}

SELFTEST(user_mmap)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("mmap"), &r);
	if (verdict(ctx, &r, SIGSEGV, "mmap: ok before the read-only write\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "mmap, munmap, mprotect, MAP_FIXED as Linux; the write to the "
				  "read-only page killed it with SIGSEGV");
}

/* Each case's program dies of the signal Linux sends for its fault. */
static const struct {
	const char *arg;
	int sig;
} fault_cases[] = {
    {"null", SIGSEGV}, {"munmap", SIGSEGV},    {"div0", SIGFPE},   {"ud2", SIGILL},
    {"hlt", SIGSEGV},  {"execstack", SIGSEGV}, {"kread", SIGSEGV},
};

SELFTEST(user_faults)
{
	struct run r;

	NEED_USER();
	for (unsigned i = 0; i < ARRAY_SIZE(fault_cases); i++) {
		RUN("utest", UTEST(fault_cases[i].arg), &r);
		if (verdict(ctx, &r, fault_cases[i].sig, NULL)) {
			char why[sizeof(ctx->reason)];
			strlcpy(why, ctx->reason, sizeof(why));
			return selftest_fail(ctx, "%s: %s", fault_cases[i].arg, why);
		}
	}
	/* -ENOSYS, or SIGILL from a CPU that refuses it (Intel's #UD). */
	RUN("utest", UTEST("syscall32"), &r);
	if (verdict(ctx, &r, r.status == SIGILL ? SIGILL : 0, NULL)) {
		char why[sizeof(ctx->reason)];
		strlcpy(why, ctx->reason, sizeof(why));
		return selftest_fail(ctx, "syscall32: %s", why);
	}
	return selftest_pass(ctx,
			     "NULL, unmapped, kernel text read, stack run, hlt: SIGSEGV; "
			     "x/0: SIGFPE; ud2: SIGILL; 32-bit syscall: %s",
			     r.status ? "SIGILL" : "-ENOSYS");
}

SELFTEST(user_exit_status)
{
	struct run r;

	NEED_USER();
	RUN("utest", UTEST("exit", "300"), &r);
	if (verdict(ctx, &r, (300 & 0xff) << 8, NULL))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "exit(300) reported as status %#x, as wait4 does", r.status);
}

/* Runs a copy of utest spoiled by `spoil`: it must end with 127 and a
 * load error containing `why`, having run nothing. */
static enum selftest_result run_spoiled(struct selftest_ctx *ctx, void (*spoil)(uint8_t *img),
					const char *why)
{
	const struct user_prog *up = user_prog_find("utest");
	uint8_t *bad = kmalloc_aligned(up->len, 16);
	struct run r;
	int rc;

	if (!bad)
		return selftest_error(ctx, "out of memory");
	memcpy(bad, up->image, up->len);
	spoil(bad);
	rc = run_image("bad-elf", bad, up->len, UTEST("hello"), 0, &r);
	kfree(bad);
	if (rc)
		return selftest_error(ctx, "out of memory");
	if (r.status != 127 << 8 || !contains(r.load_error, why) || r.out[0])
		return selftest_fail(ctx, "status %#x, load error \"%s\", output \"%.40s\"",
				     r.status, r.load_error, r.out);
	return SELFTEST_SUCCESS;
}

static void spoil_machine(uint8_t *img)
{
	((struct elf64_ehdr *)img)->e_machine = 3; /* i386 */
}

/* utest moved from 0x400000 to page 1, below USER_BASE (Linux's
 * mmap_min_addr): what a NULL pointer a little off must still fault on. */
#define LOW_PAGE 0x1000UL

static void spoil_low(uint8_t *img)
{
	struct elf64_ehdr *eh = (struct elf64_ehdr *)img;
	struct elf64_phdr *ph = (struct elf64_phdr *)(img + eh->e_phoff);
	uint64_t lo = UINT64_MAX;

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			lo = MIN(lo, ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE));
	eh->e_entry -= lo - LOW_PAGE;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		ph[i].p_vaddr -= ph[i].p_type == PT_LOAD ? lo - LOW_PAGE : 0;
}

/* An image the ELF checks refuse, or one outside the user range, is
 * never run: the process ends with 127 and the reason. */
SELFTEST(user_elf_refused)
{
	NEED_USER();
	if (run_spoiled(ctx, spoil_machine, "not an x86-64 program (e_machine)") ||
	    run_spoiled(ctx, spoil_low, "are outside the user range"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "an i386 image and one linked at %#lx were refused before "
			     "running, each with its reason",
			     LOW_PAGE);
}

/* A plain `gcc -static` program: ET_EXEC, linked at 0x400000, which the
 * kernel left to user space when it moved to the upper half. */
SELFTEST(user_glibc_static)
{
	const struct user_prog *up = user_prog_find("hello_static");
	struct elf_info info;
	struct run r;

	NEED_USER();
	if (!up || elf_check(up->image, up->len, &info))
		return selftest_error(ctx, "hello_static is not built in, or not a program");
	if (info.type != ET_EXEC || info.lo != 0x400000)
		return selftest_error(ctx,
				      "hello_static is not a non-PIE program at 0x400000 "
				      "(type %u, first address %#lx)",
				      info.type, info.lo);
	RUN("hello_static", ((const char *const[]){"hello_static", "one", NULL}), &r);
	if (verdict(ctx, &r, 0, "hello from glibc (argc 2, argv[0] hello_static)\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "Debian's glibc, non-PIE static at %#lx, started, printed and exited "
			     "0 after %lu system calls",
			     info.lo, r.syscalls);
}

/* A whole file of the tree in the heap (16-byte aligned, as an image
 * must be); NULL when it is missing or memory is short. */
static void *file_image(const char *path, size_t *len)
{
	struct inode *ip = NULL;
	uint8_t *img;
	long n = 0;

	if (fs_lookup(NULL, path, 0, &ip))
		return NULL;
	*len = (size_t)ip->size;
	if ((img = kmalloc(*len ? *len : 1)))
		n = fs_read(ip, 0, img, *len);
	inode_put(ip);
	if (img && n != (long)*len) {
		kfree(img);
		img = NULL;
	}
	return img;
}

/* Debian's busybox-static from the test initramfs, unmodified: a non-PIE
 * program at 0x400000, what the kernel moved to the upper half for.  Its
 * `echo` applet goes through glibc's start-up and busybox's own. */
SELFTEST(user_busybox)
{
	static const char *const argv[] = {"busybox", "echo", "hello", "from", "busybox", NULL};
	struct elf_info info;
	struct run r;
	size_t len;
	void *img;
	int rc;

	NEED_USER();
	if (!(img = file_image("/bin/busybox", &len)))
		return selftest_skip(ctx, "no /bin/busybox to read: this boot has no initramfs");
	if (elf_check(img, len, &info) || info.type != ET_EXEC) {
		kfree(img);
		return selftest_error(ctx, "/bin/busybox is not a non-PIE program");
	}
	rc = run_image("busybox", img, len, argv, 0, &r);
	kfree(img);
	if (rc)
		return selftest_error(ctx, "out of memory to start busybox");
	if (verdict(ctx, &r, 0, "hello from busybox\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "Debian's busybox-static (%zu bytes, non-PIE at %#lx) ran echo and "
			     "exited 0 after %lu system calls",
			     len, info.lo, r.syscalls);
}

SELFTEST(user_glibc)
{
	struct run r;

	NEED_USER();
	RUN("hello_glibc", ((const char *const[]){"hello_glibc", "one", NULL}), &r);
	if (verdict(ctx, &r, 0, "hello from glibc (argc 2, argv[0] hello_glibc)\n"))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "Debian's static-pie glibc started, printed and exited 0 "
			     "after %lu system calls",
			     r.syscalls);
}

/* The timer preempts a program that makes no system call: a kernel thread
 * on the same CPU gets to run while the program's count of system calls
 * stands still in its loop.  The program loops until a word of its own
 * memory is set, which the test does (through its address space) once the
 * thread has run three times, or after PREEMPT_WAIT_NS to end it anyway.
 * With another CPU the program and the thread run there, so that the test
 * keeps its deadline even if nothing preempts the program; on one CPU a
 * program never preempted leaves the test waiting, and the run's own
 * timeout says so. */
#define PREEMPT_WAIT_NS (10ULL * 1000 * 1000 * 1000)
#define PREEMPT_RUNS 3

struct preempt_probe {
	struct process *p;
	uint64_t loop_calls; /* its count once it announced the loop */
	volatile unsigned ran_in_loop;
	volatile bool stop, done;
};

static void preempt_prober(void *arg)
{
	struct preempt_probe *pp = arg;

	while (!pp->stop) {
		sleep_ns(5 * 1000 * 1000);
		if (!pp->p->exited && pp->p->nr_syscalls == pp->loop_calls)
			pp->ran_in_loop++;
	}
	pp->done = true;
}

/* The flag's address, from "... until 0x... is set\n"; 0 until all of
 * the line is there. */
static uint64_t spin_flag(const struct process *p)
{
	const char *s = p->out, *end = p->out + p->out_len;
	uint64_t v = 0;

	if (!contains_n(s, p->out_len, "is set\n"))
		return 0;
	for (; s < end - 1 && strncmp(s, "0x", 2); s++)
		;
	for (s += 2; s < end && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')); s++)
		v = v * 16 + (uint64_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	return v;
}

static struct process *spawn_spinner(unsigned int cpu)
{
	const struct user_prog *up = user_prog_find("utest");
	struct process_spec spec = {
	    .name = "utest",
	    .image = up->image,
	    .image_len = up->len,
	    .argv = UTEST("spin"),
	    .envp = no_env,
	    .capture = OUT_MAX,
	    .quiet = true,
	    .cpus = cpumask_of(cpu),
	};

	return process_spawn(&spec);
}

/* Waits for the probe's runs (or the deadline), then lets the loop end. */
static void watch_and_stop(struct preempt_probe *pp, uint64_t flag)
{
	static const uint64_t one = 1;
	uint64_t t0 = sched_clock();

	while (pp->ran_in_loop < PREEMPT_RUNS && sched_clock() - t0 < PREEMPT_WAIT_NS)
		sleep_ns(10 * 1000 * 1000);
	vm_write(pp->p->vm, flag, &one, sizeof(one));
}

SELFTEST(user_preempt)
{
	struct preempt_probe pp = {0};
	bool prober = false;
	uint64_t flag = 0;
	char st[48];
	int status;

	cpumask_t others = cpumask_online_others();
	unsigned int cpu = others ? 63 - (unsigned int)__builtin_clzll(others) : smp_processor_id();

	NEED_USER();
	if (!(pp.p = spawn_spinner(cpu)))
		return selftest_error(ctx, "out of memory");
	while (!pp.p->exited && !(flag = spin_flag(pp.p)))
		sleep_ns(1000 * 1000);
	pp.loop_calls = pp.p->nr_syscalls;
	if (!pp.p->exited &&
	    (prober = thread_create_on("preempt-probe", preempt_prober, &pp, cpumask_of(cpu))))
		watch_and_stop(&pp, flag);
	else if (!pp.p->exited)
		vm_write(pp.p->vm, flag, &(uint64_t){1}, sizeof(uint64_t));
	status = process_wait(pp.p);
	pp.stop = true;
	while (prober && !pp.done)
		sleep_ns(1000 * 1000);
	process_status_str(status, st, sizeof(st));
	process_free(pp.p);
	if (status || !flag)
		return selftest_fail(ctx, "the spinning program %s", st);
	if (!prober)
		return selftest_error(ctx, "no memory for the probe thread");
	if (pp.ran_in_loop < PREEMPT_RUNS)
		return selftest_fail(ctx,
				     "a thread on its CPU ran only %u times in %llu s of its "
				     "loop",
				     pp.ran_in_loop, PREEMPT_WAIT_NS / 1000000000ULL);
	return selftest_pass(ctx,
			     "a thread on its CPU (%u) ran %u times while it looped with no "
			     "system call; then told through its memory, it ended",
			     cpu, pp.ran_in_loop);
}

/* System calls with hostile arguments (tests/user/sysfuzz.c): a few
 * thousand calls drawn from fixed seeds, so that a failure can be run
 * again as it was.  The kernel must come through without a fault of its
 * own (a fault in the kernel ends the whole run), every call must come
 * back with a value or an error number, and the program's frames must
 * all come back once it has ended. */
#define SYSFUZZ_SEEDS 3
#define SYSFUZZ_CALLS "4000"

SELFTEST(user_sysfuzz)
{
	static const char *const seeds[SYSFUZZ_SEEDS] = {"1", "2", "3"};
	uint64_t calls = 0;
	struct run r;

	NEED_USER();
	for (int i = 0; i < SYSFUZZ_SEEDS; i++) {
		RUN("sysfuzz", ((const char *const[]){"sysfuzz", seeds[i], SYSFUZZ_CALLS, NULL}),
		    &r);
		if (r.status || r.pages_left)
			pr_err("user_sysfuzz: with seed %s:\n", seeds[i]);
		if (verdict(ctx, &r, 0, "sysfuzz: " SYSFUZZ_CALLS " calls"))
			return SELFTEST_FAILURE;
		calls += r.syscalls;
	}
	return selftest_pass(ctx,
			     "%d seeds, %lu system calls with hostile arguments, each came back "
			     "with a value or an error; every frame given back",
			     SYSFUZZ_SEEDS, calls);
}
