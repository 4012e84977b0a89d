/*
 * make bench's null system call: getpid's round trip from user mode
 * (syscall, the entry, the table, the return by sysret), timed by the
 * program itself around a loop of calls (tests/user/utest.c), so that
 * nothing but the calls and the loop is counted.  Its line has the other
 * benchmarks' form; where the platform has no user mode yet it says so
 * instead.
 */
#include <amphi/bench.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/user.h>

#define GETPID_CALLS 20000
#define OUT_MAX 64

static uint64_t parse_ticks(const char *s)
{
	uint64_t v = 0;

	if (strncmp(s, "getpid: ", 8))
		return 0;
	for (s += 8; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

bool bench_syscall(void)
{
	static const char *const argv[] = {"utest", "getpid", "20000", NULL};
	const struct user_prog *up = user_prog_find("utest");
	struct process_spec spec = {
	    .name = "utest",
	    .argv = argv,
	    .capture = OUT_MAX,
	    .quiet = true,
	};
	struct process *p;
	uint64_t ticks;
	int status;

	if (user_unavailable()) {
		kprintf("bench: skipped syscall_getpid: %s\n", user_unavailable());
		return true;
	}
	spec.image = up->image;
	spec.image_len = up->len;
	if (!(p = process_spawn(&spec)))
		return false;
	status = process_wait(p);
	p->out[MIN(p->out_len, OUT_MAX - 1)] = 0;
	ticks = status ? 0 : parse_ticks(p->out);
	process_free(p);
	if (!ticks)
		return false;
	kprintf("bench: syscall_getpid %u %lu %lu\n", GETPID_CALLS, ticks,
		ticks * 1000 / GETPID_CALLS);
	return true;
}
