/*
 * The bare-hardware platform, which is also what QEMU without a hypervisor
 * interface looks like: the 16550 serial console, an IDT, and power off
 * through QEMU's isa-debug-exit device (which passes the status on to
 * whoever started QEMU), then ACPI's PM port as QEMU's machines have it,
 * then a halt.
 */
#include <amphi/platform.h>
#include <asm/user.h>
#include <amphi/printk.h>
#include <amphi/console.h>
#include <amphi/string.h>
#include <asm/rtc.h>
#include <asm/x86.h>
#include <asm/cpuid_hv.h>
#include <drivers/serial.h>

#define ISA_DEBUG_EXIT_PORT 0xf4
#define QEMU_ACPI_PM1A_CNT_PIIX 0x604
#define KBD_CONTROLLER_CMD 0x64

int native_detect(const struct boot_info *bi)
{
	return bi->entry == BOOT_ENTRY_XEN_PV ? 0 : 1;
}

void native_memory_setup(struct boot_info *bi)
{
	/* head32.S mapped the first 4 GiB at PAGE_OFFSET. */
	bi->mapped_limit = 4ULL << 30;
}

void native_console_init(const char *want)
{
	serial_init(want);
}

void native_power_off(enum power_status status)
{
	/* isa-debug-exit makes QEMU exit with (value << 1) | 1. */
	outb(ISA_DEBUG_EXIT_PORT, status == POWER_SUCCESS ? 0x10 : 0x11);
	outw(QEMU_ACPI_PM1A_CNT_PIIX, 0x2000);
	kprintf("System halted (status %s); it is safe to turn the power off.\n",
		status == POWER_SUCCESS ? "success" : "failure");
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void native_restart(void)
{
	/* Pulse the reset line through the keyboard controller. */
	outb(KBD_CONTROLLER_CMD, 0xfe);
	kprintf("Restart through the keyboard controller failed; halting.\n");
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void bus_init_none(void)
{
}

static void native_report(void)
{
	char vendor[13];

	cpu_vendor(vendor);
	pr_info("cpu: %s%s\n", vendor, cpu_has_hypervisor_bit() ? " (hypervisor bit set)" : "");
}

void native_setup(struct boot_info *bi)
{
	platform_ops = (struct platform_ops){
	    .traps_init = native_traps_init,
	    .memory_setup = native_memory_setup,
	    .console_init = native_console_init,
	    .paging_init = native_paging_init,
	    .irq_init = native_irq_init,
	    .time_init = native_time_init,
	    .wallclock_ns = native_rtc_wallclock_ns,
	    .smp_init = native_smp_init,
	    .send_ipi = native_send_ipi,
	    .cpu_die = native_cpu_die,
	    .cpu_revive = native_cpu_revive,
	    .bus_init = bus_init_none,
	    .user_init = native_user_arch_init,
	    .report = native_report,
	    .power_off = native_power_off,
	    .restart = native_restart,
	};
}
