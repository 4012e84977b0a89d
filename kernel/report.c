/*
 * What the kernel says about itself at boot and in the shell's `info`:
 * how it was entered, which platform it found, the hypervisor, the command
 * line and the consoles.
 */
#include <amphi/boot.h>
#include <amphi/console.h>
#include <amphi/cpu.h>
#include <amphi/params.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <asm/paravirt.h>

static const char *const entry_names[] = {
    [BOOT_ENTRY_MULTIBOOT2] = "multiboot2",
    [BOOT_ENTRY_PVH] = "PVH",
    [BOOT_ENTRY_XEN_PV] = "Xen PV",
};

void early_console_init(void)
{
	if (!param_earlyprintk_xen)
		return;
	if (platform_ops.early_console_init)
		platform_ops.early_console_init();
	else
		pr_warn("earlyprintk=xen: not running on Xen; ignored\n");
}

static void report_lines(const struct boot_info *bi, int level)
{
	char cons[64];

	console_describe(cons, sizeof(cons));
	printk(level, "Amphi 0.1 (x86-64), entered through %s%s%s\n", entry_names[bi->entry],
	       bi->loader[0] ? " from " : "", bi->loader);
	printk(level, "platform: %s, hypervisor: %s%s\n", platform->name, hypervisor.name,
	       hypervisor.is_xen ? (hypervisor.xen_dom0 ? " (dom0)" : " (domU)") : "");
	if (hypervisor.is_xen)
		printk(level, "xen: version %u.%u%s\n", hypervisor.xen_major, hypervisor.xen_minor,
		       hypervisor.xen_extra);
	printk(level, "command line: %s%s\n", bi->cmdline,
	       bi->cmdline_truncated ? " [truncated]" : "");
	printk(level, "console: %s, loglevel %d\n", cons, console_loglevel);
	if (bi->module.len)
		printk(level, "boot module: %lu bytes at %#lx%s%s\n", bi->module.len,
		       bi->module.paddr, bi->module.cmdline[0] ? ", " : "", bi->module.cmdline);
}

/* What the boot protocol's parser refused: it ran before any console. */
static void report_problems(const struct boot_info *bi)
{
	for (unsigned int i = 0; i < MIN(bi->nproblems, BOOT_PROBLEMS_MAX); i++)
		pr_warn("boot: %s\n", bi->problems[i]);
	if (bi->nproblems > BOOT_PROBLEMS_MAX)
		pr_warn("boot: and %u more problems with the boot information\n",
			bi->nproblems - BOOT_PROBLEMS_MAX);
}

void boot_report(const struct boot_info *bi)
{
	report_lines(bi, LOG_NOTICE);
	report_problems(bi);
	platform_ops.report();
	paravirt_report(LOG_DEBUG);
	if (bi->entry == BOOT_ENTRY_PVH && !boot_pvh_found(bi))
		panic("PVH entry, but %%ebx does not point at an hvm_start_info "
		      "(bad magic): no boot information");
}

SHELL_CMD(info, "what Amphi is running on")
{
	report_lines(&boot_info, LOG_ALWAYS);
	platform_ops.report();
	kprintf("cpus: %u online of %u present\n", nr_cpus_online(), nr_cpus_present);
	return 0;
}
