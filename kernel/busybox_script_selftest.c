/*
 * The busybox script comparison (issue 11, item 9): Debian's
 * busybox-static, unmodified, runs tests/busybox/script.sh from the test
 * initramfs (pipes, redirections, subshells, loops, functions, applets
 * run through fork and execve of /proc/self/exe, traps and signals, files
 * through many applets, /proc), and what it wrote must equal byte for
 * byte what the same busybox wrote running the same script on the host
 * when the initramfs was built (tests/busybox/host-run.sh,
 * /bbtest/expected).  The command line is the one the host ran
 * (/bbtest/command), from /bbtest, with PATH=/bin only.
 *
 * Its output is printed between markers, a line each behind "bbscript| ",
 * so that the runner (tests/vm/run) can diff it with the host's too and
 * show the whole difference; this test fails at the first line that
 * differs and says which.
 */
#include <amphi/elf.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <amphi/user.h>

#define BB_DIR "/bbtest"
#define BB_FILE_MAX (16UL << 20)

/* A whole file into a NUL-terminated heap buffer; NULL if missing. */
static char *read_whole(const char *path, size_t *len)
{
	struct inode *ip = NULL;
	char *buf = NULL;
	long n = -1;

	if (fs_lookup(NULL, path, 0, &ip))
		return NULL;
	*len = (size_t)ip->size;
	if (*len <= BB_FILE_MAX && (buf = kmalloc_aligned(*len + 1, 16)))
		n = fs_read(ip, 0, buf, *len);
	inode_put(ip);
	if (buf && n != (long)*len) {
		kfree(buf);
		return NULL;
	}
	if (buf)
		buf[*len] = 0;
	return buf;
}

/* The status as the host's shell said it ($?): the code, or 128 + the
 * signal. */
static int shell_status(int status)
{
	return (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
}

/* Runs the command and returns its output with the status line, or NULL
 * (why says why). */
static char *run_script(const char *command, size_t *len, const char **why)
{
	static const char *const envp[] = {"PATH=/bin", NULL};
	char *cmd = kmalloc(strlen(command) + 32), *out = NULL, *got = NULL;
	const char *argv[] = {"/bin/busybox", "sh", "-c", cmd, NULL};
	struct process_spec spec = {.name = "busybox",
				    .argv = argv,
				    .envp = envp,
				    .exe = "/bin/busybox",
				    .capture = 512,
				    .quiet = true};
	struct process *p;
	size_t img_len, out_len = 0;
	int status;

	*why = "out of memory";
	if (!cmd || !(spec.image = read_whole("/bin/busybox", &img_len)))
		goto out;
	spec.image_len = img_len;
	snprintf(cmd, strlen(command) + 32, "cd " BB_DIR " && %s", command);
	if (!(p = process_spawn(&spec)))
		goto out;
	status = process_wait(p);
	if (p->load_error[0])
		pr_err("busybox_script: busybox not loaded: %s\n", p->load_error);
	if (p->out_len)
		kprintf("busybox_script: the outer sh wrote: %.*s\n", (int)p->out_len, p->out);
	process_free(p);
	*why = "no " BB_DIR "/output: the script did not run";
	if (!(out = read_whole(BB_DIR "/output", &out_len)) || !(got = kmalloc(out_len + 32)))
		goto out;
	memcpy(got, out, out_len);
	*len = out_len +
	       (size_t)snprintf(got + out_len, 32, "exit status: %d\n", shell_status(status));
out:
	kfree(out);
	kfree((void *)spec.image);
	kfree(cmd);
	return got;
}

/* The length of the line at s + at (its newline left out). */
static int line_len(const char *s, size_t len, size_t at)
{
	size_t n = 0;

	while (at + n < len && s[at + n] != '\n')
		n++;
	return (int)n;
}

static void print_output(const char *s, size_t len)
{
	kprintf("==== busybox script output begin ====\n");
	for (size_t at = 0; at < len;) {
		size_t n = (size_t)line_len(s, len, at);

		kprintf("bbscript| %.*s\n", (int)n, s + at);
		at += n + 1;
	}
	kprintf("==== busybox script output end ====\n");
}

/* The first line where a and b differ (1 on); 0 when they are equal. */
static size_t first_difference(const char *a, size_t alen, const char *b, size_t blen, size_t *at)
{
	size_t line = 1, i = 0, start = 0;

	for (; i < alen && i < blen && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
	*at = start;
	return i == alen && i == blen ? 0 : line;
}

SELFTEST(busybox_script)
{
	size_t cmd_len, want_len, got_len = 0, at, line;
	char *command, *want, *got;
	uint64_t t0 = sched_clock(), ms;
	const char *why;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	if (!(command = read_whole(BB_DIR "/command", &cmd_len)))
		return selftest_skip(ctx, "no " BB_DIR "/command: this boot has no test initramfs");
	while (cmd_len && command[cmd_len - 1] == '\n')
		command[--cmd_len] = 0;
	if (!(want = read_whole(BB_DIR "/expected", &want_len))) {
		kfree(command);
		return selftest_error(ctx, BB_DIR "/expected is missing");
	}
	got = run_script(command, &got_len, &why);
	kfree(command);
	ms = (sched_clock() - t0) / 1000000;
	if (!got) {
		kfree(want);
		return selftest_fail(ctx, "%s", why);
	}
	print_output(got, got_len);
	line = first_difference(got, got_len, want, want_len, &at);
	if (line) {
		selftest_fail(
		    ctx, "line %zu differs from the host's: \"%.*s\", the host's \"%.*s\"", line,
		    line_len(got, got_len, at), got + at, line_len(want, want_len, at), want + at);
	}
	kfree(got);
	kfree(want);
	if (line)
		return SELFTEST_FAILURE;
	return selftest_pass(
	    ctx, "%zu bytes of output, equal to the host's run of the same busybox; %lu ms",
	    want_len, ms);
}
