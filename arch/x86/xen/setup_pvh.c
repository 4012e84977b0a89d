/*
 * Xen PVH: a hardware-virtualized guest with no emulated devices.  Paging
 * and the IDT are native; what differs is the hypercall instruction, the
 * console (console_io for dom0, the ring named by HVM params for a domU) and,
 * for dom0 whose hvm_start_info is version 0, the memory map, which comes
 * from XENMEM_memory_map.
 */
#include <amphi/platform.h>
#include <asm/user.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/x86.h>
#include <asm/cpuid_hv.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <drivers/xen/console.h>
#include <drivers/xen/init.h>

int xen_pvh_detect(const struct boot_info *bi)
{
	if (bi->entry != BOOT_ENTRY_PVH || !boot_pvh_found(bi))
		return 0;
	return cpuid_hypervisor_base(CPUID_SIG_XEN, false) ? 3 : 0;
}

static void pvh_memory_map_from_xen(struct boot_info *bi)
{
	long rc = xen_memory_map(&bi->memmap);

	if (rc) {
		pr_err("xen-pvh: XENMEM_memory_map failed (%ld)\n", rc);
		return;
	}
	bi->memmap_source = "XENMEM_memory_map";
}

static void xen_pvh_memory_setup(struct boot_info *bi)
{
	if (bi->memmap.n == 0)
		pvh_memory_map_from_xen(bi);
	native_memory_setup(bi);
}

/* The page an HVM param names, in the direct map like all low memory. */
static void *param_page(uint32_t pfn_param, uint32_t evtchn_param, uint32_t *evtchn)
{
	uint64_t pfn = 0, port = 0;

	if (xen_hvm_get_param(pfn_param, &pfn) || xen_hvm_get_param(evtchn_param, &port) || !pfn)
		return NULL;
	*evtchn = (uint32_t)port;
	return pfn_to_virt(pfn);
}

/* A domU's console and store pages and ports, from the HVM params: at
 * boot, and again in a domain restored from a save, whose ports are new. */
void xen_pvh_read_params(void)
{
	if (hypervisor.xen_dom0)
		return;
	xen_info.console_ring =
	    param_page(HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN, &xen_info.console_evtchn);
	xen_info.store_ring =
	    param_page(HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, &xen_info.store_evtchn);
}

static void xen_pvh_console(const char *want)
{
	xen_pvh_read_params();
	xen_console_init(want, xen_info.console_ring, xen_info.console_evtchn);
}

static void xen_pvh_report(void)
{
	xen_report();
	pr_info("xen-pvh: hvm_start_info version %u, flags %#x\n", boot_info.pvh_version,
		boot_info.pvh_flags);
}

void xen_pvh_setup(struct boot_info *bi)
{
	char vendor[13];

	cpu_vendor(vendor);
	if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
		hypercall_init(HYPERCALL_VMMCALL);
	else
		hypercall_init(HYPERCALL_VMCALL);
	hypervisor.cpuid_base = cpuid_hypervisor_base(CPUID_SIG_XEN, false);
	xen_read_version();
	xen_time_ops_init();
	xen_spinlock_ops_init();
	xen_suspend_mode = &xen_pvh_suspend_mode;
	platform_ops = (struct platform_ops){
	    .traps_init = native_traps_init,
	    .memory_setup = xen_pvh_memory_setup,
	    .early_console_init = xen_console_io_register_early,
	    .console_init = xen_pvh_console,
	    .paging_init = native_paging_init,
	    .irq_init = xen_pvh_irq_init,
	    .time_init = xen_time_init,
	    .wallclock_ns = xen_wallclock_ns,
	    .smp_init = xen_pvh_smp_init,
	    .send_ipi = xen_send_ipi,
	    .cpu_die = xen_cpu_die,
	    .cpu_revive = xen_cpu_revive,
	    .bus_init = xen_drivers_init,
	    .user_init = native_user_arch_init, /* an HVM guest: the CPU's own syscall */
	    .report = xen_pvh_report,
	    .power_off = xen_power_off,
	    .restart = xen_restart,
	};
}
