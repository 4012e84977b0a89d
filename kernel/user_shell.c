/*
 * The shell's `run NAME [ARGS]`: starts one of the programs the kernel
 * carries (amphi/user.h) with the arguments given, its output on the
 * console, and waits for it, saying how it ended as a shell says it.
 */
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <amphi/user.h>

#define RUN_ARGS_MAX 32

static void run_usage(void)
{
	kprintf("usage: run NAME [ARGS...]; built-in programs:");
	for (unsigned i = 0; i < nr_user_progs; i++)
		kprintf(" %s", user_progs[i].name);
	kprintf("\n");
}

SHELL_CMD(run, "run a built-in user program: run NAME [ARGS...] (run alone lists them)")
{
	static const char *const envp[] = {"HOME=/", "TERM=linux", "PATH=/bin", NULL};
	const struct user_prog *up = argc > 1 ? user_prog_find(argv[1]) : NULL;
	struct process_spec spec = {.envp = envp};
	const char *args[RUN_ARGS_MAX + 1];
	struct process *p;
	char how[48];
	int status;

	if (user_unavailable()) {
		kprintf("run: %s\n", user_unavailable());
		return 1;
	}
	if (!up) {
		run_usage();
		return 1;
	}
	spec.name = up->name;
	spec.image = up->image;
	spec.image_len = up->len;
	for (int i = 1; i < argc && i <= RUN_ARGS_MAX; i++)
		args[i - 1] = argv[i];
	args[MIN(argc - 1, RUN_ARGS_MAX)] = NULL;
	spec.argv = args;
	if (!(p = process_spawn(&spec))) {
		kprintf("run: out of memory\n");
		return 1;
	}
	status = process_wait(p);
	process_status_str(status, how, sizeof(how));
	kprintf("run: %s (pid %d) %s\n", up->name, p->pid, how);
	process_free(p);
	return status ? 1 : 0;
}
