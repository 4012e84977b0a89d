/*
 * The console shell: reads a line from the consoles, sleeping while there
 * is no input (until an input interrupt, or for a millisecond where a
 * console has to be polled) so that other threads run and the idle thread
 * can halt; splits it into words and runs the command of that name from the
 * .shell_cmds section.  A line ending in `&` runs as a job: in a thread of
 * its own, on any CPU, while the shell reads the next line; it says when
 * it ends and how.
 */
#include <amphi/shell.h>
#include <amphi/console.h>
#include <amphi/platform.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <amphi/sched.h>
#include <amphi/time.h>

extern const struct shell_cmd __shell_cmds_start[], __shell_cmds_end[];

#define LINE_MAX 256
#define ARGS_MAX 16

static size_t read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = console_getc();

		if (c < 0) {
			console_wait_input();
			continue;
		}
		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			buf[n] = '\0';
			return n;
		}
		if ((c == 0x7f || c == 0x08) && n > 0) {
			n--;
			console_write("\b \b", 3);
		} else if (c >= 0x20 && c < 0x7f && n + 1 < size) {
			char ch = (char)c;
			buf[n++] = ch;
			console_write(&ch, 1);
		}
	}
}

static int split(char *line, char **argv)
{
	int argc = 0;

	for (char *p = line; *p && argc < ARGS_MAX;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

static const struct shell_cmd *find(const char *name)
{
	for (const struct shell_cmd *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int run_cmd(int argc, char **argv)
{
	const struct shell_cmd *c = find(argv[0]);

	if (!c) {
		kprintf("%s: no such command (try 'help')\n", argv[0]);
		return 1;
	}
	if (c->run(argc, argv)) {
		kprintf("%s: failed\n", argv[0]);
		return 1;
	}
	return 0;
}

struct shell_job {
	unsigned int id;
	int argc;
	char *argv[ARGS_MAX];
	char line[LINE_MAX];
};

static void job_run(void *arg)
{
	struct shell_job *j = arg;

	kprintf("[%u] %s: %s\n", j->id, j->argv[0], run_cmd(j->argc, j->argv) ? "failed" : "done");
	kfree(j);
}

/* argv's words (the `&` dropped) copied into a job of their own. */
static void job_start(int argc, char **argv)
{
	static unsigned int next_id = 1;
	struct shell_job *j;
	size_t at = 0;

	if (!find(argv[0])) {
		kprintf("%s: no such command (try 'help')\n", argv[0]);
		return;
	}
	if (!(j = kmalloc(sizeof(*j)))) {
		kprintf("%s: no memory for a job\n", argv[0]);
		return;
	}
	j->id = next_id++;
	j->argc = argc;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		j->argv[i] = memcpy(j->line + at, argv[i], len);
		at += len;
	}
	kprintf("[%u] %s: started\n", j->id, argv[0]);
	if (!thread_create_on("job", job_run, j, CPUMASK_ALL)) {
		kprintf("[%u] %s: cannot start a thread\n", j->id, argv[0]);
		kfree(j);
	}
}

void shell_run(void)
{
	char line[LINE_MAX];
	char *argv[ARGS_MAX];

	kprintf("Amphi shell: type 'help' for the commands; CMD & runs it beside the shell.\n");
	for (;;) {
		kprintf("amphi> ");
		read_line(line, sizeof(line));
		int argc = split(line, argv);
		if (argc > 1 && !strcmp(argv[argc - 1], "&"))
			job_start(argc - 1, argv);
		else if (argc > 0)
			run_cmd(argc, argv);
	}
}

SHELL_CMD(help, "list the commands")
{
	for (const struct shell_cmd *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		kprintf("  %-10s %s\n", c->name, c->help);
	return 0;
}

SHELL_CMD(poweroff, "power the machine (or domain) off")
{
	power_off(POWER_SUCCESS);
}

SHELL_CMD(reboot, "restart the machine (or domain)")
{
	restart();
}
