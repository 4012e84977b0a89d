/*
 * Console output from every CPU at once.  One thread per online CPU
 * writes numbered lines through console_write, as the shell's echo and
 * dmesg do (printk's log_lock does not cover them), all at the same time.
 * A console of the test's own takes them in, a character at a time and
 * slowly, as a UART does; afterwards every line must have reached it
 * whole and once.  Two writers inside the consoles at once would
 * interleave their characters there, as they would on a real console's
 * wire or in the Xen ring, whose producer index is one writer's.
 *
 * The test console is registered the first time the test runs and left
 * in the list disabled, since a writer on another CPU may be walking the
 * list at any time.
 */
#include <amphi/console.h>
#include <amphi/cpu.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#define CONW_LINES 24
#define CONW_PREFIX "console-smp t"
#define CONW_LINE_MAX 80
#define CONW_WAIT_NS (20 * NSEC_PER_SEC)
/* At most this many writers, so that all their lines fit in the capture. */
#define CONW_THREADS_MAX 8
#define CONW_CAPTURE (CONW_THREADS_MAX * CONW_LINES * CONW_LINE_MAX * 2)
/* How long the test console takes over a character, in pauses. */
#define CONW_CHAR_PAUSES 200

static struct {
	unsigned int finished;
	struct wait_queue wq;
	char capture[CONW_CAPTURE];
	size_t captured;
	bool registered;
} conw;

/* Another writer inside at the same time interleaves with this one. */
static void conw_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && conw.captured < CONW_CAPTURE; i++) {
		size_t at = conw.captured;

		for (int p = 0; p < CONW_CHAR_PAUSES; p++)
			cpu_relax();
		conw.capture[at] = s[i];
		conw.captured = at + 1;
	}
}

static struct console conw_console = {.name = "selftest", .write = conw_console_write};

/* Line `l` of thread `t`: what it writes, and what must come out. */
static int conw_line(char *buf, unsigned int t, unsigned int l)
{
	return snprintf(buf, CONW_LINE_MAX, CONW_PREFIX "%u l%u: %.*s\n", t, l,
			(int)(20 + (t * 7 + l * 3) % 30),
			"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

static void conw_writer(void *arg)
{
	unsigned int t = (unsigned int)(uintptr_t)arg;
	char line[CONW_LINE_MAX];

	for (unsigned int l = 0; l < CONW_LINES; l++)
		console_write(line, (size_t)conw_line(line, t, l));
	__atomic_fetch_add(&conw.finished, 1, __ATOMIC_RELEASE);
	wq_wake_all(&conw.wq);
}

static unsigned int conw_finished(void)
{
	return __atomic_load_n(&conw.finished, __ATOMIC_ACQUIRE);
}

/* One captured line that starts with the prefix: counted in seen[] when
 * it is exactly one of the lines written, else torn. */
static bool conw_check(const char *s, size_t len, unsigned int threads, uint8_t *seen)
{
	size_t at = strlen(CONW_PREFIX), got;
	char want[CONW_LINE_MAX];
	uint64_t t, l;

	if (!(got = parse_u64(s + at, len - at, &t)) || t >= threads)
		return false;
	at += got;
	if (at + 1 >= len || s[at] != ' ' || s[at + 1] != 'l')
		return false;
	at += 2;
	if (!parse_u64(s + at, len - at, &l) || l >= CONW_LINES)
		return false;
	if ((size_t)conw_line(want, (unsigned int)t, (unsigned int)l) != len + 1 ||
	    memcmp(want, s, len))
		return false;
	seen[t * CONW_LINES + l]++;
	return true;
}

/* Walks the capture line by line: the count of torn lines (any line that
 * holds the prefix but is not one written, whole). */
static unsigned int conw_scan(const char *c, size_t n, unsigned int threads, uint8_t *seen)
{
	size_t plen = strlen(CONW_PREFIX), end;
	unsigned int torn = 0;

	for (size_t start = 0; start < n; start = end + 1) {
		bool ours = false;

		for (end = start; end < n && c[end] != '\n'; end++)
			ours |= end + plen <= n && !memcmp(c + end, CONW_PREFIX, plen);
		if (ours)
			torn += end == n || memcmp(c + start, CONW_PREFIX, plen) ||
				!conw_check(c + start, end - start, threads, seen);
	}
	return torn;
}

static enum selftest_result conw_verify(struct selftest_ctx *ctx, unsigned int threads)
{
	uint8_t seen[CONW_THREADS_MAX * CONW_LINES] = {0};
	unsigned int torn, missing = 0, twice = 0;

	torn = conw_scan(conw.capture, conw.captured, threads, seen);
	for (unsigned int i = 0; i < threads * CONW_LINES; i++) {
		missing += seen[i] == 0;
		twice += seen[i] > 1;
	}
	if (torn || missing || twice)
		return selftest_fail(ctx,
				     "of %u lines from %u CPUs at once: %u torn, %u missing, "
				     "%u twice",
				     threads * CONW_LINES, threads, torn, missing, twice);
	if (threads == 1)
		return selftest_pass(ctx,
				     "one CPU only: its %u lines reached a console whole, once "
				     "(no other CPU to write beside it)",
				     CONW_LINES);
	return selftest_pass(ctx,
			     "%u CPUs wrote %u lines at once: each reached a console whole, once",
			     threads, threads * CONW_LINES);
}

static unsigned int conw_start(void)
{
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());
	unsigned int threads = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS && threads < CONW_THREADS_MAX; cpu++)
		if ((online & cpumask_of(cpu)) &&
		    thread_create_on("console-smp", conw_writer, (void *)(uintptr_t)threads,
				     cpumask_of(cpu)))
			threads++;
	return threads;
}

SELFTEST(console_smp)
{
	unsigned int threads;
	bool done;

	conw.finished = 0;
	conw.captured = 0;
	if (!conw.registered)
		console_register(&conw_console);
	conw.registered = true;
	WRITE_ONCE(conw_console.enabled, true);
	threads = conw_start();
	done =
	    wait_event_deadline(&conw.wq, conw_finished() == threads, sched_clock() + CONW_WAIT_NS);
	WRITE_ONCE(conw_console.enabled, false);
	if (!done)
		return selftest_fail(ctx, "%u of %u writers done within 20 s", conw_finished(),
				     threads);
	if (threads != MIN(nr_cpus_online(), CONW_THREADS_MAX))
		return selftest_error(ctx, "%u writers for %u CPUs (out of memory?)", threads,
				      nr_cpus_online());
	return conw_verify(ctx, threads);
}
