/*
 * What the file system core needs from the kernel around it: the one fs
 * lock, a sleeping mutex (it is held across page allocations, and the
 * system calls will copy to and from user memory under it), and zeroed
 * pages for file data, whose sharing with processes that map them
 * (execve) the frame counts of mm/vm.c keep.  Apart from fs/vfs.c so that the host tests can put
 * their own in its place.
 */
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/mutex.h>
#include <amphi/vm.h>

static struct mutex fs_mutex = MUTEX_INIT;

void fs_lock(void)
{
	mutex_lock(&fs_mutex);
}

void fs_unlock(void)
{
	mutex_unlock(&fs_mutex);
}

void *fs_page_alloc(void)
{
	return mm_page_alloc_zeroed();
}

void fs_page_free(void *page)
{
	if (page)
		vm_page_release(page);
}

bool fs_page_shared(void *page)
{
	return vm_page_shared(page);
}
