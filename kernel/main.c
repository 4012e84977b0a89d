/*
 * kmain: the table of contents of a boot.  Every entry stub (Xen PV, PVH,
 * multiboot2) has filled struct boot_info by now; from here on the code is
 * the same for every platform, which differs only through platform_ops and
 * the paravirt ops.
 */
#include <amphi/bench.h>
#include <amphi/boot.h>
#include <amphi/console.h>
#include <amphi/fs.h>
#include <amphi/init.h>
#include <amphi/loadavg.h>
#include <amphi/mm.h>
#include <amphi/net.h>
#include <amphi/params.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/shell.h>
#include <amphi/time.h>
#include <amphi/user.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

/* The table of contents keeps its comments in one column. */
/* clang-format off */
void kmain(struct boot_info *bi)
{
	params_parse(bi->cmdline);	     /* console=, loglevel=, selftest= ... */
	platform_detect(bi);		     /* native, kvm, xen-pvh or xen-pv: its ops */
	paravirt_patch_all();		     /* every paravirt call site, once */
	early_console_init();		     /* earlyprintk=xen */
	platform_ops.traps_init();	     /* exceptions: IDT or Xen's trap table */
	platform_ops.console_init(param_console); /* ttyS0 or hvc0 */
	console_select(param_console);
	boot_report(bi);		     /* platform, hypervisor, command line */
	platform_ops.memory_setup(bi);	     /* the memory map, where it comes late */
	mm_init(bi);			     /* memory map, frames, heap */
	platform_ops.paging_init(bi);	     /* W^X kernel mappings, the direct map */
	paging_wx_check();		     /* no page writable and executable */
	user_init();			     /* user mode: syscall entry, SMEP/SMAP */
	platform_ops.irq_init();	     /* LAPIC, or Xen event channels */
	platform_ops.time_init();	     /* clock and event timer */
	time_load_init();		     /* the load average's sampling */
	sched_init();			     /* threads: this is now "main" */
	local_irq_enable();
	time_wall_init();		     /* the time of day, from the RTC or Xen */
	initramfs_init(bi);		     /* the root file system, from the boot module */
	platform_ops.smp_init();	     /* other CPUs */
	net_init();			     /* TCP/IP: lwIP, loopback, UDP echo */
	platform_ops.bus_init();	     /* buses and their drivers */
	if (selftest_request)		     /* selftest on the command line */
		power_off(selftest_run() ? POWER_SUCCESS : POWER_FAILURE);
	if (param_bench)		     /* bench on the command line */
		power_off(bench_run() ? POWER_SUCCESS : POWER_FAILURE);
	init_run();			     /* PID 1 from the initramfs, if any */
	shell_run();			     /* else the built-in console shell */
}
/* clang-format on */
