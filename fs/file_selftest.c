/*
 * Descriptor tables in the running kernel, through the API fork and
 * execve use (amphi/file.h), with a pipe as the witness of when a file is
 * really closed: its read end reports POLLHUP only once every descriptor
 * of its write end, in every table, is gone.  Runs on every platform (no
 * user mode needed).
 */
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/selftest.h>

static bool hung_up(struct file *rd)
{
	return rd->ops->poll(rd) & POLLHUP;
}

/* Lowest-free numbers, the limit, EBADF and close in one table. */
static const char *check_numbers(struct file *rd)
{
	struct fdtable *t = fdtable_new();
	const char *why = NULL;

	if (!t)
		return "no memory for a table";
	for (int i = 0; i < 3; i++) {
		file_get(rd);
		if (fd_install(t, rd, 0, 3, false) != i)
			why = "the first three installs are not 0, 1, 2";
	}
	if (!why && fd_install(t, rd, 0, 3, false) != -EMFILE)
		why = "a fourth under a limit of 3 is not -EMFILE";
	if (!why && (fd_close(t, 1) || fd_close(t, 1) != -EBADF))
		why = "close of 1, then of 1 again, is not 0 then -EBADF";
	file_get(rd);
	if (!why && fd_install(t, rd, 0, 3, false) != 1)
		why = "the lowest free number after closing 1 is not 1";
	file_get(rd);
	if (!why && fd_install(t, rd, 2, 10, true) != 3)
		why = "the lowest free from 2 is not 3";
	if (!why && (fd_get_cloexec(t, 3) != 1 || fd_get_cloexec(t, 0) != 0))
		why = "close-on-exec bits are not as installed";
	fdtable_put(t);
	return why;
}

/* fork's copy shares the write end; exec's close and exit's put each
 * drop only their own. */
static const char *check_sharing(struct file *rd, struct file *wr)
{
	struct fdtable *t = fdtable_new(), *child;

	if (!t)
		return "no memory for a table";
	fd_install(t, rd, 0, 10, false);
	fd_install(t, wr, 0, 10, true);
	if (!(child = fdtable_dup(t))) {
		fdtable_put(t);
		return "no memory for the copy";
	}
	file_get(rd);
	fdtable_close_on_exec(child);
	if (hung_up(rd) || fd_get_cloexec(child, 1) != -EBADF || fd_get_cloexec(child, 0) != 0) {
		fdtable_put(child), fdtable_put(t);
		return "close-on-exec in the copy closed too much or too little";
	}
	fdtable_put(t);
	if (!hung_up(rd)) {
		fdtable_put(child);
		return "the write end is still open after its last table went";
	}
	fdtable_put(child);
	return NULL;
}

SELFTEST(fdtable)
{
	struct file *rd, *wr;
	const char *why;

	if (pipe_create(0, &rd, &wr))
		return selftest_error(ctx, "no memory for a pipe");
	why = check_numbers(rd);
	if (!why && hung_up(rd))
		why = "the pipe's read end hung up with its writer open";
	if (!why)
		why = check_sharing(rd, wr); /* takes wr */
	else
		file_put(wr);
	file_put(rd);
	if (why)
		return selftest_fail(ctx, "%s", why);
	return selftest_pass(ctx, "lowest free numbers, the limit, close-on-exec in a fork's copy, "
				  "a pipe's writer closed only with its last table");
}
