/*
 * The console shell.  Commands register themselves in the .shell_cmds linker
 * section next to the code they show, so the shell itself knows none of
 * them.
 */
#ifndef AMPHI_SHELL_H
#define AMPHI_SHELL_H
#include <amphi/types.h>

struct shell_cmd {
	const char *name;
	const char *help;
	int (*run)(int argc, char **argv);
};

#define SHELL_CMD(cname, chelp)                                                                    \
	static int shell_cmd_##cname(int argc, char **argv);                                       \
	static const struct shell_cmd shell_entry_##cname __section(".shell_cmds")                 \
	    __used __aligned(8) = {#cname, chelp, shell_cmd_##cname};                              \
	static int shell_cmd_##cname(int argc, char **argv)

void shell_run(void) __noreturn;

#endif
