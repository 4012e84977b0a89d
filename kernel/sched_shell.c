/*
 * The `ps` shell command: the scheduler's thread listing, which sysrq 't'
 * prints as well (kernel/sysrq.c), so it lives with the scheduler and the
 * shell only names it.
 */
#include <amphi/sched.h>
#include <amphi/shell.h>

SHELL_CMD(ps, "list the threads, their CPUs, states and context switches")
{
	sched_show_threads();
	return 0;
}
