/*
 * User address spaces (amphi/vm.h).  The regions are a sorted singly
 * linked list: a program has a handful (its segments, brk, the stack, a
 * few mmaps), so a list walk is the whole search.  Operations on a range
 * first split the regions at the range's ends, then work on whole
 * regions, then merge nothing: a split region stays split, which costs a
 * list node and nothing else.
 *
 * Pages are populated on first touch (vm_fault) with a zeroed frame.  A
 * mapping that goes away or loses rights is shot down on the CPUs in
 * vm->cpus, the ones that have this root loaded (a CPU joins when it loads
 * the root, leaves when it loads another), and its frame freed only after
 * the shootdown, so that no CPU can still write to a frame handed on.
 *
 * vm->lock is a mutex: the shootdown waits for other CPUs with interrupts
 * on, and a page fault may sleep for it.  Lock order: vm->lock, then the
 * frame allocator (amphi/spinlock.h).
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>
#include <asm/user.h>

/* Pages freed after one shootdown. */
#define VM_BATCH 32

int64_t vm_pages_in_use;

int vm_init(void)
{
	return uvm_kernel_prepare();
}

struct vm *vm_create(void)
{
	struct vm *vm = kmalloc(sizeof(*vm));

	if (!vm)
		return NULL;
	memset(vm, 0, sizeof(*vm));
	vm->lock = (struct mutex)MUTEX_INIT;
	if (!(vm->root = uvm_root_alloc())) {
		kfree(vm);
		return NULL;
	}
	return vm;
}

static void free_user_page(void *page)
{
	mm_page_free(page);
	vm_count_pages(-1);
}

static void drop_here(void *arg)
{
	vm_deactivate(arg);
}

void vm_destroy(struct vm *vm)
{
	unsigned long flags = local_irq_save();
	cpumask_t others;

	vm_deactivate(vm);
	others = vm->cpus & cpumask_online_others();
	local_irq_restore(flags);
	/* CPUs that ran it and run kernel threads now still have it loaded. */
	if (others)
		smp_call_function_many(others, drop_here, vm);
	uvm_root_free(vm->root, free_user_page);
	while (vm->regions) {
		struct vm_region *r = vm->regions;
		vm->regions = r->next;
		kfree(r);
	}
	kfree(vm);
}

void vm_activate(struct vm *vm)
{
	struct cpu *c = this_cpu();
	struct vm *old = c->active_vm;

	if (old == vm)
		return;
	__atomic_fetch_or(&vm->cpus, cpumask_of(c->id), __ATOMIC_SEQ_CST);
	uvm_load(vm->root);
	c->active_vm = vm;
	if (old)
		__atomic_fetch_and(&old->cpus, ~cpumask_of(c->id), __ATOMIC_SEQ_CST);
}

void vm_deactivate(struct vm *vm)
{
	struct cpu *c = this_cpu();

	if (c->active_vm != vm)
		return;
	uvm_load(uvm_kernel_root);
	c->active_vm = NULL;
	__atomic_fetch_and(&vm->cpus, ~cpumask_of(c->id), __ATOMIC_SEQ_CST);
}

/* --- shootdown --- */

struct vm_flush {
	struct vm *vm;
	unsigned n;
	uint64_t va[VM_BATCH];
	void *page[VM_BATCH];
};

static void flush_here(struct vm_flush *f)
{
	if (this_cpu()->active_vm != f->vm)
		return; /* it left since: loading another root flushed it */
	if (f->n > 8)
		flush_tlb_local();
	else
		for (unsigned i = 0; i < f->n; i++)
			flush_tlb_one(f->va[i]);
}

static void flush_ipi(void *arg)
{
	flush_here(arg);
}

/* Flushes the batch's addresses wherever the space is live, then frees its
 * pages.  Thread context, interrupts on. */
static void vm_flush_batch(struct vm_flush *f)
{
	unsigned long flags;
	cpumask_t others;

	if (!f->n)
		return;
	flags = local_irq_save();
	flush_here(f);
	others = f->vm->cpus & cpumask_online_others();
	local_irq_restore(flags);
	if (others) {
		if (f->n == 1)
			flush_tlb_others(others, f->va[0]);
		else
			smp_call_function_many(others, flush_ipi, f);
	}
	for (unsigned i = 0; i < f->n; i++)
		if (f->page[i])
			free_user_page(f->page[i]);
	f->n = 0;
}

static void vm_flush_add(struct vm_flush *f, uint64_t va, void *page_to_free)
{
	f->va[f->n] = va;
	f->page[f->n] = page_to_free;
	if (++f->n == VM_BATCH)
		vm_flush_batch(f);
}

/* --- regions --- */

static struct vm_region *region_find(struct vm *vm, uint64_t addr)
{
	for (struct vm_region *r = vm->regions; r && r->start <= addr; r = r->next)
		if (addr < r->end)
			return r;
	return NULL;
}

static bool range_free(struct vm *vm, uint64_t start, uint64_t end)
{
	for (struct vm_region *r = vm->regions; r && r->start < end; r = r->next)
		if (r->end > start)
			return false;
	return true;
}

static int region_insert(struct vm *vm, uint64_t start, uint64_t end, unsigned prot)
{
	struct vm_region *n = kmalloc(sizeof(*n)), **p = &vm->regions;

	if (!n)
		return -ENOMEM;
	while (*p && (*p)->start < start)
		p = &(*p)->next;
	*n = (struct vm_region){start, end, prot, *p};
	*p = n;
	return 0;
}

/* The region holding addr strictly inside is cut in two there. */
static int region_split(struct vm *vm, uint64_t addr)
{
	struct vm_region *r = region_find(vm, addr), *n;

	if (!r || r->start == addr)
		return 0;
	if (!(n = kmalloc(sizeof(*n))))
		return -ENOMEM;
	*n = (struct vm_region){addr, r->end, r->prot, r->next};
	r->end = addr;
	r->next = n;
	return 0;
}

static bool page_range_ok(uint64_t start, uint64_t len)
{
	return !(start & (PAGE_SIZE - 1)) && len && user_range_ok(start, len);
}

int vm_region_add(struct vm *vm, uint64_t start, uint64_t len, unsigned prot)
{
	int rc;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!page_range_ok(start, len))
		return -EINVAL;
	mutex_lock(&vm->lock);
	rc = range_free(vm, start, start + len) ? region_insert(vm, start, start + len, prot)
						: -EEXIST;
	mutex_unlock(&vm->lock);
	return rc;
}

/* Unmaps [start, end) (page-aligned, the regions already split at both
 * ends): regions removed, pages freed after the shootdown. */
static void unmap_locked(struct vm *vm, uint64_t start, uint64_t end)
{
	struct vm_flush f = {.vm = vm};
	struct vm_region **p = &vm->regions;

	while (*p && (*p)->start < end) {
		struct vm_region *r = *p;

		if (r->start < start) {
			p = &r->next;
			continue;
		}
		for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE) {
			void *page = uvm_unmap(vm->root, va);
			if (page)
				vm_flush_add(&f, va, page);
		}
		*p = r->next;
		kfree(r);
	}
	vm_flush_batch(&f);
}

static void protect_locked(struct vm *vm, uint64_t start, uint64_t end, unsigned prot)
{
	struct vm_flush f = {.vm = vm};

	for (struct vm_region *r = vm->regions; r && r->start < end; r = r->next) {
		if (r->end <= start)
			continue;
		r->prot = prot;
		for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE)
			if (uvm_protect(vm->root, va, prot))
				vm_flush_add(&f, va, NULL);
	}
	vm_flush_batch(&f);
}

/* The page at va, populated if it was not (vm->lock held). */
static void *page_get(struct vm *vm, uint64_t va, unsigned prot)
{
	void *page = uvm_lookup(vm->root, va, NULL);

	if (page)
		return page;
	if (!(page = mm_page_alloc_zeroed()))
		return NULL;
	vm_count_pages(1);
	if (uvm_map(vm->root, va, page, prot)) {
		free_user_page(page);
		return NULL;
	}
	return page;
}

int vm_write(struct vm *vm, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;
	int rc = 0;

	mutex_lock(&vm->lock);
	while (len && !rc) {
		struct vm_region *r = region_find(vm, va);
		size_t off = va & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		uint8_t *page = r ? page_get(vm, va & ~(PAGE_SIZE - 1), r->prot) : NULL;

		if (!page) {
			rc = r ? -ENOMEM : -EFAULT;
			break;
		}
		memcpy(page + off, s, n);
		va += n;
		s += n;
		len -= n;
	}
	mutex_unlock(&vm->lock);
	return rc;
}

static bool access_ok(unsigned prot, bool write, bool exec)
{
	if (prot == PROT_NONE || (write && !(prot & PROT_WRITE)))
		return false;
	return !exec || (prot & PROT_EXEC);
}

int vm_fault(struct vm *vm, uint64_t addr, bool write, bool exec)
{
	struct vm_region *r;
	int rc = -EFAULT;

	if (!vm || addr < USER_BASE || addr >= USER_TOP)
		return -EFAULT;
	mutex_lock(&vm->lock);
	r = region_find(vm, addr);
	if (r && access_ok(r->prot, write, exec)) {
		/* Present already: another thread's fault, or a stale entry. */
		if (page_get(vm, addr & ~(PAGE_SIZE - 1), r->prot)) {
			flush_tlb_one(addr);
			rc = 0;
		} else {
			rc = -ENOMEM;
		}
	}
	mutex_unlock(&vm->lock);
	return rc;
}

/* --- the system calls' work --- */

long vm_brk(struct vm *vm, uint64_t want)
{
	uint64_t old, top, new_top;

	mutex_lock(&vm->lock);
	old = vm->brk;
	top = ALIGN_UP(old, PAGE_SIZE);
	new_top = ALIGN_UP(want, PAGE_SIZE);
	if (want < vm->brk_start || want > VM_MMAP_BASE)
		goto out;
	if (new_top > top) {
		if (!range_free(vm, top, new_top) ||
		    region_insert(vm, top, new_top, PROT_READ | PROT_WRITE))
			goto out;
	} else if (new_top < top) {
		if (region_split(vm, new_top))
			goto out;
		unmap_locked(vm, new_top, top);
	}
	vm->brk = want;
out:
	want = vm->brk;
	mutex_unlock(&vm->lock);
	return (long)want;
}

static uint64_t find_gap(struct vm *vm, uint64_t len)
{
	uint64_t at = VM_MMAP_BASE;

	for (struct vm_region *r = vm->regions; r; r = r->next) {
		if (r->end <= at)
			continue;
		if (r->start >= at + len)
			break;
		at = r->end;
	}
	return at + len <= VM_STACK_TOP - VM_STACK_SIZE ? at : 0;
}

static int split_range(struct vm *vm, uint64_t start, uint64_t end)
{
	int rc = region_split(vm, start);

	return rc ? rc : region_split(vm, end);
}

/* MAP_FIXED: whatever was in [addr, end) goes; NOREPLACE: it must be free. */
static long map_fixed_locked(struct vm *vm, uint64_t addr, uint64_t end, unsigned prot,
			     bool noreplace)
{
	long rc;

	if (noreplace && !range_free(vm, addr, end))
		return -EEXIST;
	if ((rc = split_range(vm, addr, end)))
		return rc;
	unmap_locked(vm, addr, end);
	rc = region_insert(vm, addr, end, prot);
	return rc ? rc : (long)addr;
}

static long map_anywhere_locked(struct vm *vm, uint64_t len, unsigned prot)
{
	uint64_t at = find_gap(vm, len);
	long rc = at ? region_insert(vm, at, at + len, prot) : -ENOMEM;

	return rc ? rc : (long)at;
}

long vm_mmap(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags)
{
	const unsigned known = MAP_PRIVATE | MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS |
			       MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_NORESERVE |
			       MAP_POPULATE | MAP_STACK | MAP_FIXED_NOREPLACE;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	long rc;

	if (!len || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || (flags & ~known))
		return -EINVAL;
	if (((flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE))
		return -EINVAL; /* MAP_SHARED is not supported yet */
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (fixed && !page_range_ok(addr, len))
		return (addr & (PAGE_SIZE - 1)) ? -EINVAL : -ENOMEM;
	mutex_lock(&vm->lock);
	if (fixed)
		rc = map_fixed_locked(vm, addr, addr + len, prot, flags & MAP_FIXED_NOREPLACE);
	else
		rc = map_anywhere_locked(vm, len, prot);
	mutex_unlock(&vm->lock);
	return rc;
}

long vm_munmap(struct vm *vm, uint64_t addr, uint64_t len)
{
	long rc;

	if ((addr & (PAGE_SIZE - 1)) || !len || !user_range_ok(addr, ALIGN_UP(len, PAGE_SIZE)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	mutex_lock(&vm->lock);
	rc = split_range(vm, addr, addr + len);
	if (!rc)
		unmap_locked(vm, addr, addr + len);
	mutex_unlock(&vm->lock);
	return rc;
}

/* Every page of the range in some region, as Linux requires. */
static bool range_covered(struct vm *vm, uint64_t start, uint64_t end)
{
	for (struct vm_region *r = vm->regions; r && start < end; r = r->next)
		if (r->start <= start && r->end > start)
			start = r->end;
	return start >= end;
}

long vm_mprotect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot)
{
	long rc;

	if ((addr & (PAGE_SIZE - 1)) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_range_ok(addr, len))
		return -ENOMEM;
	mutex_lock(&vm->lock);
	if (!range_covered(vm, addr, addr + len))
		rc = -ENOMEM;
	else if (!(rc = split_range(vm, addr, addr + len)))
		protect_locked(vm, addr, addr + len, prot);
	mutex_unlock(&vm->lock);
	return rc;
}
