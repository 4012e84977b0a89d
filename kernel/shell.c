/*
 * The console shell: reads a line from the consoles, sleeping while there
 * is no input (until an input interrupt, or for a millisecond where a
 * console has to be polled) so that other threads run and the idle thread
 * can halt; splits it into words and runs the command of that name from the
 * .shell_cmds section.
 */
#include <amphi/shell.h>
#include <amphi/console.h>
#include <amphi/platform.h>
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

void shell_run(void)
{
	char line[LINE_MAX];
	char *argv[ARGS_MAX];

	kprintf("Amphi shell: type 'help' for the commands.\n");
	for (;;) {
		kprintf("amphi> ");
		read_line(line, sizeof(line));
		int argc = split(line, argv);
		if (argc == 0)
			continue;
		const struct shell_cmd *c = find(argv[0]);
		if (!c)
			kprintf("%s: no such command (try 'help')\n", argv[0]);
		else if (c->run(argc, argv))
			kprintf("%s: failed\n", argv[0]);
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
