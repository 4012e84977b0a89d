/*
 * User mode's start at boot: the kernel's half of every future address
 * space prepared (mm/vm.c) and the platform's CPU side (the syscall entry,
 * SMEP, SMAP), or, where the platform has no user mode yet, the reason,
 * which the selftests print when they skip.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/user.h>
#include <amphi/vm.h>

static const char *user_unavailable_why = "user mode was not set up";

void user_init(void)
{
	if (!platform_ops.user_init) {
		user_unavailable_why = platform_ops.user_unsupported;
		pr_info("user: %s\n", user_unavailable_why);
		return;
	}
	if (vm_init()) {
		user_unavailable_why = "out of memory for the kernel's page tables";
		pr_err("user: %s\n", user_unavailable_why);
		return;
	}
	platform_ops.user_init();
	user_unavailable_why = NULL;
}

const char *user_unavailable(void)
{
	return user_unavailable_why;
}
