/*
 * The file system calls from user mode: tests/user/files.c, Debian's
 * glibc static-pie, checks each call and its errors and prints a line per
 * check.  This test runs it and wants exit status 0, its closing line
 * "files: N checks, 0 failed" with N the number of "ok" lines it printed,
 * no FAIL line, and every frame back.  Where the boot's initramfs has
 * /bin/busybox it also lists /bin and reads an applet's symlink, and the
 * result line says whether it did.  Where there is no user mode (Xen PV)
 * it skips with the reason.
 */
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <amphi/user.h>
#include <amphi/vm.h>

#define FILES_OUT (32 * 1024)

static const char *const files_env[] = {"HOME=/", "TERM=linux", NULL};

static bool have_busybox(void)
{
	struct inode *ip;

	if (fs_lookup(NULL, "/bin/busybox", 0, &ip))
		return false;
	inode_put(ip);
	return true;
}

/* Counts lines starting with `prefix`; says each FAIL line. */
static unsigned int count_lines(const char *out, size_t len, const char *prefix)
{
	unsigned int n = 0;
	size_t k = strlen(prefix);

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || out[i - 1] == '\n') && len - i >= k &&
		    !strncmp(out + i, prefix, k)) {
			n++;
			if (!strcmp(prefix, "FAIL "))
				pr_info("user_files: %.*s\n",
					(int)(strchr(out + i, '\n')
						  ? strchr(out + i, '\n') - (out + i)
						  : 60),
					out + i);
		}
	}
	return n;
}

/* The N of "files: N checks, M failed", or -1. */
static long summary_checks(const char *out, long *failed)
{
	const char *s = out;
	long n = 0;

	while (*s && strncmp(s, "files: ", 7))
		s++;
	if (!*s)
		return -1;
	for (s += 7; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	if (strncmp(s, " checks, ", 9))
		return -1;
	for (*failed = 0, s += 9; *s >= '0' && *s <= '9'; s++)
		*failed = *failed * 10 + (*s - '0');
	return n;
}

SELFTEST(user_files)
{
	const struct user_prog *up = user_prog_find("files");
	bool bin = have_busybox();
	struct process_spec spec = {
	    .name = "files",
	    .image = up->image,
	    .image_len = up->len,
	    .argv = bin ? (const char *const[]){"files", "bin", NULL}
			: (const char *const[]){"files", NULL},
	    .envp = files_env,
	    .capture = FILES_OUT,
	    .quiet = true,
	};
	int64_t before = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED), left;
	unsigned int oks, fails;
	struct process *p;
	long checks, failed = -1;
	char st[48];
	int status;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	if (!(p = process_spawn(&spec)))
		return selftest_error(ctx, "out of memory to start files");
	status = process_wait(p);
	p->out[MIN(p->out_len, FILES_OUT - 1)] = 0;
	oks = count_lines(p->out, p->out_len, "ok ");
	fails = count_lines(p->out, p->out_len, "FAIL ");
	checks = summary_checks(p->out, &failed);
	process_status_str(status, st, sizeof(st));
	if (p->load_error[0])
		selftest_fail(ctx, "not loaded: %s", p->load_error);
	process_free(p);
	if (ctx->reason[0])
		return SELFTEST_FAILURE;
	left = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) - before;
	if (status || fails || failed || oks != checks + 1 /* the console's own line */ || left)
		return selftest_fail(ctx,
				     "%s; %u ok lines, %u FAIL lines (said above), summary %ld "
				     "checks %ld failed; %ld frames not freed",
				     st, oks, fails, checks, failed, (long)left);
	return selftest_pass(ctx, "%ld checks of the file calls passed, %s", checks,
			     bin ? "with /bin of the initramfs"
				 : "without /bin (no busybox in this "
				   "boot's initramfs)");
}
