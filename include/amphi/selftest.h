/*
 * In-VM selftests, in the manner of XTF: each test registers itself in the
 * .selftests linker section, and with `selftest` on the command line every
 * test runs and prints one line
 *     Test result: SUCCESS|SKIP|ERROR|FAILURE <name>: <reason>
 * followed by a summary, then the machine powers off with the matching
 * status.  `selftest=a,b` runs only the named tests.  A test marked
 * explicit runs only when named: it exists to show that a failure is caught.
 */
#ifndef AMPHI_SELFTEST_H
#define AMPHI_SELFTEST_H
#include <amphi/types.h>

enum selftest_result {
	SELFTEST_SUCCESS,
	SELFTEST_SKIP,
	SELFTEST_ERROR,	  /* the test could not run as intended */
	SELFTEST_FAILURE, /* the test ran and the kernel is wrong */
};

struct selftest_ctx {
	char reason[160];
};

struct selftest {
	const char *name;
	enum selftest_result (*run)(struct selftest_ctx *ctx);
	bool explicit_only;
};

/* The entry's symbol says which kind it is (selftest_entry_NAME or
 * selftest_explicit_NAME), so that the test runner can read from the ELF
 * which tests a full run must show. */
#define SELFTEST_DEFINE(tname, explicit, kind)                                                     \
	static enum selftest_result selftest_##tname(struct selftest_ctx *ctx);                    \
	static const struct selftest kind##tname __section(".selftests")                           \
	    __used __aligned(8) = {#tname, selftest_##tname, explicit};                            \
	static enum selftest_result selftest_##tname(struct selftest_ctx *ctx)

#define SELFTEST(tname) SELFTEST_DEFINE(tname, false, selftest_entry_)
#define SELFTEST_EXPLICIT(tname) SELFTEST_DEFINE(tname, true, selftest_explicit_)

/* Set the reason and return the result: `return selftest_fail(ctx, ...)`. */
enum selftest_result selftest_say(struct selftest_ctx *ctx, enum selftest_result r, const char *fmt,
				  ...) __printf(3, 4);
#define selftest_pass(ctx, ...) selftest_say(ctx, SELFTEST_SUCCESS, __VA_ARGS__)
#define selftest_skip(ctx, ...) selftest_say(ctx, SELFTEST_SKIP, __VA_ARGS__)
#define selftest_error(ctx, ...) selftest_say(ctx, SELFTEST_ERROR, __VA_ARGS__)
#define selftest_fail(ctx, ...) selftest_say(ctx, SELFTEST_FAILURE, __VA_ARGS__)

/* For tests that drive something from every CPU at once
 * (kernel/selftest_threads.c): `per_cpu` threads called `name` on each
 * online CPU, pinned there, each running fn(idx, arg) with idx 0 ..
 * n-1 (threads of the same CPU get idx apart by the number of online
 * CPUs); waits until all have returned.  n, the number of threads; -1
 * without memory (none started); -2 when they did not all return within
 * timeout_ns (they may still be running, so their arg must stay valid). */
int selftest_on_every_cpu(const char *name, void (*fn)(unsigned int idx, void *arg), void *arg,
			  unsigned int per_cpu, uint64_t timeout_ns);

/* From the command line: NULL = no selftests, "" = all, else a list. */
extern const char *selftest_request;
/* Runs the requested tests, prints the summary, returns true when none
 * failed or erred. */
bool selftest_run(void);

#endif
