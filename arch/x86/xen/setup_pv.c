/*
 * Xen PV: the kernel runs in ring 3 on page tables Xen built and owns.
 * start_info tells us everything: the memory size, the P2M list, where the
 * bootstrap region (kernel, P2M, start_info, page tables, console and
 * xenstore pages) ends, and the console.  Xen maps the bootstrap region
 * at VIRT_BASE = PAGE_OFFSET, which is the kernel's direct map
 * (asm/page.h), so start_info's addresses (pt_base, mfn_list, mod_start)
 * are kernel pointers, PAGE_OFFSET above their pseudo-physical
 * addresses; Xen's read-only M2P table turns a machine frame back into a
 * pseudo-physical one.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/x86.h>
#include <asm/cpuid_hv.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <asm/xen/start_info.h>
#include <drivers/xen/console.h>
#include <drivers/xen/init.h>
#include <asm/trap.h>
#include <asm/page.h>

#define M2P ((const unsigned long *)MACH2PHYS_VIRT_START)
#define PTE_PRESENT 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

const start_info_t *xen_start_info;
static uint8_t shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);
struct shared_info *xen_shared_info;

static void *mfn_to_virt(uint64_t mfn)
{
	return pfn_to_virt(M2P[mfn]);
}

/* start_info with its addresses made pseudo-physical, as the pure code of
 * start_info.c takes them (a module given by frame number stays one). */
static const start_info_t *pv_start_info_phys(const start_info_t *si)
{
	static start_info_t phys;

	phys = *si;
	phys.pt_base = __pa((const void *)si->pt_base);
	phys.mfn_list = __pa((const void *)si->mfn_list);
	if (si->mod_start && !(si->flags & SIF_MOD_START_PFN))
		phys.mod_start = __pa((const void *)si->mod_start);
	return &phys;
}

void xen_pv_boot(void *start_info)
{
	const start_info_t *si = start_info;

	xen_start_info = si;
	boot_info.entry = BOOT_ENTRY_XEN_PV;
	boot_info.xen_start_info = si;
	xen_pv_start_info_parse(pv_start_info_phys(si), &boot_info);
	kmain(&boot_info);
}

int xen_pv_detect(const struct boot_info *bi)
{
	return bi->entry == BOOT_ENTRY_XEN_PV ? 10 : 0;
}

/* One past the (pseudo-physical) last page mapped contiguously from the
 * kernel's start, found by walking Xen's bootstrap page tables (the direct
 * map's first 1 GiB only). */
static uint64_t pv_mapped_limit(void)
{
	const uint64_t *l4 = (const uint64_t *)xen_start_info->pt_base;
	uint64_t l4e = l4[(PAGE_OFFSET >> 39) & 511];
	uint64_t va = (uintptr_t)_kernel_start;

	if (!(l4e & PTE_PRESENT))
		return 0;
	const uint64_t *l3 = mfn_to_virt((l4e & PTE_ADDR) >> PAGE_SHIFT);
	if (!(l3[(PAGE_OFFSET >> 30) & 511] & PTE_PRESENT))
		return 0;
	const uint64_t *l2 = mfn_to_virt((l3[(PAGE_OFFSET >> 30) & 511] & PTE_ADDR) >> PAGE_SHIFT);
	for (; va < PAGE_OFFSET + (1ULL << 30); va += PAGE_SIZE) {
		uint64_t l2e = l2[(va >> 21) & 511];
		if (!(l2e & PTE_PRESENT))
			break;
		const uint64_t *l1 = mfn_to_virt((l2e & PTE_ADDR) >> PAGE_SHIFT);
		if (!(l1[(va >> 12) & 511] & PTE_PRESENT))
			break;
	}
	return __pa((const void *)va);
}

/* Every P2M entry must name a machine frame whose M2P entry points back. */
static void pv_check_p2m(void)
{
	const unsigned long *p2m = (const unsigned long *)xen_start_info->mfn_list;
	unsigned long bad = 0, first_bad = 0;

	for (unsigned long pfn = 0; pfn < xen_start_info->nr_pages; pfn++) {
		if (M2P[p2m[pfn]] != pfn && bad++ == 0)
			first_bad = pfn;
	}
	if (bad)
		pr_err("xen-pv: P2M: %lu of %lu entries do not match the M2P (first pfn %#lx)\n",
		       bad, xen_start_info->nr_pages, first_bad);
	else
		pr_info("xen-pv: P2M: %lu entries at %#lx, all consistent with the M2P\n",
			xen_start_info->nr_pages, xen_start_info->mfn_list);
}

static uint64_t pv_bootstrap_end(void)
{
	const start_info_t *si = xen_start_info;
	bool domu = !(si->flags & SIF_INITDOMAIN);
	const char *why;
	uint64_t end = xen_pv_bootstrap_end(pv_start_info_phys(si), __pa(si),
					    domu ? M2P[si->console.domU.mfn] : 0,
					    domu ? M2P[si->store_mfn] : 0, &why);

	if (why)
		pr_err("xen-pv: start_info: %s: left out of the bootstrap region\n", why);
	return end;
}

/*
 * A domU started with `memory` below `maxmem` gets nr_pages frames, and may
 * be given more up to maxmem.  The toolstack says how far in the memory map
 * Xen keeps for it (XENMEM_memory_map, RAM up to maxmem; the maximum
 * reservation is only raised as targets rise): the pfns above nr_pages, up
 * to there, are where the balloon grows (Linux's "extra memory").  They are
 * marked unpopulated so that nothing uses them before it has a frame, and
 * the P2M, frame allocator and balloon are sized for them.  The P2M is a
 * flat list of 8 bytes a pfn in the heap, so the space is capped at
 * PV_EXTRA_RATIO times the boot memory (a P2M of 1/64 of it).
 */
#define PV_EXTRA_RATIO 8

static void pv_extra_memory(struct memmap *m)
{
	const start_info_t *si = xen_start_info;
	static struct memmap xen_map;
	uint64_t end, cap = (uint64_t)si->nr_pages * PV_EXTRA_RATIO;
	long rc;

	if (si->flags & SIF_INITDOMAIN)
		return;
	if ((rc = xen_memory_map(&xen_map))) {
		pr_notice("xen-pv: no memory map from Xen (%ld): no room to grow above the boot "
			  "memory\n",
			  rc);
		return;
	}
	end = memmap_end(&xen_map, MEMMAP_RAM) >> PAGE_SHIFT;
	if (end <= si->nr_pages)
		return;
	if (end > cap) {
		pr_notice("xen-pv: Xen's memory map reaches %lu pages, above %u times the %lu "
			  "booted with: room to grow to %lu only\n",
			  end, PV_EXTRA_RATIO, si->nr_pages, cap);
		end = cap;
	}
	memmap_mark(m, (uint64_t)si->nr_pages << PAGE_SHIFT, (end - si->nr_pages) << PAGE_SHIFT,
		    MEMMAP_UNPOPULATED);
}

static void xen_pv_memory_setup(struct boot_info *bi)
{
	bi->mapped_limit = pv_mapped_limit();
	/* Below the kernel is free RAM on PV, but kept out like the PC's low
	 * 1 MiB so every platform sees the same layout. */
	memmap_mark(&bi->memmap, 0, pv_bootstrap_end(), MEMMAP_KERNEL);
	pv_extra_memory(&bi->memmap);
	pv_check_p2m();
}

/* A domU's console and store pages are in its own memory: their machine
 * frames from start_info name pseudo-physical frames we have mapped. */
void xen_pv_read_start_info(void)
{
	const start_info_t *si = xen_start_info;

	if (si->flags & SIF_INITDOMAIN)
		return;
	xen_info.console_ring = mfn_to_virt(si->console.domU.mfn);
	xen_info.console_evtchn = si->console.domU.evtchn;
	if (si->store_mfn) {
		xen_info.store_ring = mfn_to_virt(si->store_mfn);
		xen_info.store_evtchn = si->store_evtchn;
	}
}

static void xen_pv_console(const char *want)
{
	xen_pv_read_start_info();
	xen_console_init(want, xen_info.console_ring, xen_info.console_evtchn);
}

static void xen_pv_report(void)
{
	xen_report();
	pr_info("xen-pv: %lu pages, start_info at %p, page tables at %#lx (%lu frames), "
		"shared info at machine %#lx\n",
		xen_start_info->nr_pages, (const void *)xen_start_info, xen_start_info->pt_base,
		xen_start_info->nr_pt_frames, xen_start_info->shared_info);
}

/* Map the shared info page over a page of our BSS: Xen gives its machine
 * address, and only a page-table update can put it in our address space. */
long xen_pv_map_shared_info(void)
{
	uint64_t pte = xen_start_info->shared_info | PTE_PRESENT | PTE_RW | PTE_NX;
	long rc = hypercall_update_va_mapping((uintptr_t)shared_info_page, pte, UVMF_INVLPG);

	if (rc == 0) {
		xen_shared_info = (struct shared_info *)shared_info_page;
		if (this_cpu()->vcpu_info != (struct vcpu_info *)this_cpu()->xen_vcpu_area)
			xen_vcpu_info_from_shared();
	}
	return rc;
}

/* Before a suspend: the shared info page's address gets its own page of
 * our BSS back, so that our page tables map only frames of ours. */
void xen_pv_unmap_shared_info(void)
{
	uint64_t pte = xen_pv_virt_to_machine(shared_info_page) | PTE_PRESENT | PTE_RW | PTE_NX;

	hypercall_update_va_mapping((uintptr_t)shared_info_page, pte, UVMF_INVLPG);
}

/* The event-mask ops need each vCPU's vcpu_info in its struct cpu: a Xen
 * without VCPUOP_register_vcpu_info (older than 3.x) cannot run this. */
int xen_pv_vcpu_info_register(struct cpu *c)
{
	struct vcpu_info *area = (struct vcpu_info *)c->xen_vcpu_area;
	int rc;

	if (c->vcpu_info == area)
		return 0; /* the page was mapped again: nothing to place */
	rc = xen_vcpu_info_register(c, xen_pv_virt_to_machine(area) >> PAGE_SHIFT);

	if (rc && c->id == 0)
		panic("xen-pv: Xen refused to place vCPU 0's vcpu_info (VCPUOP_register_vcpu_info: "
		      "%d); the event-mask ops need it",
		      rc);
	if (!rc)
		area->evtchn_upcall_mask = 1;
	return rc;
}

void xen_pv_setup(struct boot_info *bi)
{
	hypercall_init(HYPERCALL_SYSCALL);
	hypervisor.cpuid_forced = true;
	hypervisor.cpuid_base = cpuid_hypervisor_base(CPUID_SIG_XEN, true);
	xen_read_version();
	xen_pv_map_shared_info();
	xen_suspend_mode = &xen_pv_suspend_mode;
	xen_pv_cpu_ops_init();
	xen_pv_mmu_ops_init();
	xen_pv_irq_ops_init();
	xen_time_ops_init();
	xen_spinlock_ops_init();
	platform_ops = (struct platform_ops){
	    .traps_init = idt_init,
	    .memory_setup = xen_pv_memory_setup,
	    .early_console_init = xen_console_io_register_early,
	    .console_init = xen_pv_console,
	    .paging_init = xen_pv_paging_init,
	    .irq_init = xen_pv_irq_init,
	    .time_init = xen_time_init,
	    .wallclock_ns = xen_wallclock_ns,
	    .smp_init = xen_pv_smp_init,
	    .send_ipi = xen_send_ipi,
	    .cpu_die = xen_cpu_die,
	    .cpu_revive = xen_cpu_revive,
	    .bus_init = xen_drivers_init,
	    .user_init = xen_pv_user_init,
	    .report = xen_pv_report,
	    .power_off = xen_power_off,
	    .restart = xen_restart,
	};
}
