/*
 * The `mem` shell command: the memory listing, which sysrq 'm' prints as
 * well (kernel/sysrq.c), so it lives with the memory code and the shell
 * only names it.
 */
#include <amphi/mm.h>
#include <amphi/shell.h>

SHELL_CMD(mem, "memory map, frames and heap")
{
	mm_show();
	return 0;
}
