/*
 * The memory system calls: brk and anonymous private mmap, munmap and
 * mprotect, on the process's address space (mm/vm.c, which has Linux's
 * rules and errors).  File mappings wait for files: an mmap that is not
 * MAP_ANONYMOUS says -EBADF, as Linux does for an fd that is not open.
 */
#include <amphi/errno.h>
#include <amphi/process.h>
#include <amphi/syscall.h>
#include <amphi/vm.h>

long sys_brk(const struct sysargs *a)
{
	return vm_brk(current_process()->vm, a->a[0]);
}

long sys_mmap(const struct sysargs *a)
{
	uint64_t addr = a->a[0], len = a->a[1], off = a->a[5];
	unsigned prot = (unsigned)a->a[2], flags = (unsigned)a->a[3];

	if (a->a[2] >> 32 || a->a[3] >> 32)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;
	if (off & 4095)
		return -EINVAL;
	return vm_mmap(current_process()->vm, addr, len, prot, flags);
}

long sys_munmap(const struct sysargs *a)
{
	return vm_munmap(current_process()->vm, a->a[0], a->a[1]);
}

long sys_mprotect(const struct sysargs *a)
{
	if (a->a[2] >> 32)
		return -EINVAL;
	return vm_mprotect(current_process()->vm, a->a[0], a->a[1], (unsigned)a->a[2]);
}
