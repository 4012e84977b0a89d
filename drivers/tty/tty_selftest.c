/*
 * The terminal's own selftests, on terminals of their own (tty_alloc), so
 * that the console's stays as the boot left it: what the host tests of
 * the line discipline cannot show, the waiting.  A canonical read sleeps
 * until another thread types a line's end, and gets the edited line; ^D
 * alone reads as end of file; raw reads keep VMIN and VTIME (nothing at
 * once with both 0, a timeout of VTIME tenths with VMIN 0, VMIN bytes
 * across two bursts); O_NONBLOCK gives -EAGAIN; and ^C typed at a
 * terminal whose foreground group is a program's ends that program with
 * SIGINT.
 */
#include <amphi/errno.h>
#include <amphi/n_tty.h>
#include <amphi/process.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <amphi/tty.h>
#include <amphi/user.h>

struct typist {
	struct tty *tty;
	const char *first, *second; /* typed after 50 ms, the second 50 ms later */
	volatile bool done;
};

static void typist_main(void *arg)
{
	struct typist *ty = arg;

	sleep_ns(50 * NSEC_PER_MSEC);
	tty_receive(ty->tty, (const uint8_t *)ty->first, strlen(ty->first));
	if (ty->second) {
		sleep_ns(50 * NSEC_PER_MSEC);
		tty_receive(ty->tty, (const uint8_t *)ty->second, strlen(ty->second));
	}
	__atomic_store_n(&ty->done, true, __ATOMIC_RELEASE);
}

static bool typist_start(struct typist *ty)
{
	return thread_create("tty-typist", typist_main, ty) != NULL;
}

static void typist_join(struct typist *ty)
{
	while (!__atomic_load_n(&ty->done, __ATOMIC_ACQUIRE))
		sleep_ns(NSEC_PER_MSEC);
}

static enum selftest_result canon_checks(struct selftest_ctx *ctx, struct tty *t)
{
	struct typist ty = {t,
			    "abd\x7f"
			    "c def\x17",
			    "ghi\r", false};
	char buf[64] = {0};
	long n;

	if (!typist_start(&ty))
		return selftest_error(ctx, "no thread to type");
	n = tty_read_kernel(t, buf, sizeof(buf) - 1, false);
	typist_join(&ty);
	if (n != 8 || memcmp(buf, "abc ghi\n", 8))
		return selftest_fail(ctx, "canonical read gave %ld bytes '%s', not 'abc ghi\\n'", n,
				     buf);
	tty_receive(t, (const uint8_t *)"\x04", 1);
	if ((n = tty_read_kernel(t, buf, sizeof(buf), false)) != 0)
		return selftest_fail(ctx, "^D on an empty line read %ld bytes, not end of file", n);
	if ((n = tty_read_kernel(t, buf, sizeof(buf), true)) != -EAGAIN)
		return selftest_fail(ctx, "a read with nothing typed and O_NONBLOCK gave %ld", n);
	return SELFTEST_SUCCESS;
}

SELFTEST(tty_canonical)
{
	struct tty *t = tty_alloc(0);
	enum selftest_result r;

	if (!t)
		return selftest_error(ctx, "out of memory");
	r = canon_checks(ctx, t);
	tty_free(t);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx, "a read slept until the line ended; erase and ^W edited it; ^D "
				  "alone is end of file; O_NONBLOCK gives EAGAIN");
}

static void set_raw(struct tty *t, uint8_t vmin, uint8_t vtime)
{
	struct kernel_termios tio;

	tty_get_termios(t, &tio);
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = vmin;
	tio.c_cc[VTIME] = vtime;
	tty_set_termios_kernel(t, &tio, false);
}

static enum selftest_result raw_checks(struct selftest_ctx *ctx, struct tty *t, uint64_t *waited)
{
	struct typist ty = {t, "x", "yz", false};
	char buf[16];
	uint64_t t0;
	long n;

	set_raw(t, 0, 0);
	if ((n = tty_read_kernel(t, buf, sizeof(buf), false)) != 0)
		return selftest_fail(ctx, "VMIN 0 VTIME 0 with nothing typed gave %ld, not 0", n);
	set_raw(t, 0, 2);
	t0 = sched_clock();
	n = tty_read_kernel(t, buf, sizeof(buf), false);
	*waited = (sched_clock() - t0) / NSEC_PER_MSEC;
	if (n != 0 || *waited < 190 || *waited > 3000) /* 3 s: a loaded host */
		return selftest_fail(ctx, "VMIN 0 VTIME 2: %ld bytes after %lu ms, not 0 after 200",
				     n, *waited);
	set_raw(t, 3, 0);
	if (!typist_start(&ty))
		return selftest_error(ctx, "no thread to type");
	n = tty_read_kernel(t, buf, sizeof(buf), false);
	typist_join(&ty);
	if (n != 3 || memcmp(buf, "xyz", 3))
		return selftest_fail(ctx, "VMIN 3 across two bursts gave %ld bytes", n);
	return SELFTEST_SUCCESS;
}

SELFTEST(tty_raw)
{
	struct tty *t = tty_alloc(0);
	enum selftest_result r;
	uint64_t waited = 0;

	if (!t)
		return selftest_error(ctx, "out of memory");
	r = raw_checks(ctx, t, &waited);
	tty_free(t);
	if (r != SELFTEST_SUCCESS)
		return r;
	return selftest_pass(ctx,
			     "VMIN 0 VTIME 0 at once, VTIME 2 after %lu ms, VMIN 3 across two "
			     "bursts",
			     waited);
}

/* ^C at a terminal whose foreground group is a program's (procs pause,
 * which only a signal ends). */
SELFTEST(tty_intr)
{
	static const char *const argv[] = {"procs", "pause", NULL};
	const struct user_prog *up = user_prog_find("procs");
	struct process_spec spec = {.name = "procs", .argv = argv, .quiet = true};
	struct process *p;
	struct tty *t;
	int status, sig;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	spec.image = up->image;
	spec.image_len = up->len;
	if (!(p = process_spawn(&spec)))
		return selftest_error(ctx, "out of memory to start procs");
	if (!(t = tty_alloc(p->pgid))) {
		signal_send(p, SIGKILL, &(struct ksiginfo){.signo = SIGKILL});
		process_wait(p);
		process_free(p);
		return selftest_error(ctx, "out of memory");
	}
	sleep_ns(100 * NSEC_PER_MSEC); /* into its pause */
	sig = tty_receive(t, (const uint8_t *)"\x03", 1);
	status = process_wait(p);
	process_free(p);
	tty_free(t);
	if (sig != SIGINT || status != SIGINT)
		return selftest_fail(ctx,
				     "^C raised %d; the program ended with status %#x, not "
				     "killed by SIGINT",
				     sig, status);
	return selftest_pass(ctx, "^C sent SIGINT to the foreground group: its program ended");
}
