/*
 * What Xen PV and Xen PVH share: reporting the hypervisor, choosing the
 * console (dom0 talks to Xen's own console through console_io; a domU has
 * the console ring that xenconsoled serves, since a non-debug Xen drops a
 * domU's console_io output), and ending the domain.
 */
#include <amphi/cpu.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/console.h>
#include <amphi/string.h>
#include <asm/cpuid_hv.h>
#include <asm/x86.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/vcpu.h>
#include <drivers/xen/console.h>

struct xen_info xen_info;

void xen_vcpu_info_from_shared(void)
{
	struct cpu *c = this_cpu();

	c->vcpu_info = &xen_shared_info->vcpu_info[c->xen_vcpu_id];
}

_Static_assert(sizeof(struct vcpu_info) == sizeof(((struct cpu *)0)->xen_vcpu_area),
	       "struct cpu's vcpu_info area");

/* Xen copies what the old vcpu_info held (its shared-info slot, or
 * nothing past 32) into the new place and marks every event pending, so
 * the slot is masked first: on the calling vCPU an unmasked copy would
 * be delivered at once, before any callback exists.  Allowed on the
 * calling vCPU, or on one that is down, once per vCPU. */
int xen_vcpu_info_register(struct cpu *c, uint64_t frame)
{
	struct vcpu_info *area = (struct vcpu_info *)c->xen_vcpu_area;
	struct vcpu_register_vcpu_info r = {
	    .mfn = frame, .offset = (uint32_t)((uintptr_t)area & (PAGE_SIZE - 1))};
	long rc;

	if (c->vcpu_info == area)
		return 0;
	if (xen_shared_info && c->xen_vcpu_id < XEN_LEGACY_MAX_VCPUS)
		WRITE_ONCE(xen_shared_info->vcpu_info[c->xen_vcpu_id].evtchn_upcall_mask, 1);
	area->evtchn_upcall_mask = 1;
	rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, c->xen_vcpu_id, &r);
	if (rc)
		return (int)rc;
	c->vcpu_info = area;
	return 0;
}

/* Xen's TSC leaf (base + 3, sub-leaf 0): whether Xen emulates the TSC,
 * in which case every rdtsc, so every clock read, is a trap into Xen. */
static const char *xen_tsc_report(void)
{
	uint32_t base = hypervisor.cpuid_base;
	static const char *const modes[] = {"default", "always emulated", "native",
					    "native, with TSC_AUX"};
	static char buf[64];
	struct cpuid_regs r;
	bool pv = hypervisor.cpuid_forced;

	if (cpuid_hv(base, 0, pv).eax < base + 3)
		return "TSC mode not reported";
	r = cpuid_hv(base + 3, 0, pv);
	snprintf(buf, sizeof(buf), "TSC %s (tsc_mode %s)",
		 r.eax & 1 ? "emulated: rdtsc traps" : "native",
		 r.ebx < 4 ? modes[r.ebx] : "unknown");
	return buf;
}

void xen_report(void)
{
	pr_info("xen: Xen %u.%u%s, %s, hypercalls by %s, CPUID leaves at %#x, %s\n",
		hypervisor.xen_major, hypervisor.xen_minor, hypervisor.xen_extra,
		hypervisor.xen_dom0 ? "dom0" : "domU", hypercall_kind_name(), hypervisor.cpuid_base,
		xen_tsc_report());
}

void xen_console_init(const char *want, void *ring, uint32_t evtchn)
{
	if (hypervisor.xen_dom0)
		xen_console_io_register_hvc0();
	else if (ring)
		xen_console_ring_register(ring, evtchn);
	else
		pr_err("xen: no console ring was given to this domU\n");
}

/* The memory map Xen keeps for this domain, added to m; 0 or Xen's error. */
long xen_memory_map(struct memmap *m)
{
	struct e820_entry {
		uint64_t addr;
		uint64_t size;
		uint32_t type;
	} __packed;
	static struct e820_entry map[MEMMAP_MAX];
	struct xen_memory_map arg = {.nr_entries = MEMMAP_MAX};
	long rc;

	set_xen_guest_handle(arg.buffer, map);
	rc = hypercall_memory_op(XENMEM_memory_map, &arg);
	if (rc)
		return rc;
	for (unsigned i = 0; i < arg.nr_entries && i < MEMMAP_MAX; i++)
		memmap_add(m, map[i].addr, map[i].size, map[i].type);
	return 0;
}

/*
 * Xen 4.17 cannot power a machine off without dom0's ACPI code, so dom0's
 * power off asks Xen to restart the machine: under QEMU with -no-reboot that
 * ends the run.  The status has been printed by then.
 */
void xen_power_off(enum power_status status)
{
	if (hypervisor.xen_dom0) {
		pr_notice("xen: dom0 power off (%s): asking Xen to restart the machine\n",
			  status == POWER_SUCCESS ? "success" : "failure");
		xen_shutdown(SHUTDOWN_reboot);
	}
	xen_shutdown(status == POWER_SUCCESS ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

void xen_restart(void)
{
	xen_shutdown(SHUTDOWN_reboot);
}
