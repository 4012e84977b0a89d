/*
 * Processes as a glibc program sees them (tests/user/procs.c, built into
 * the kernel and, for execve, on the test initramfs as /bin/procs): each
 * test starts `procs NAME`, which forks, waits, execs, signals as its
 * scenario says and checks what it sees, then prints "procs NAME: ok" and
 * exits 0.  Here the status and that line are checked, then that every
 * frame the processes took came back: vm_pages_in_use (user pages and
 * page tables) to where it was, and the allocator's free frames to where
 * they were, less what the kernel heap took to grow (thread stacks and
 * process structs live there and the heap keeps its memory).
 */
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/process.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/user.h>
#include <amphi/vm.h>

#define OUT_MAX 1024

struct proc_run {
	int status;
	char out[OUT_MAX + 1];
	int64_t pages_left;  /* vm_pages_in_use after - before */
	int64_t frames_lost; /* free frames before - after - heap growth */
	uint64_t free_before, free_after, heap_frames;
};

static const char *const procs_env[] = {"HOME=/", "TERM=linux", NULL};

static void run_procs(const char *scenario, cpumask_t where, struct proc_run *r)
{
	const struct user_prog *up = user_prog_find("procs");
	const char *const argv[] = {"procs", scenario, NULL};
	struct process_spec spec = {
	    .name = "procs",
	    .image = up->image,
	    .image_len = up->len,
	    .argv = argv,
	    .envp = procs_env,
	    .capture = OUT_MAX,
	    .quiet = true,
	    .cpus = where,
	};
	int64_t pages = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED);
	size_t heap = kheap.total;
	struct process *p;

	r->free_before = frames.nfree;
	memset(r->out, 0, sizeof(r->out));
	if (!(p = process_spawn(&spec))) {
		r->status = -1;
		return;
	}
	r->status = process_wait(p);
	memcpy(r->out, p->out, p->out_len);
	process_free(p);
	r->pages_left = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) - pages;
	r->free_after = frames.nfree;
	r->heap_frames = (kheap.total - heap) / PAGE_SIZE;
	r->frames_lost = (int64_t)r->free_before - (int64_t)r->free_after - (int64_t)r->heap_frames;
}

static bool has(const char *s, const char *part)
{
	for (size_t n = strlen(part); *s; s++)
		if (!strncmp(s, part, n))
			return true;
	return false;
}

/* The output's first line, for a result line. */
static const char *first_line(struct proc_run *r)
{
	char *nl = strchr(r->out, '\n');

	if (nl)
		*nl = 0;
	return r->out;
}

static enum selftest_result procs_verdict(struct selftest_ctx *ctx, const char *scenario,
					  struct proc_run *r)
{
	char want[48], st[48];

	if (r->status < 0)
		return selftest_error(ctx, "out of memory to start procs");
	process_status_str(r->status, st, sizeof(st));
	snprintf(want, sizeof(want), "procs %s: ok", scenario);
	if (r->status != 0 || !has(r->out, want))
		return selftest_fail(ctx, "procs %s %s: \"%.200s\"", scenario, st, r->out);
	if (r->pages_left)
		return selftest_fail(ctx, "%ld frames of address spaces not freed",
				     (long)r->pages_left);
	if (r->frames_lost)
		return selftest_fail(ctx, "%ld frames lost (free %lu before, %lu after, heap +%lu)",
				     (long)r->frames_lost, r->free_before, r->free_after,
				     r->heap_frames);
	return SELFTEST_SUCCESS;
}

static cpumask_t all_cpus(void)
{
	return cpumask_online_others() | cpumask_of(smp_processor_id());
}

#define NEED_USER()                                                                                \
	do {                                                                                       \
		if (user_unavailable())                                                            \
			return selftest_skip(ctx, "%s", user_unavailable());                       \
	} while (0)

/* everywhere: on every online CPU, parent and children apart. */
static enum selftest_result procs_test(struct selftest_ctx *ctx, const char *scenario,
				       bool everywhere)
{
	struct proc_run r;

	NEED_USER();
	run_procs(scenario, everywhere ? all_cpus() : 0, &r);
	if (procs_verdict(ctx, scenario, &r))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "%s; every frame back", first_line(&r) + 6);
}

SELFTEST(user_fork)
{
	return procs_test(ctx, "fork", true);
}

SELFTEST(user_wait)
{
	return procs_test(ctx, "wait", true);
}

SELFTEST(user_exec)
{
	struct inode *ip;

	NEED_USER();
	if (fs_lookup(NULL, "/bin/procs", 0, &ip))
		return selftest_skip(ctx,
				     "no /bin/procs to execve: the test initramfs was not given");
	inode_put(ip);
	return procs_test(ctx, "exec", false);
}

/* --- execve maps a program's file pages --- */

#define SHARE_WAIT_MS 3000

/* The file's bytes read and written back as they are: every page of it
 * a process maps becomes the file's own copy (fs/ramfs_data.c). */
static long rewrite_file(struct inode *ip)
{
	struct fs_stat st;
	uint8_t *page = kmalloc(PAGE_SIZE);
	long rc = page ? 0 : -ENOMEM;

	fs_stat(ip, &st);
	for (uint64_t off = 0; !rc && off < st.size; off += PAGE_SIZE) {
		size_t n = (size_t)MIN((uint64_t)PAGE_SIZE, st.size - off);

		if ((rc = fs_read(ip, off, page, n)) == (long)n)
			rc = fs_write(ip, off, page, n) == (long)n ? 0 : -EIO;
		else if (rc >= 0)
			rc = -EIO;
	}
	kfree(page);
	return rc;
}

static struct process *spawn_pause(void)
{
	static const char *const argv[] = {"procs", "pause", NULL};
	struct process_spec spec = {
	    .name = "procs", .argv = argv, .envp = procs_env, .path = "/bin/procs", .quiet = true};

	return process_spawn(&spec);
}

/* How many frames more than base are shared, once some are (or after
 * SHARE_WAIT_MS). */
static uint64_t shared_after(uint64_t base)
{
	for (int i = 0; i < SHARE_WAIT_MS / 10; i++) {
		if (vm_shared_frames() > base)
			break;
		sleep_ns(10 * NSEC_PER_MSEC);
	}
	return vm_shared_frames() - base;
}

/* /bin/procs run from the initramfs: its pages are the file's, mapped,
 * not copies (hundreds of frames shared while it runs); a write to the
 * file while it runs gives the file copies and leaves the process its
 * frames; and once it is gone every frame is back. */
SELFTEST(exec_maps_file)
{
	struct inode *ip;
	struct process *p;
	uint64_t base = vm_shared_frames(), free_before = frames.nfree, shared, after_write;
	int64_t pages = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED);
	size_t heap = kheap.total;
	int64_t lost;

	NEED_USER();
	if (fs_lookup(NULL, "/bin/procs", 0, &ip))
		return selftest_skip(ctx, "no /bin/procs to run: the test initramfs was not given");
	if (!(p = spawn_pause())) {
		inode_put(ip);
		return selftest_error(ctx, "out of memory to start procs");
	}
	shared = shared_after(base);
	after_write = rewrite_file(ip) ? ~0UL : vm_shared_frames() - base;
	inode_put(ip);
	signal_send(p, SIGKILL, &(struct ksiginfo){.signo = SIGKILL});
	process_wait(p);
	process_free(p);
	lost = (int64_t)free_before - (int64_t)frames.nfree -
	       (int64_t)((kheap.total - heap) / PAGE_SIZE);
	if (shared < 64)
		return selftest_fail(
		    ctx, "%lu frames shared while /bin/procs ran: its pages were copied", shared);
	if (after_write == ~0UL || after_write >= shared)
		return selftest_fail(ctx, "the file rewritten: %lu of %lu frames still shared",
				     after_write, shared);
	if (__atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) != pages || lost ||
	    vm_shared_frames() != base)
		return selftest_fail(
		    ctx, "after it: %ld pages in use more, %ld frames lost, %lu shared",
		    (long)(__atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) - pages), (long)lost,
		    vm_shared_frames() - base);
	return selftest_pass(
	    ctx,
	    "%lu frames of /bin/procs mapped from the file; %lu after the file was "
	    "rewritten under it; every frame back",
	    shared, after_write);
}

SELFTEST(user_signals)
{
	return procs_test(ctx, "signal", false);
}

SELFTEST(user_signal_fault)
{
	return procs_test(ctx, "segv", false);
}

SELFTEST(user_pgrp)
{
	return procs_test(ctx, "pgrp", true);
}

SELFTEST(user_orphans)
{
	return procs_test(ctx, "orphan", false);
}

/* Blocking calls a signal ends: on every CPU, so that the spinning
 * child is on another CPU than its parent where there is one. */
SELFTEST(user_eintr)
{
	return procs_test(ctx, "eintr", true);
}

/* Job control: the default action of the stop signals, and SIGCONT. */
SELFTEST(user_stop)
{
	return procs_test(ctx, "stop", true);
}

/* /proc/loadavg: its format, counts and a sample, with children
 * spinning on every CPU. */
SELFTEST(user_loadavg)
{
	return procs_test(ctx, "loadavg", true);
}

/* Job control with the console as this program's terminal: SIGTTIN and
 * SIGTTOU for its background, orphaned groups, waitid's stops. */
SELFTEST(user_job_control)
{
	return procs_test(ctx, "jobctl", false);
}

SELFTEST(user_alarm)
{
	return procs_test(ctx, "alarm", false);
}

/* Every CPU at once: the children spread over them.  Twice: the first
 * run grows the heap for the threads' stacks, which it keeps; the
 * second finds it grown, so its free frame count comes back exactly. */
SELFTEST(user_fork_limit)
{
	struct proc_run r1, r2;

	NEED_USER();
	run_procs("forklimit", all_cpus(), &r1);
	if (procs_verdict(ctx, "forklimit", &r1))
		return SELFTEST_FAILURE;
	run_procs("forklimit", all_cpus(), &r2);
	if (procs_verdict(ctx, "forklimit", &r2))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx,
			     "%s; free frames %lu before, %lu after (heap +%lu); again: %lu, %lu "
			     "(heap +%lu)",
			     first_line(&r1) + 6, r1.free_before, r1.free_after, r1.heap_frames,
			     r2.free_before, r2.free_after, r2.heap_frames);
}

SELFTEST(user_fork_exec_loop)
{
	struct proc_run r;

	NEED_USER();
	run_procs("loop", 0, &r);
	if (procs_verdict(ctx, "loop", &r))
		return SELFTEST_FAILURE;
	return selftest_pass(ctx, "%s; free frames %lu before, %lu after (heap +%lu)",
			     first_line(&r) + 6, r.free_before, r.free_after, r.heap_frames);
}
