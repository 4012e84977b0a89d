/*
 * The kernel's only way to touch user memory (arch/x86/uaccess.c and
 * uaccess.S).  A user address is checked against the user range first;
 * the copy itself may still fault (an unmapped page, a read-only one), and
 * then the exception table turns the fault into -EFAULT instead of a
 * kernel crash.  A fault on a page the address space has but has not yet
 * populated (demand zero) is resolved and the copy goes on, as it would
 * in the program itself.  With SMAP the copies open user memory with stac
 * and close it with clac, and nothing else in the kernel can read it.
 *
 * The user range is Linux's: the whole lower half (L4 slots 0-255), the
 * kernel and its direct map of RAM being in the upper half (asm/page.h),
 * from 64 KiB (Linux's default mmap_min_addr: a NULL pointer, or one a
 * little above it, still faults) to TASK_SIZE, so that a non-PIE program
 * linked at 0x400000 (any `gcc -static` one) runs unmodified.
 */
#ifndef AMPHI_UACCESS_H
#define AMPHI_UACCESS_H
#include <amphi/types.h>

#define USER_BASE 0x10000UL	  /* Linux's mmap_min_addr */
#define USER_TOP 0x7ffffffff000UL /* Linux's TASK_SIZE */

/* Set when the CPUs run with SMAP (arch/x86/syscall_native.c). */
extern bool uaccess_smap;

static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr >= USER_BASE && addr <= USER_TOP && len <= USER_TOP - addr;
}

/* 0, or -EFAULT when any byte could not be copied. */
long copy_from_user(void *dst, uint64_t src, size_t n);
long copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most n-1 characters with its NUL:
 * its length, -EFAULT, or -ENAMETOOLONG when no NUL came within n bytes. */
long strncpy_from_user(char *dst, uint64_t src, size_t n);

/* The exception table: for a kernel instruction that may fault on a user
 * address, where to resume instead (0: none). */
uint64_t extable_fixup(uint64_t rip);

#endif
