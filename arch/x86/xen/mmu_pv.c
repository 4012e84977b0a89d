/*
 * The Xen PV MMU.  A PV guest's page tables hold machine frames and are
 * read-only to it: Xen checks every change.  So here
 *   - a pte written by the kernel is translated pseudo-physical -> machine
 *     (make_pte, through the P2M list) and read back machine -> pseudo-
 *     physical (pte_val, through Xen's M2P table);
 *   - entries are written with mmu_update, and a frame becomes a page table
 *     only after its own mapping was made read-only (alloc_pt);
 *   - cr3 and TLB flushes are mmuext ops;
 *   - in lazy-MMU mode the updates and flushes are queued and issued as one
 *     multicall when the mode ends or the queue fills.
 *
 * Several vCPUs: the lazy mode and its queues are each CPU's own (struct
 * cpu's xen_pv_ fields), so one CPU's mode never defers another's writes
 * and two never fill one queue.  The mode keeps interrupts off from enter
 * to leave: the thread cannot move to another CPU meanwhile, and no other
 * thread or handler runs there to find the mode on.  Outside it, a change
 * is one hypercall whichever CPU makes it.  The counts are atomic.  The
 * P2M list is changed under p2m_lock and read without it (see
 * xen_pv_p2m_grow).
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/spinlock.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>

#define M2P ((const unsigned long *)MACH2PHYS_VIRT_START)
#define INVALID_MFN (~0UL)
#define BATCH XEN_PV_MMU_BATCH

_Static_assert(sizeof(struct mmu_update) == sizeof(((struct cpu *)0)->xen_pv_mmu_queue[0]),
	       "struct cpu's queue holds mmu_updates");
_Static_assert(sizeof(struct mmuext_op) == sizeof(((struct cpu *)0)->xen_pv_ext_queue[0]),
	       "struct cpu's queue holds mmuext_ops");

static const unsigned long *volatile p2m;
static volatile unsigned long p2m_size;
static unsigned long max_mfn;
static struct spinlock p2m_lock = SPINLOCK_INIT;
static unsigned long kernel_cr3; /* the kernel's own root, pseudo-physical */

static struct {
	uint64_t updates, multicalls, hypercalls, errors;
} stats;

static void stat_add(uint64_t *what)
{
	__atomic_fetch_add(what, 1, __ATOMIC_RELAXED);
}

static uint64_t stat(const uint64_t *what)
{
	return __atomic_load_n(what, __ATOMIC_RELAXED);
}

static struct mmu_update *mmu_queue(struct cpu *c)
{
	return (struct mmu_update *)c->xen_pv_mmu_queue;
}

static struct mmuext_op *ext_queue(struct cpu *c)
{
	return (struct mmuext_op *)c->xen_pv_ext_queue;
}

/* The size is read first: a list at least that long is published before
 * it (xen_pv_p2m_grow). */
static unsigned long pfn_to_mfn(unsigned long pfn)
{
	unsigned long size = __atomic_load_n(&p2m_size, __ATOMIC_ACQUIRE);

	return pfn < size ? __atomic_load_n(&p2m, __ATOMIC_ACQUIRE)[pfn] : INVALID_MFN;
}

/* The pseudo-physical frame of a machine frame, if it is ours. */
static unsigned long mfn_to_pfn(unsigned long mfn)
{
	if (mfn > max_mfn)
		return INVALID_MFN;
	unsigned long pfn = M2P[mfn];
	return pfn_to_mfn(pfn) == mfn ? pfn : INVALID_MFN;
}

/* A restored domain's P2M list holds its new machine frames (the
 * restore rewrote it), but the tree that names the list's own pages was
 * built with the old ones: it is built again and published in the new
 * shared info page. */
void xen_pv_p2m_republish(void)
{
	xen_pv_p2m_publish((const unsigned long *)p2m, xen_pv_p2m_size());
}

unsigned long xen_pv_p2m_size(void)
{
	return __atomic_load_n(&p2m_size, __ATOMIC_ACQUIRE);
}

unsigned long xen_pv_mfn_to_pfn(unsigned long mfn)
{
	return mfn_to_pfn(mfn);
}

uint64_t xen_pv_virt_to_machine(const void *va)
{
	uint64_t pa = __pa(va);
	return ((uint64_t)pfn_to_mfn(pa >> PAGE_SHIFT) << PAGE_SHIFT) | (pa & (PAGE_SIZE - 1));
}

pteval_t xen_make_pte(pteval_t v)
{
	if (!(v & PTE_P))
		return v;
	unsigned long mfn = pfn_to_mfn((v & PTE_ADDR) >> PAGE_SHIFT);
	if (mfn == INVALID_MFN)
		return 0; /* no such frame: map nothing rather than something else */
	return (v & ~PTE_ADDR) | ((uint64_t)mfn << PAGE_SHIFT);
}
PV_CALLEE_SAVE_THUNK(xen_make_pte);

pteval_t xen_pte_val(pteval_t v)
{
	if (!(v & PTE_P))
		return v;
	unsigned long pfn = mfn_to_pfn((v & PTE_ADDR) >> PAGE_SHIFT);
	if (pfn == INVALID_MFN)
		return v; /* a foreign or device frame: left as it is */
	return (v & ~PTE_ADDR) | ((uint64_t)pfn << PAGE_SHIFT);
}
PV_CALLEE_SAVE_THUNK(xen_pte_val);

/* Issues everything this CPU queued, as one multicall when both queues
 * hold work.  Only a CPU in lazy mode (interrupts off) has a queue. */
static void queue_flush(struct cpu *c)
{
	multicall_entry_t mc[2];
	unsigned n = 0;

	if (c->xen_pv_mmu_n)
		mc[n++] = (multicall_entry_t){
		    .op = __HYPERVISOR_mmu_update,
		    .args = {(uintptr_t)mmu_queue(c), c->xen_pv_mmu_n, 0, DOMID_SELF}};
	if (c->xen_pv_ext_n)
		mc[n++] = (multicall_entry_t){
		    .op = __HYPERVISOR_mmuext_op,
		    .args = {(uintptr_t)ext_queue(c), c->xen_pv_ext_n, 0, DOMID_SELF}};
	if (!n)
		return;
	long rc = hypercall_multicall(mc, n);
	stat_add(&stats.multicalls);
	for (unsigned i = 0; i < n; i++)
		if (rc || mc[i].result) {
			stat_add(&stats.errors);
			pr_err("xen-pv mmu: multicall entry %u failed (%ld, result %ld)\n", i, rc,
			       (long)mc[i].result);
		}
	c->xen_pv_mmu_n = c->xen_pv_ext_n = 0;
}

/* Whether to queue: this CPU is in lazy mode, so interrupts are off and
 * the caller stays here. */
static struct cpu *lazy_cpu(void)
{
	struct cpu *c = this_cpu();

	return c->xen_pv_lazy ? c : NULL;
}

static void mmu_update_now(uint64_t maddr, pteval_t val)
{
	struct mmu_update u = {maddr | MMU_NORMAL_PT_UPDATE, val};

	stat_add(&stats.hypercalls);
	if (hypercall_mmu_update(&u, 1, NULL, DOMID_SELF)) {
		stat_add(&stats.errors);
		pr_err("xen-pv mmu: update of %#lx to %#lx refused\n", maddr, val);
	}
}

static void mmu_update_one(uint64_t maddr, pteval_t val)
{
	struct cpu *c = lazy_cpu();

	stat_add(&stats.updates);
	if (!c) {
		mmu_update_now(maddr, val);
		return;
	}
	if (c->xen_pv_mmu_n == BATCH)
		queue_flush(c);
	mmu_queue(c)[c->xen_pv_mmu_n++] = (struct mmu_update){maddr | MMU_NORMAL_PT_UPDATE, val};
}

static void mmuext_now(struct mmuext_op op)
{
	stat_add(&stats.hypercalls);
	if (hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF)) {
		stat_add(&stats.errors);
		pr_err("xen-pv mmu: mmuext op %u refused\n", op.cmd);
	}
}

static void mmuext(struct mmuext_op op)
{
	struct cpu *c = lazy_cpu();

	if (c) {
		if (c->xen_pv_ext_n == BATCH)
			queue_flush(c);
		ext_queue(c)[c->xen_pv_ext_n++] = op;
		return;
	}
	mmuext_now(op);
}

/* Whatever this CPU queued goes first (nothing, outside lazy mode). */
static void flush_own_queue(void)
{
	struct cpu *c = lazy_cpu();

	if (c)
		queue_flush(c);
}

void xen_set_pte(pteval_t *ptep, pteval_t val)
{
	mmu_update_one(xen_pv_virt_to_machine(ptep), val);
}
PV_CALLEE_SAVE_THUNK_VOID(xen_set_pte);

/* Upper levels are never deferred: the walker reads them back at once to
 * find the next table, and must not see a stale entry. */
static void xen_set_pxd(pteval_t *p, pteval_t val)
{
	flush_own_queue();
	stat_add(&stats.updates);
	mmu_update_now(xen_pv_virt_to_machine(p), val);
}

unsigned long xen_read_cr3(void)
{
	return this_cpu()->xen_pv_cr3;
}
PV_CALLEE_SAVE_THUNK(xen_read_cr3);

void xen_write_cr3(unsigned long val)
{
	flush_own_queue(); /* the new tables must see every queued update */
	mmuext((struct mmuext_op){.cmd = MMUEXT_NEW_BASEPTR,
				  .arg1.mfn = pfn_to_mfn((val & PTE_ADDR) >> PAGE_SHIFT)});
	this_cpu()->xen_pv_cr3 = val & PTE_ADDR;
}
PV_CALLEE_SAVE_THUNK_VOID(xen_write_cr3);

unsigned long xen_pv_kernel_cr3(void)
{
	return kernel_cr3;
}

/*
 * A process's roots.  In ring 3 the page tables cannot tell the kernel's
 * pages from the program's, so Xen keeps two roots per vCPU and switches
 * them with the GS bases on every kernel/user transition: the kernel's
 * (MMUEXT_NEW_BASEPTR: kernel and user halves) and user mode's
 * (MMUEXT_NEW_USER_BASEPTR: the user half only, so a program finds no
 * kernel page).  The pair is two frames side by side, the user root
 * second, so one finds the other with no table of its own.  Both are
 * pinned, so that loading them costs no revalidation; each user-half L4
 * entry is written in both, and the L3 tables and all below are shared.
 */
static void set_frame_writable(uint64_t pfn, bool writable);

static pteval_t *user_root_of(pteval_t *root)
{
	return root + PAGE_SIZE / sizeof(pteval_t);
}

static pteval_t *xen_pgd_alloc(void)
{
	int64_t pfn = mm_frames_alloc_contig(2, 1);
	pteval_t *root;

	if (pfn < 0)
		return NULL;
	root = __va((uint64_t)pfn << PAGE_SHIFT);
	memset(root, 0, 2 * PAGE_SIZE);
	return root;
}

static void pin(pteval_t *table, unsigned cmd)
{
	mmuext((struct mmuext_op){.cmd = cmd, .arg1.mfn = pfn_to_mfn(virt_to_pfn(table))});
}

static void xen_pgd_pin(pteval_t *root)
{
	set_frame_writable(virt_to_pfn(root), false);
	set_frame_writable(virt_to_pfn(user_root_of(root)), false);
	pin(root, MMUEXT_PIN_L4_TABLE);
	pin(user_root_of(root), MMUEXT_PIN_L4_TABLE);
}

/* Dropping a table's last type reference devalidates the tree below
 * it, which Xen may cut short and leave to this vCPU's next mmuext_op or
 * mmu_update (its old_guest_table): until then the tables below are
 * still page tables and cannot be made writable.  So each unpin is a
 * hypercall of its own, and a last op (a local flush) completes what the
 * second left, all on this vCPU, with events masked. */
static void xen_pgd_unpin(pteval_t *root)
{
	unsigned long flags = local_irq_save();

	flush_own_queue();
	mmuext_now((struct mmuext_op){.cmd = MMUEXT_UNPIN_TABLE,
				      .arg1.mfn = pfn_to_mfn(virt_to_pfn(root))});
	mmuext_now((struct mmuext_op){.cmd = MMUEXT_UNPIN_TABLE,
				      .arg1.mfn = pfn_to_mfn(virt_to_pfn(user_root_of(root)))});
	mmuext_now((struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_LOCAL});
	local_irq_restore(flags);
}

static void xen_pgd_free(pteval_t *root)
{
	set_frame_writable(virt_to_pfn(root), true);
	set_frame_writable(virt_to_pfn(user_root_of(root)), true);
	mm_frames_free_range(virt_to_pfn(root), 2);
}

/* Only process roots have user-half entries (the kernel's has none). */
static void xen_set_p4d_user(pteval_t *p, pteval_t val)
{
	pteval_t *root = (pteval_t *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));

	xen_set_pxd(p, val);
	xen_set_pxd(user_root_of(root) + (p - root), val);
}

static void xen_load_user_root(pteval_t *root)
{
	unsigned long mfn = root ? pfn_to_mfn(virt_to_pfn(user_root_of(root))) : 0;

	mmuext((struct mmuext_op){.cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = mfn});
}

void xen_flush_tlb_one(unsigned long addr)
{
	mmuext((struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = addr});
}
PV_CALLEE_SAVE_THUNK_VOID(xen_flush_tlb_one);

static void xen_flush_tlb_local(void)
{
	mmuext((struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_LOCAL});
}

static void xen_flush_tlb_global(void)
{
	mmuext((struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_ALL});
}

/* Xen flushes the other vCPUs itself, given their vCPU numbers: no IPI. */
static void xen_flush_tlb_others(uint64_t mask, unsigned long addr)
{
	xen_ulong_t vcpus[XEN_LEGACY_MAX_VCPUS / 64 + 1] = {0};
	struct mmuext_op op = {.cmd = MMUEXT_INVLPG_MULTI, .arg1.linear_addr = addr};

	for (unsigned int i = 0; i < NR_CPUS; i++)
		if (mask & ((uint64_t)1 << i) && cpus[i].xen_vcpu_id < XEN_LEGACY_MAX_VCPUS)
			vcpus[cpus[i].xen_vcpu_id / 64] |= (xen_ulong_t)1
							   << (cpus[i].xen_vcpu_id % 64);
	if (addr == TLB_FLUSH_ALL)
		op = (struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_MULTI};
	set_xen_guest_handle(op.arg2.vcpumask, vcpus);
	mmuext(op);
}

/* A frame about to hold a page table must be mapped read-only first.
 * Every vCPU's TLB forgets the old entry: a stale read-only one would
 * fault on a frame that became writable again. */
static void set_frame_writable(uint64_t pfn, bool writable)
{
	uint64_t pa = pfn << PAGE_SHIFT;
	pteval_t pte = xen_make_pte(pa | PTE_P | PTE_NX | (writable ? PTE_W : 0));

	flush_own_queue();
	stat_add(&stats.hypercalls);
	if (hypercall_update_va_mapping((uintptr_t)__va(pa), paging_nx ? pte : pte & ~PTE_NX,
					UVMF_INVLPG | UVMF_ALL)) {
		stat_add(&stats.errors);
		pr_err("xen-pv mmu: cannot make frame %#lx %s\n", pfn,
		       writable ? "writable" : "read-only");
	}
}

void xen_pv_set_page_writable(const void *va, bool writable)
{
	set_frame_writable(virt_to_pfn(va), writable);
}

static void xen_alloc_pt(uint64_t pfn, int level)
{
	set_frame_writable(pfn, false);
}

/* Only whole hierarchies (level 4) are pinned here, so only they unpin. */
static void xen_release_pt(uint64_t pfn, int level)
{
	if (level == 4)
		mmuext((struct mmuext_op){.cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = pfn_to_mfn(pfn)});
	flush_own_queue();
	set_frame_writable(pfn, true);
}

static void xen_pin_pt(uint64_t pfn, int level)
{
	static const unsigned cmds[] = {0, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
					MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE};
	if (level >= 1 && level <= 4)
		mmuext((struct mmuext_op){.cmd = cmds[level], .arg1.mfn = pfn_to_mfn(pfn)});
}

/* Not nested: a second enter on this CPU is an error of the caller's. */
static void xen_lazy_enter(void)
{
	unsigned long flags = local_irq_save();
	struct cpu *c = this_cpu();

	if (c->xen_pv_lazy)
		panic("xen-pv mmu: lazy-MMU mode entered twice on CPU %u", c->id);
	c->xen_pv_lazy_flags = flags;
	c->xen_pv_lazy = true;
}

static void xen_lazy_leave(void)
{
	struct cpu *c = lazy_cpu();

	if (!c)
		return;
	queue_flush(c);
	c->xen_pv_lazy = false;
	local_irq_restore(c->xen_pv_lazy_flags);
}

static void xen_lazy_flush(void)
{
	flush_own_queue();
}

void xen_pv_mmu_ops_init(void)
{
	struct xen_machphys_mapping mapping;
	const start_info_t *si = xen_start_info;

	p2m = (const unsigned long *)si->mfn_list;
	p2m_size = si->nr_pages;
	max_mfn =
	    hypercall_memory_op(XENMEM_machphys_mapping, &mapping) == 0 ? mapping.max_mfn : ~0UL;
	kernel_cr3 = __pa((const void *)si->pt_base); /* a virtual address, as Xen gives it */
	this_cpu()->xen_pv_cr3 = kernel_cr3;
	pv_ops.mmu = (struct pv_mmu_ops){
	    .set_pte = (void *)xen_set_pte_thunk,
	    .set_pmd = xen_set_pxd,
	    .set_pud = xen_set_pxd,
	    .set_p4d = xen_set_pxd,
	    .pte_val = (void *)xen_pte_val_thunk,
	    .make_pte = (void *)xen_make_pte_thunk,
	    .pmd_val = (void *)xen_pte_val_thunk,
	    .make_pmd = (void *)xen_make_pte_thunk,
	    .alloc_pt = xen_alloc_pt,
	    .release_pt = xen_release_pt,
	    .pin_pt = xen_pin_pt,
	    .flush_tlb_local = xen_flush_tlb_local,
	    .flush_tlb_global = xen_flush_tlb_global,
	    .flush_tlb_one = (void *)xen_flush_tlb_one_thunk,
	    .flush_tlb_others = xen_flush_tlb_others,
	    .lazy_mmu_enter = xen_lazy_enter,
	    .lazy_mmu_leave = xen_lazy_leave,
	    .lazy_mmu_flush = xen_lazy_flush,
	    .pgd_alloc = xen_pgd_alloc,
	    .pgd_pin = xen_pgd_pin,
	    .pgd_unpin = xen_pgd_unpin,
	    .pgd_free = xen_pgd_free,
	    .set_p4d_user = xen_set_p4d_user,
	    .load_user_root = xen_load_user_root,
	};
	pv_ops.cpu.read_cr3 = (void *)xen_read_cr3_thunk;
	pv_ops.cpu.write_cr3 = (void *)xen_write_cr3_thunk;
}

/*
 * Xen's domain builder mapped everything below mapped_limit, at
 * VIRT_BASE = PAGE_OFFSET (the direct map), writable and executable, but
 * for the page-table frames, read-only as Xen requires (and that mapping
 * is their only one: the kernel keeps no other alias of RAM).
 * Outside the kernel image (which paging_map_kernel maps W^X) it is all
 * data: the low 1 MiB, start_info, the P2M list, Xen's page tables and
 * stack, the console and xenstore pages, and free frames the allocator
 * hands out as heap, stacks and tables.  So every entry there keeps the W
 * bit Xen gave it and gains NX (page 0 is unmapped next).  Returns how
 * many changed.
 */
static unsigned long xen_pv_nx_boot_region(pteval_t *root, uint64_t limit)
{
	unsigned long changed = 0;

	for (uint64_t pa = PAGE_SIZE; pa < limit; pa += PAGE_SIZE) {
		uintptr_t va = (uintptr_t)__va(pa);
		pteval_t *e;

		if (va >= (uintptr_t)_kernel_start && va < (uintptr_t)_kernel_end)
			continue;
		if ((e = pgtable_pte_ptr(root, va)) && !(*e & PTE_NX)) {
			set_pte(e, *e | PTE_NX); /* in the stored, machine form */
			changed++;
		}
	}
	return changed;
}

void xen_pv_paging_init(struct boot_info *bi)
{
	pteval_t *root = pgtable_root();
	uint64_t ram_end = (uint64_t)xen_start_info->nr_pages << PAGE_SHIFT;
	uint64_t from = bi->mapped_limit, free_before = frames.nfree;
	unsigned long made_nx = 0;

	pgtable_large_pages = false;
	paging_nx = pv_cpuid(0x80000001, 0).edx & (1u << 20);
	arch_enter_lazy_mmu_mode();
	int rc =
	    pgtable_map_range(root, (uintptr_t)__va(from), from, ram_end - from, PAGE_KERNEL_RW);
	rc |= paging_map_kernel(root);
	if (paging_nx)
		made_nx = xen_pv_nx_boot_region(root, from);
	arch_leave_lazy_mmu_mode();
	if (rc || pgtable_unmap_page(root, (uintptr_t)__va(0)))
		panic("xen-pv: could not build the kernel's mappings");
	/* paging_map_kernel remapped the BSS page the shared info sits on. */
	xen_pv_map_shared_info();
	flush_tlb_local();
	mm_set_mapped_limit(ram_end);
	xen_pv_p2m_publish((const unsigned long *)p2m, p2m_size);
	pr_info("xen-pv: direct map of %lu MiB (%lu page-table pages), kernel W^X%s, %lu pages "
		"of the boot region made NX, page 0 unmapped; %lu updates in %lu multicalls\n",
		ram_end >> 20, free_before - frames.nfree, paging_nx ? " with NX" : "", made_nx,
		stat(&stats.updates), stat(&stats.multicalls));
	if (stat(&stats.errors))
		panic("xen-pv: %lu page-table updates were refused", stat(&stats.errors));
}

SHELL_CMD(xenmmu, "Xen PV MMU statistics")
{
	kprintf("updates %lu, multicalls %lu, single hypercalls %lu, errors %lu, cr3 %#lx\n",
		stat(&stats.updates), stat(&stats.multicalls), stat(&stats.hypercalls),
		stat(&stats.errors), this_cpu()->xen_pv_cr3);
	return 0;
}

/*
 * The balloon driver (drivers/xen/balloon.c) hands frames back to Xen and
 * takes others in their place, so it must read and change this domain's
 * P2M.  The list is the one start_info gave us, in our own RAM; a frame
 * given back is marked INVALID_MFN so that no pte can be made for it.
 */
unsigned long xen_pv_pfn_to_mfn(unsigned long pfn)
{
	return pfn_to_mfn(pfn);
}

/* Room for nr pfns: the list is copied into the heap, the new entries
 * invalid.  Changes are made under p2m_lock, so none is lost in the copy.
 * Readers take no lock: the new list is published before its size, and a
 * reader reads the size first, so any size it sees fits the list it then
 * reads.  An old list stays, since a reader may still be in it: the first
 * where Xen put it, in memory kept as boot data, a later one in the heap
 * (grown only when the balloon goes past every size before). */
int xen_pv_p2m_grow(unsigned long nr)
{
	unsigned long *list, *grown = NULL, flags;

	if (nr <= p2m_size)
		return 0;
	if (!(list = kmalloc_aligned(nr * sizeof(*list), PAGE_SIZE)))
		return -ENOMEM;
	flags = spin_lock_irqsave(&p2m_lock);
	if (nr > p2m_size) {
		memcpy(list, (const void *)p2m, p2m_size * sizeof(*list));
		for (unsigned long pfn = p2m_size; pfn < nr; pfn++)
			list[pfn] = INVALID_MFN;
		__atomic_store_n(&p2m, list, __ATOMIC_RELEASE);
		__atomic_store_n(&p2m_size, nr, __ATOMIC_RELEASE);
		grown = list;
		list = NULL;
	}
	spin_unlock_irqrestore(&p2m_lock, flags);
	kfree(list); /* another CPU grew it meanwhile */
	if (grown)
		xen_pv_p2m_publish(grown, nr);
	return 0;
}

int xen_pv_set_p2m(unsigned long pfn, unsigned long mfn)
{
	unsigned long flags = spin_lock_irqsave(&p2m_lock);
	int rc = pfn < p2m_size ? 0 : -1;

	if (!rc)
		((unsigned long *)p2m)[pfn] = mfn;
	spin_unlock_irqrestore(&p2m_lock, flags);
	return rc;
}
