/*
 * make bench's lmbench-style figures (tools/bench-lm.sh): one static
 * program, Debian's gcc and glibc, that runs unchanged on Amphi and on
 * Linux, so that both kernels are measured by the same instructions in
 * user mode.  Each test times a loop of N operations with rdtsc (under
 * QEMU's -icount shift=0 the TSC counts executed instructions, both
 * kernels' and the program's) and with CLOCK_MONOTONIC (nanoseconds, for
 * the runs where the TSC is time, as Xen domUs), a few times over, and
 * keeps the fastest run: a timer tick or a stray interrupt inflates one
 * run, never all of them.
 *
 *   null_syscall  getppid(), which no C library caches
 *   read_zero     read(2) of one byte from /dev/zero, as lmbench's
 *                 lat_syscall read
 *   fork_exit     fork(); the child _exit(0)s, the parent waits for it
 *   fork_exec     fork(); the child execve()s this program with "exit",
 *                 which returns from main at once; the parent waits
 *   pipe_rt       one byte to another process through a pipe and back
 *                 through another: a round trip, two context switches
 *   page_fault    the first write to a page of fresh anonymous memory
 *                 (mapped, then touched page by page; only the touching
 *                 is timed)
 *   mmap_munmap   mmap() of 64 KiB of anonymous memory, untouched, then
 *                 munmap()
 *
 * Usage: lmbench [SCALE [RUNS]]: each test's count is its base count
 * divided by SCALE (default 1), at least 1; RUNS (default 3) the runs
 * kept the best of.  Prints "lmbench: NAME N TICKS NS" per test (the
 * fastest run's totals), then "lmbench: done", or "lmbench: NAME FAILED:
 * why" and carries on with the next test; then exits 1, with the names
 * of the tests that failed on stderr.  The process tests run it once with
 * tiny counts (tests/user/procs.c's exec scenario), so that it cannot rot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define MAP_BYTES (64 * 1024)
#define FAULT_PAGES 256

static const char *self;
static char failed[128];
static unsigned long scale = 1;
static int runs = 3;

struct stamp {
	uint64_t tsc;
	uint64_t ns;
};

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static struct stamp now(void)
{
	struct timespec ts;
	struct stamp s;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.tsc = rdtsc();
	s.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return s;
}

/* Each test runs n operations and returns 0, or -1 with errno set and
 * the reason in why. */
static const char *why = "";
typedef int (*test_fn)(unsigned long n, struct stamp *t0, struct stamp *t1);

static int t_null(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	*t0 = now();
	for (unsigned long i = 0; i < n; i++)
		getppid();
	*t1 = now();
	return 0;
}

static int t_read_zero(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	int fd = open("/dev/zero", O_RDONLY);
	char c;

	if (fd < 0)
		return why = "open /dev/zero", -1;
	*t0 = now();
	for (unsigned long i = 0; i < n; i++)
		if (read(fd, &c, 1) != 1) {
			close(fd);
			return why = "read /dev/zero", -1;
		}
	*t1 = now();
	close(fd);
	return 0;
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return why = "waitpid", -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return errno = ECHILD, why = "the child did not exit with 0", -1;
	return 0;
}

static int t_fork_exit(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	*t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return why = "fork", -1;
		if (reap(pid))
			return -1;
	}
	*t1 = now();
	return 0;
}

static int t_fork_exec(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	char *const argv[] = {(char *)self, "exit", NULL};
	char *const envp[] = {NULL};

	*t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execve(self, argv, envp);
			_exit(127);
		}
		if (pid < 0)
			return why = "fork", -1;
		if (reap(pid))
			return why = "execve of this program, or its exit", -1;
	}
	*t1 = now();
	return 0;
}

/* The child echoes each byte back until its pipe closes. */
static void echo_child(int in, int out)
{
	char c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

static int t_pipe_rt(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	int to[2], from[2], rc = 0;
	char c = 'x';
	pid_t pid;

	if (pipe(to) || pipe(from))
		return why = "pipe", -1;
	if ((pid = fork()) == 0) {
		close(to[1]);
		close(from[0]);
		echo_child(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	if (pid < 0)
		return why = "fork", -1;
	/* One round before the clock starts: the child is running. */
	if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
		rc = -1;
	*t0 = now();
	for (unsigned long i = 0; i < n && !rc; i++)
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
			rc = -1;
	*t1 = now();
	close(to[1]);
	close(from[0]);
	if (rc)
		why = "a round trip through the pipes";
	return reap(pid) || rc ? -1 : 0;
}

static int t_page_fault(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	uint64_t tsc = 0, ns = 0;

	/* n faults, FAULT_PAGES (or fewer) to a mapping. */
	for (unsigned long done = 0; done < n;) {
		unsigned long pages = n - done < FAULT_PAGES ? n - done : FAULT_PAGES;
		volatile char *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return why = "mmap", -1;
		*t0 = now();
		for (unsigned long i = 0; i < pages; i++)
			m[i * PAGE] = 1;
		*t1 = now();
		tsc += t1->tsc - t0->tsc;
		ns += t1->ns - t0->ns;
		munmap((void *)m, pages * PAGE);
		done += pages;
	}
	t0->tsc = t0->ns = 0;
	t1->tsc = tsc;
	t1->ns = ns;
	return 0;
}

static int t_mmap(unsigned long n, struct stamp *t0, struct stamp *t1)
{
	*t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		void *m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return why = "mmap", -1;
		if (munmap(m, MAP_BYTES))
			return why = "munmap", -1;
	}
	*t1 = now();
	return 0;
}

static void run(const char *name, test_fn fn, unsigned long base)
{
	unsigned long n = base / scale ? base / scale : 1;
	struct stamp best = {UINT64_MAX, UINT64_MAX}, t0, t1;

	/* A first, short round (r = -1) untimed: the code and the data it
	 * touches are paged in, the caches warm. */
	for (int r = -1; r < runs; r++) {
		if (fn(r < 0 ? (n / 10 ? n / 10 : 1) : n, &t0, &t1)) {
			printf("lmbench: %s FAILED: %s: %s\n", name, why, strerror(errno));
			fflush(stdout);
			snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), " %s", name);
			return;
		}
		if (r < 0)
			continue;
		if (t1.tsc - t0.tsc < best.tsc)
			best.tsc = t1.tsc - t0.tsc;
		if (t1.ns - t0.ns < best.ns)
			best.ns = t1.ns - t0.ns;
	}
	printf("lmbench: %s %lu %llu %llu\n", name, n, (unsigned long long)best.tsc,
	       (unsigned long long)best.ns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exit"))
		return 0;
	self = argv[0];
	if (argc > 1)
		scale = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (!scale || runs < 1 || !strchr(self, '/')) {
		fprintf(stderr, "usage: /path/to/lmbench [SCALE [RUNS]]\n");
		return 2;
	}
	printf("lmbench: start (scale %lu, best of %d runs)\n", scale, runs);
	run("null_syscall", t_null, 20000);
	run("read_zero", t_read_zero, 20000);
	run("fork_exit", t_fork_exit, 200);
	run("fork_exec", t_fork_exec, 100);
	run("pipe_rt", t_pipe_rt, 2000);
	run("page_fault", t_page_fault, 2048);
	run("mmap_munmap", t_mmap, 2000);
	printf("lmbench: done\n");
	if (failed[0]) {
		fprintf(stderr, "lmbench: failed:%s\n", failed);
		return 1;
	}
	return 0;
}
