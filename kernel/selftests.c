/*
 * Selftests of the boot itself: the platform found is the one the entry and
 * the hypervisor say, the consoles are up, formatted output works, and
 * exceptions arrive with the right vector and fault address.  Two explicit
 * tests exist only to prove that the runner notices failure: one fails, one
 * takes an unexpected page fault.
 */
#include <asm/pgtable.h>
#include <amphi/boot.h>
#include <amphi/console.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include <asm/x86.h>
#include <asm/trap.h>
#include <asm/paravirt.h>
#include <asm/xen/hypercall.h>

SELFTEST(printf)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%s|%c|%lx|%%", -42, 7u, 0xabu, "ok", 'z',
		 0x123456789abcdefUL);
	if (strcmp(buf, "-42|    7|ab  |ok|z|123456789abcdef|%"))
		return selftest_fail(ctx, "got '%s'", buf);
	return selftest_pass(ctx, "formats match");
}

SELFTEST(console)
{
	char names[64];

	console_describe(names, sizeof(names));
	if (!names[0])
		return selftest_fail(ctx, "no console is enabled");
	return selftest_pass(ctx, "enabled: %s", names);
}

/* The platform must agree with how we were entered and what CPUID says. */
SELFTEST(platform)
{
	bool xen_leaves = hypervisor.cpuid_base != 0;

	switch (boot_info.entry) {
	case BOOT_ENTRY_XEN_PV:
		if (strcmp(platform->name, "xen-pv") || !xen_leaves)
			return selftest_fail(ctx, "PV entry but platform %s, Xen leaves %s",
					     platform->name, xen_leaves ? "found" : "missing");
		break;
	case BOOT_ENTRY_PVH:
	case BOOT_ENTRY_MULTIBOOT2:
		if (!strcmp(platform->name, "xen-pv"))
			return selftest_fail(ctx, "32-bit entry but platform xen-pv");
		if (!strcmp(platform->name, "xen-pvh") !=
		    (boot_info.entry == BOOT_ENTRY_PVH && xen_leaves))
			return selftest_fail(ctx, "platform %s does not match the entry and CPUID",
					     platform->name);
		break;
	}
	return selftest_pass(ctx, "%s, entered through %s", platform->name,
			     boot_info.entry == BOOT_ENTRY_XEN_PV ? "Xen PV"
			     : boot_info.entry == BOOT_ENTRY_PVH  ? "PVH"
								  : "multiboot2");
}

/* On Xen, the version from the hypercall must match CPUID leaf base+1.
 * Both come from the hypervisor itself, so the line also gives the full
 * version and the build date, which the runner compares with what the
 * toolstack (xl info) or Xen's own banner says. */
SELFTEST(xen_version)
{
	xen_compile_info_t ci = {0};

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen");
	long v = hypercall_xen_version(XENVER_version, NULL);
	/* The cpuid op asks the way this platform must (Xen PV: forced
	 * emulation). */
	struct cpuid_regs r = pv_cpuid(hypervisor.cpuid_base + 1, 0);
	if ((uint32_t)v != r.eax)
		return selftest_fail(ctx, "hypercall says %#lx, CPUID says %#x", v, r.eax);
	if (hypercall_xen_version(XENVER_compile_info, &ci))
		return selftest_fail(ctx, "XENVER_compile_info refused");
	return selftest_pass(ctx, "Xen %u.%u%s (%s), via %s, compiled %.*s", hypervisor.xen_major,
			     hypervisor.xen_minor, hypervisor.xen_extra,
			     hypervisor.xen_dom0 ? "dom0" : "domU", hypercall_kind_name(),
			     (int)sizeof(ci.compile_date), ci.compile_date);
}

#define UNMAPPED_ADDRESS VA_NEVER_MAPPED

static void cause_breakpoint(void)
{
	__asm__ __volatile__("int3");
}

static void cause_page_fault(void)
{
	*(volatile uint64_t *)UNMAPPED_ADDRESS = 1;
}

SELFTEST(exceptions)
{
	if (!trap_expect_run(3, cause_breakpoint))
		return selftest_fail(ctx, "int3 did not reach the breakpoint handler");
	if (!trap_expect_run(14, cause_page_fault))
		return selftest_fail(ctx, "a write to unmapped memory did not fault");
	if (trap_expect.cr2 != UNMAPPED_ADDRESS)
		return selftest_fail(ctx, "page fault reported address %#lx, expected %#lx",
				     trap_expect.cr2, UNMAPPED_ADDRESS);
	if (!(trap_expect.error_code & 2))
		return selftest_fail(ctx, "page fault error code %#lx lacks the write bit",
				     trap_expect.error_code);
	return selftest_pass(ctx, "breakpoint and page fault (address %#lx, error %#lx) caught",
			     trap_expect.cr2, trap_expect.error_code);
}

SELFTEST_EXPLICIT(deliberate_failure)
{
	return selftest_fail(ctx, "this test always fails, to show that failures are caught");
}

SELFTEST_EXPLICIT(deliberate_page_fault)
{
	*(volatile uint64_t *)UNMAPPED_ADDRESS = 0xdead;
	return selftest_fail(ctx, "a write to unmapped memory did not fault");
}
