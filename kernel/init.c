/*
 * Start-up as Linux's: PID 1 is a program of the initramfs, rdinit=
 * (default /init); if that is not there, init= as Linux reads it, then
 * /sbin/init, /etc/init, /bin/init and /bin/sh, the first that is a
 * regular file one may run.  Its argv is its path, its environment
 * HOME=/ and TERM=linux, as Linux gives; its descriptors 0, 1 and 2 are
 * the console's terminal, which the kernel makes its session's
 * controlling terminal (drivers/tty/tty.c says why).  When PID 1 ends
 * the kernel says so, with its status, and powers off with failure.
 *
 * Where Linux would panic (no initramfs and no root, no init found, or
 * init= naming nothing) the built-in shell runs instead, as it did before
 * there was a PID 1; so does `shell` on the command line, or `rdinit=`
 * given empty, even with an initramfs.  The test initramfs has no /init
 * but has /bin/sh: the VM scenarios that boot it run their selftests
 * before this and power off.
 */
#include <amphi/fs.h>
#include <amphi/init.h>
#include <amphi/params.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/smp.h>
#include <amphi/user.h>

static bool init_runnable(const char *path)
{
	struct inode *ip;
	struct fs_stat st;

	if (fs_lookup(NULL, path, 0, &ip))
		return false;
	fs_stat(ip, &st);
	inode_put(ip);
	return S_ISREG(st.mode) && (st.mode & 0111);
}

/* The program to run as PID 1, or NULL for the built-in shell. */
static const char *init_choose(void)
{
	static const char *const fallbacks[] = {"/sbin/init", "/etc/init", "/bin/init", "/bin/sh"};
	const char *rd = param_rdinit ? param_rdinit : "/init";

	if (param_shell || !*rd)
		return NULL;
	if (init_runnable(rd))
		return rd;
	if (param_init) {
		if (init_runnable(param_init))
			return param_init;
		pr_err("init: init=%s is not a program here\n", param_init);
		return NULL;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(fallbacks); i++)
		if (init_runnable(fallbacks[i]))
			return fallbacks[i];
	return NULL;
}

static void init_report(int pid, const char *path, int status)
{
	if ((status & 0x7f) == 0)
		pr_info("init: PID %d (%s) exited with status %d: powering off\n", pid, path,
			(status >> 8) & 0xff);
	else
		pr_info("init: PID %d (%s) killed by signal %d (%s): powering off\n", pid, path,
			status & 0x7f, signal_name(status & 0x7f));
}

void init_run(void)
{
	static const char *const envp[] = {"HOME=/", "TERM=linux", NULL};
	const char *path = init_choose();
	const char *argv[] = {path, NULL};
	struct process_spec spec = {.name = path,
				    .path = path,
				    .argv = argv,
				    .envp = envp,
				    .cpus = CPUMASK_ALL,
				    .console = true};
	struct process *p;
	int status;

	if (!path) {
		pr_info("init: no program to run as PID 1: the built-in shell\n");
		return;
	}
	if (user_unavailable()) {
		pr_info("init: %s: %s; the built-in shell\n", path, user_unavailable());
		return;
	}
	pr_info("init: running %s as PID 1\n", path);
	if (!(p = process_spawn(&spec))) {
		pr_err("init: out of memory to start %s\n", path);
		return;
	}
	status = process_wait(p);
	init_report(p->pid, path, status);
	power_off(POWER_FAILURE);
}
