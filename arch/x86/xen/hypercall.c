/*
 * Choosing the hypercall instruction once, and the small hypercall helpers
 * that several Xen files share.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/xen/hypercall.h>

extern uint8_t xen_hypercall_insn[];

static const uint8_t hypercall_bytes[][3] = {
    [HYPERCALL_SYSCALL] = {0x0f, 0x05, 0x90},
    [HYPERCALL_VMCALL] = {0x0f, 0x01, 0xc1},
    [HYPERCALL_VMMCALL] = {0x0f, 0x01, 0xd9},
};
static const char *const hypercall_names[] = {"syscall", "vmcall", "vmmcall"};
static int hypercall_chosen = -1;

void hypercall_init(enum hypercall_kind kind)
{
	memcpy(xen_hypercall_insn, hypercall_bytes[kind], 3);
	/* A serializing instruction makes the new bytes the ones that run. */
	__asm__ __volatile__("cpuid" : : "a"(0) : "rbx", "rcx", "rdx", "memory");
	hypercall_chosen = kind;
}

const char *hypercall_kind_name(void)
{
	return hypercall_chosen < 0 ? "none" : hypercall_names[hypercall_chosen];
}

void xen_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = {.reason = reason};

	hypercall_sched_op(SCHEDOP_shutdown, &arg);
	/* Only reached if Xen refused. */
	for (;;)
		hypercall_sched_op(SCHEDOP_yield, NULL);
}

int xen_evtchn_send(uint32_t port)
{
	struct evtchn_send send = {.port = port};

	return (int)hypercall_event_channel_op(EVTCHNOP_send, &send);
}

int xen_hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
	long rc = hypercall_hvm_op(HVMOP_get_param, &p);

	if (rc == 0)
		*value = p.value;
	return (int)rc;
}

void xen_read_version(void)
{
	long v = hypercall_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra;
	xen_feature_info_t fi = {.submap_idx = 0};

	hypervisor.is_xen = true;
	hypervisor.name = "Xen";
	hypervisor.xen_major = (uint16_t)(v >> 16);
	hypervisor.xen_minor = (uint16_t)v;
	memset(extra, 0, sizeof(extra));
	if (hypercall_xen_version(XENVER_extraversion, extra) == 0)
		boot_copy_string(hypervisor.xen_extra, sizeof(hypervisor.xen_extra), extra,
				 sizeof(extra));
	if (hypercall_xen_version(XENVER_get_features, &fi) == 0)
		hypervisor.xen_dom0 = fi.submap & (1u << XENFEAT_dom0);
}
