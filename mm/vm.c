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
 *
 * fork copies nothing but the page tables: every page present in the
 * parent is mapped in the child too, both read-only, and the frame's
 * count of sharers (frame_refs, one word per frame of the allocator, 0
 * for a frame with a single user) goes up.  A write fault on such a page
 * copies it when others still share the frame, or takes it back writable
 * when it is the last user; a frame goes back to the allocator only when
 * its last user lets go.  The counts are atomic: two spaces sharing a
 * frame hold different locks.  execve shares a program file's pages the
 * same way (vm_map_shared): the file is their first user, each space
 * that maps them one more, and a file that lets go of a page still
 * mapped hands it to the spaces (vm_page_release).
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/user.h>

/* Pages freed after one shootdown. */
#define VM_BATCH 32

int64_t vm_pages_in_use;

/* Other users of each frame than the first (fork's sharing). */
static uint32_t *frame_refs;
static uint64_t frame_refs_n;

int vm_init(void)
{
	frame_refs_n = frames.nframes;
	if (!(frame_refs = kmalloc(frame_refs_n * sizeof(*frame_refs))))
		return -ENOMEM;
	memset(frame_refs, 0, frame_refs_n * sizeof(*frame_refs));
	return uvm_kernel_prepare();
}

static uint32_t *refs_of(void *page)
{
	uint64_t pfn = virt_to_pfn(page);

	return pfn < frame_refs_n ? &frame_refs[pfn] : NULL;
}

static bool page_shared(void *page)
{
	uint32_t *r = refs_of(page);

	return r && __atomic_load_n(r, __ATOMIC_ACQUIRE);
}

/* One more user of the frame; false if it has no count (never here). */
static bool page_share(void *page)
{
	uint32_t *r = refs_of(page);

	if (!r)
		return false;
	__atomic_fetch_add(r, 1, __ATOMIC_ACQ_REL);
	return true;
}

uint64_t vm_shared_frames(void)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < frame_refs_n; i++)
		n += __atomic_load_n(&frame_refs[i], __ATOMIC_RELAXED) != 0;
	return n;
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

/* A user lets go of the frame: freed when it was the last one. */
static void free_user_page(void *page)
{
	uint32_t *r = refs_of(page);
	uint32_t old = r ? __atomic_load_n(r, __ATOMIC_ACQUIRE) : 0;

	while (old)
		if (__atomic_compare_exchange_n(r, &old, old - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
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
		for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE) {
			void *page = uvm_lookup(vm->root, va, NULL);

			/* A frame fork shares stays read-only: its write
			 * fault copies it. */
			if (page && uvm_protect(vm->root, va,
						page_shared(page) ? prot & ~PROT_WRITE : prot))
				vm_flush_add(&f, va, NULL);
		}
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

/* A write to the present page at va that its entry refuses, in a region
 * that allows it: a copy of a frame others share, or the frame itself
 * back writable when no one else has it (vm->lock held). */
static void *cow_break(struct vm *vm, uint64_t va, void *page, unsigned prot)
{
	struct vm_flush f = {.vm = vm};
	void *copy = page;

	if (page_shared(page)) {
		if (!(copy = mm_page_alloc()))
			return NULL;
		vm_count_pages(1);
		memcpy(copy, page, PAGE_SIZE);
		uvm_map(vm->root, va, copy, prot); /* the tables are there */
		vm_flush_add(&f, va, page);	   /* dropped after the shootdown */
	} else {
		uvm_protect(vm->root, va, prot);
		vm_flush_add(&f, va, NULL);
	}
	vm_flush_batch(&f);
	return copy;
}

/* The page at va for a write by the kernel (the loader): its own. */
static void *page_get_private(struct vm *vm, uint64_t va, unsigned prot)
{
	void *page = page_get(vm, va, prot);

	return page && page_shared(page) ? cow_break(vm, va, page, prot) : page;
}

int vm_write(struct vm *vm, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;
	int rc = 0;

	mutex_lock(&vm->lock);
	while (len && !rc) {
		struct vm_region *r = region_find(vm, va);
		size_t off = va & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		uint8_t *page = r ? page_get_private(vm, va & ~(PAGE_SIZE - 1), r->prot) : NULL;

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

int vm_map_shared(struct vm *vm, uint64_t va, void *page)
{
	struct vm_region *r;
	int rc = -EFAULT;

	mutex_lock(&vm->lock);
	r = region_find(vm, va);
	if (r && uvm_lookup(vm->root, va, NULL))
		rc = -EEXIST;
	else if (r && !page_share(page))
		rc = -ENOMEM;
	else if (r && (rc = uvm_map(vm->root, va, page, r->prot & ~PROT_WRITE)))
		free_user_page(page); /* the share just taken */
	mutex_unlock(&vm->lock);
	return rc;
}

bool vm_page_shared(void *page)
{
	return page_shared(page);
}

/* The owner lets go: with sharers left, the last of them (a space) frees
 * it, and it is counted with the spaces' pages from now on. */
void vm_page_release(void *page)
{
	uint32_t *r = refs_of(page);
	uint32_t old = r ? __atomic_load_n(r, __ATOMIC_ACQUIRE) : 0;

	while (old)
		if (__atomic_compare_exchange_n(r, &old, old - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			vm_count_pages(1);
			return;
		}
	mm_page_free(page);
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
		uint64_t va = addr & ~(PAGE_SIZE - 1);
		unsigned now = 0;
		void *page = uvm_lookup(vm->root, va, &now);

		/* Present already: copy-on-write, another thread's fault, or
		 * a stale entry. */
		if (page && write && !(now & PROT_WRITE))
			page = cow_break(vm, va, page, r->prot);
		else
			page = page_get(vm, va, r->prot);
		if (page) {
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

/* --- fork --- */

static void flush_all_ipi(void *arg)
{
	if (this_cpu()->active_vm == arg)
		flush_tlb_local();
}

/* Every entry of the space out of every TLB that may hold it. */
static void vm_flush_all(struct vm *vm)
{
	unsigned long flags = local_irq_save();
	cpumask_t others = vm->cpus & cpumask_online_others();

	if (this_cpu()->active_vm == vm)
		flush_tlb_local();
	local_irq_restore(flags);
	if (others)
		smp_call_function_many(others, flush_all_ipi, vm);
}

static int copy_regions(struct vm *src, struct vm *dst)
{
	struct vm_region **tail = &dst->regions;

	for (struct vm_region *r = src->regions; r; r = r->next) {
		struct vm_region *n = kmalloc(sizeof(*n));

		if (!n)
			return -ENOMEM;
		*n = (struct vm_region){r->start, r->end, r->prot, NULL};
		*tail = n;
		tail = &n->next;
	}
	return 0;
}

/* The region's present pages shared with dst, read-only in both. */
/* Only the pages mapped are visited (uvm_next_page): a walk from the
 * root for every page of every region, the stack's untouched megabytes
 * included, was half of a fork+exit's instructions. */
static int share_region(struct vm *src, struct vm *dst, const struct vm_region *r)
{
	for (uint64_t va = r->start; (va = uvm_next_page(src->root, va, r->end)) < r->end;
	     va += PAGE_SIZE) {
		unsigned now = 0;
		void *page = uvm_lookup(src->root, va, &now);

		if (!page)
			continue;
		if (!page_share(page))
			return -ENOMEM;
		if (uvm_map(dst->root, va, page, r->prot & ~PROT_WRITE)) {
			free_user_page(page);
			return -ENOMEM;
		}
		if (now & PROT_WRITE)
			uvm_protect(src->root, va, r->prot & ~PROT_WRITE);
	}
	return 0;
}

struct vm *vm_fork(struct vm *src)
{
	struct vm *dst = vm_create();
	int rc;

	if (!dst)
		return NULL;
	mutex_lock(&src->lock);
	dst->brk_start = src->brk_start;
	dst->brk = src->brk;
	rc = copy_regions(src, dst);
	for (struct vm_region *r = src->regions; r && !rc; r = r->next)
		rc = share_region(src, dst, r);
	/* The parent's pages went read-only: no CPU may keep a writable
	 * entry of them. */
	vm_flush_all(src);
	mutex_unlock(&src->lock);
	if (rc) {
		vm_destroy(dst);
		return NULL;
	}
	return dst;
}
