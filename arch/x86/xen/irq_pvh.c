/*
 * Xen PVH interrupts.  A PVH guest keeps the native interrupt flag (cli and
 * sti work) and its own IDT; what it lacks is the shared info page, which
 * Xen only places where the guest asks (XENMEM_add_to_physmap), and a way
 * for events to interrupt it.  Xen injects an IDT vector of our choosing
 * while a vCPU's evtchn_upcall_pending is set (the "vector" callback type),
 * which needs no LAPIC EOI and no emulated interrupt controller.
 */
#include <amphi/irq.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <asm/irq.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/pvclock.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>
#include <xen/features.h>

static bool xen_pvh_has_feature(unsigned int feature)
{
	xen_feature_info_t fi = {.submap_idx = feature / 32};

	if (hypercall_xen_version(XENVER_get_features, &fi))
		return false;
	return (fi.submap >> (feature % 32)) & 1;
}

/* A frame from the allocator becomes the shared info page: Xen swaps its
 * own page in at that guest frame, so the frame must be ours and mapped
 * (the direct map covers the first 4 GiB). */
static void xen_pvh_map_shared_info(void)
{
	int64_t pfn = xen_pvh_place_xen_frame(XENMAPSPACE_shared_info, 0);

	if (pfn < 0)
		panic("xen-pvh: cannot place the shared info page (%ld)", (long)pfn);
	xen_shared_info = pfn_to_virt((uint64_t)pfn);
	xen_vcpu_info_from_shared();
	xen_pvh_vcpu_info_register(this_cpu());
}

/* PVH's interrupt flag is the CPU's own, so a vCPU below 32 can live in
 * its shared-info slot when Xen will not place it; one past 32 cannot. */
int xen_pvh_vcpu_info_register(struct cpu *c)
{
	void *area = c->xen_vcpu_area;
	int rc = xen_vcpu_info_register(c, virt_to_pfn(area));

	if (!rc)
		return 0;
	if (c->xen_vcpu_id >= XEN_LEGACY_MAX_VCPUS) {
		pr_err("xen-pvh: Xen refused to place vCPU %u's vcpu_info (%d)\n", c->xen_vcpu_id,
		       rc);
		return rc;
	}
	pr_warn("xen-pvh: vCPU %u's vcpu_info stays in shared info (%d)\n", c->xen_vcpu_id, rc);
	c->vcpu_info = &xen_shared_info->vcpu_info[c->xen_vcpu_id];
	return 0;
}

static void xen_pvh_callback(struct trap_frame *f, void *arg)
{
	evtchn_do_upcall();
}

static int xen_pvh_set_param(uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index, .value = value};

	return (int)hypercall_hvm_op(HVMOP_set_param, &p);
}

static int xen_pvh_set_callback(void)
{
	uint64_t via = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | VECTOR_XEN_CALLBACK;

	return xen_pvh_set_param(HVM_PARAM_CALLBACK_IRQ, via);
}

/* In a domain restored from a save, on the one CPU left, interrupts off:
 * Xen kept none of the shared info placement, the vcpu_info registration
 * or the callback.  The shared info page goes back where it was, so
 * every pointer into it stays good; 0 or a negative errno. */
int xen_pvh_irq_resume(void)
{
	struct cpu *c = this_cpu();
	int rc = xen_pvh_put_xen_frame(XENMAPSPACE_shared_info, 0, virt_to_pfn(xen_shared_info));

	if (rc)
		return rc;
	xen_vcpu_info_from_shared();
	if ((rc = xen_pvh_vcpu_info_register(c)))
		return rc;
	if ((rc = xen_pvh_set_callback()))
		pr_err("xen-pvh: HVM_PARAM_CALLBACK_IRQ again failed (%d)\n", rc);
	return rc;
}

void xen_pvh_irq_init(void)
{
	int rc;

	if (!xen_pvh_has_feature(XENFEAT_hvm_callback_vector))
		panic("xen-pvh: Xen lacks XENFEAT_hvm_callback_vector, the only event "
		      "delivery Amphi supports on PVH");
	xen_pvh_map_shared_info();
	/* pvclock lives in the same page: sched_clock can count from now. */
	xen_clock_start();
	evtchn_init();
	/* The callback is an ordinary IDT vector: the gates must exist. */
	irq_idt_init();
	if (irq_vector_register(VECTOR_XEN_CALLBACK, xen_pvh_callback, NULL))
		panic("xen-pvh: IDT vector %#x for the event callback is taken",
		      VECTOR_XEN_CALLBACK);
	rc = xen_pvh_set_callback();
	if (rc)
		panic("xen-pvh: HVM_PARAM_CALLBACK_IRQ (vector %#x) failed (%d)",
		      VECTOR_XEN_CALLBACK, rc);
	pr_info("xen-pvh: shared info at %p, events on vector %#x\n", (void *)xen_shared_info,
		VECTOR_XEN_CALLBACK);
}
