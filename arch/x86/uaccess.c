/*
 * copy_from_user and friends (amphi/uaccess.h): the range check in C, the
 * copy in arch/x86/copy_user.S, and the exception table the page-fault
 * handler consults when a kernel instruction faults on a user address.
 */
#include <amphi/errno.h>
#include <amphi/uaccess.h>

size_t __copy_user(void *dst, const void *src, size_t n);
long __strncpy_user(char *dst, const char *src, long n);

struct extable_entry {
	uint64_t insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

bool uaccess_smap;

long copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return __copy_user(dst, (const void *)src, n) ? -EFAULT : 0;
}

long copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return __copy_user((void *)dst, src, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, uint64_t src, size_t n)
{
	bool clipped = false;
	long r;

	if (!n || src < USER_BASE || src >= USER_TOP)
		return -EFAULT;
	if (n > USER_TOP - src) {
		n = USER_TOP - src; /* the copy stops at the range's end */
		clipped = true;
	}
	r = __strncpy_user(dst, (const char *)src, (long)n);
	if (r < 0)
		return -EFAULT;
	if ((size_t)r == n) {
		dst[n - 1] = 0;
		return clipped ? -EFAULT : -ENAMETOOLONG;
	}
	return r;
}

uint64_t extable_fixup(uint64_t rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}
