/*
 * User address spaces (mm/vm.c): a page-table root per process with the
 * kernel's half shared, and a sorted list of regions, each a range with
 * its protection, backed by anonymous memory filled on first touch with
 * zeroes (demand zero).  brk and anonymous mmap/munmap/mprotect work on
 * the list; a change to a page that was mapped is shot down on every CPU
 * the address space is live on.  Every frame is freed with the space.
 * fork shares the pages copy-on-write (vm_fork).
 */
#ifndef AMPHI_VM_H
#define AMPHI_VM_H
#include <amphi/mutex.h>
#include <amphi/smp.h>
#include <amphi/types.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000

/* Where things go in the user range (amphi/uaccess.h). */
#define VM_DYN_BASE 0x600000400000UL  /* a static-pie program's first page */
#define VM_MMAP_BASE 0x700000000000UL /* mmap without MAP_FIXED, upwards */
#define VM_STACK_TOP 0x7ffffffff000UL
#define VM_STACK_SIZE (8UL << 20) /* RLIMIT_STACK's default */

struct vm_region {
	uint64_t start, end;
	unsigned prot;
	struct vm_region *next;
};

struct vm {
	uint64_t *root;
	struct mutex lock; /* the regions and the user half's tables */
	struct vm_region *regions;
	uint64_t brk_start, brk;
	volatile cpumask_t cpus; /* CPUs with this root loaded */
};

struct vm *vm_create(void);
/* Frees everything; no CPU may run the space's threads any more. */
void vm_destroy(struct vm *vm);
/* Loads vm's root on this CPU, interrupts off (switch_to; a kernel
 * thread keeps what it finds). */
void vm_activate(struct vm *vm);
/* This CPU back on the kernel's root if it has vm's (interrupts off). */
void vm_deactivate(struct vm *vm);

/* A new region, pages not yet populated; -EEXIST over another one,
 * -EINVAL outside the user range, -ENOMEM. */
int vm_region_add(struct vm *vm, uint64_t start, uint64_t len, unsigned prot);
/* Copies bytes into the space, populating pages as needed, whatever the
 * regions' protection (the loader's way of filling text). */
int vm_write(struct vm *vm, uint64_t va, const void *src, size_t len);
/* Maps a frame another owner keeps (a file's page, for execve) at va, in
 * a region there, read-only whatever the region allows: a write faults
 * and copies it, as after fork.  The space takes a share of the frame.
 * 0; -EEXIST if a page is there already, -EFAULT outside a region,
 * -ENOMEM. */
int vm_map_shared(struct vm *vm, uint64_t va, void *page);
/* For the owner of such a frame: does a space map it too?  And the owner
 * lets go: the frame is freed, or is the spaces' from now on. */
bool vm_page_shared(void *page);
void vm_page_release(void *page);
/* A fault at addr (write/exec as the CPU said): 0 once the page is there
 * with a protection that allows the access, -EFAULT when the process has
 * no right to it. */
int vm_fault(struct vm *vm, uint64_t addr, bool write, bool exec);

/* fork's copy: the regions copied, every present page shared
 * read-only by both spaces (copied on the first write), src's stale
 * writable entries shot down; NULL without memory. */
struct vm *vm_fork(struct vm *src);
/* Frames shared by more than one space now, for the tests. */
uint64_t vm_shared_frames(void);

/* The system calls' work, with Linux's results. */
long vm_brk(struct vm *vm, uint64_t want);
long vm_mmap(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags);
long vm_munmap(struct vm *vm, uint64_t addr, uint64_t len);
long vm_mprotect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot);

/* Frames (pages and page tables) every address space holds, for the leak
 * checks; counted by mm/vm.c and arch/x86/mm/uvm.c. */
extern int64_t vm_pages_in_use;
static inline void vm_count_pages(int64_t n)
{
	__atomic_fetch_add(&vm_pages_in_use, n, __ATOMIC_RELAXED);
}
/* user_init: the kernel's side, once, on the boot CPU (0 or -errno). */
int vm_init(void);

#endif
