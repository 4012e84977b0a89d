/*
 * The selftest runner: finds the tests in the .selftests section, runs the
 * requested ones, prints one result line each and a summary.  A requested
 * name that matches no test is an ERROR, not something to pass over.
 */
#include <amphi/selftest.h>
#include <amphi/cmdline.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/string.h>

extern const struct selftest __selftests_start[], __selftests_end[];

const char *selftest_request;

static const char *const result_names[] = {"SUCCESS", "SKIP", "ERROR", "FAILURE"};

enum selftest_result selftest_say(struct selftest_ctx *ctx, enum selftest_result r, const char *fmt,
				  ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
	va_end(ap);
	return r;
}

static bool wanted(const struct selftest *t)
{
	if (selftest_request[0] == '\0')
		return !t->explicit_only;
	return cmdline_list_has(selftest_request, strlen(selftest_request), t->name);
}

/* Requested names that are not tests at all. */
static unsigned report_unknown(void)
{
	const char *p = selftest_request;
	unsigned bad = 0;

	while (*p) {
		size_t n = strchr(p, ',') ? (size_t)(strchr(p, ',') - p) : strlen(p);
		bool found = false;

		for (const struct selftest *t = __selftests_start; t < __selftests_end; t++)
			found |= strlen(t->name) == n && !strncmp(t->name, p, n);
		if (!found && n) {
			kprintf("Test result: ERROR %.*s: no such selftest\n", (int)n, p);
			bad++;
		}
		p += n + (p[n] == ',');
	}
	return bad;
}

bool selftest_run(void)
{
	unsigned count[4] = {0};
	unsigned unknown = report_unknown();

	kprintf("Running selftests (%s)\n", selftest_request[0] ? selftest_request : "all");
	for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
		struct selftest_ctx ctx = {.reason = ""};
		enum selftest_result r;

		if (!wanted(t))
			continue;
		r = t->run(&ctx);
		if (r > SELFTEST_FAILURE)
			r = SELFTEST_ERROR;
		count[r]++;
		kprintf("Test result: %s %s: %s\n", result_names[r], t->name, ctx.reason);
	}
	count[SELFTEST_ERROR] += unknown;
	unsigned run = count[0] + count[1] + count[2] + count[3];
	bool ok = run > 0 && !count[SELFTEST_ERROR] && !count[SELFTEST_FAILURE];
	kprintf("Selftest summary: %u run, %u success, %u skip, %u error, %u failure\n", run,
		count[0], count[1], count[2], count[3]);
	kprintf("Overall result: %s\n",
		ok ? "SUCCESS" : (run ? "FAILURE" : "ERROR (no tests ran)"));
	return ok;
}
