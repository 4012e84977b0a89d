/*
 * The hypervisor as Linux's /sys/hypervisor shows it.  Xen's version,
 * capabilities, build and feature bits come from XENVER_* hypercalls, asked
 * again each time the `hypervisor` command runs since they cost nothing;
 * the domain id and the uuid come from the store, written by the toolstack,
 * so they are parsed strictly and kept only when well-formed.  A PVH domain
 * can also read its id from Xen's CPUID leaf, against which the selftest
 * checks the store's.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <asm/paravirt.h>
#include <asm/xen/hypercall.h>
#include <drivers/xen/control.h>
#include <drivers/xen/hypervisor.h>
#include <drivers/xen/xenstore.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/features.h>

#define UUID_LEN 36

static struct {
	int domid; /* from the store; -ENOENT until read */
	char uuid[UUID_LEN + 1];
} self = {.domid = -ENOENT};

static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables] = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
    [XENFEAT_mmu_pt_update_preserve_ad] = "mmu_pt_update_preserve_ad",
    [XENFEAT_highmem_assist] = "highmem_assist",
    [XENFEAT_gnttab_map_avail_bits] = "gnttab_map_avail_bits",
    [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
    [XENFEAT_hvm_safe_pvclock] = "hvm_safe_pvclock",
    [XENFEAT_hvm_pirqs] = "hvm_pirqs",
    [XENFEAT_dom0] = "dom0",
    [12] = "grant_map_identity (deprecated)",
    [XENFEAT_memory_op_vnode_supported] = "memory_op_vnode_supported",
    [XENFEAT_ARM_SMCCC_supported] = "ARM_SMCCC_supported",
    [XENFEAT_linux_rsdp_unrestricted] = "linux_rsdp_unrestricted",
    [XENFEAT_not_direct_mapped] = "not_direct_mapped",
    [XENFEAT_direct_mapped] = "direct_mapped",
};

static uint32_t features_submap0(void)
{
	xen_feature_info_t fi = {.submap_idx = 0};

	if (!hypervisor.is_xen || hypercall_xen_version(XENVER_get_features, &fi))
		return 0;
	return fi.submap;
}

bool xen_has_feature(unsigned int feature)
{
	xen_feature_info_t fi = {.submap_idx = feature / 32};

	if (!hypervisor.is_xen || hypercall_xen_version(XENVER_get_features, &fi))
		return false;
	return (fi.submap >> (feature % 32)) & 1;
}

/* Xen's HVM CPUID leaf (base + 4) carries the domain id when its flag says
 * so; a PV guest finds zeros there. */
static int cpuid_domid(void)
{
	uint32_t base = hypervisor.cpuid_base;

	if (!base || pv_cpuid(base, 0).eax < base + 4)
		return -ENOENT;
	struct cpuid_regs r = pv_cpuid(base + 4, 0);
	if (!(r.eax & XEN_HVM_CPUID_DOMID_PRESENT) || r.ecx >= DOMID_FIRST_RESERVED)
		return -ENOENT;
	return (int)r.ecx;
}

int xen_domid(void)
{
	if (self.domid >= 0)
		return self.domid;
	if (!hypervisor.is_xen)
		return -ENOENT;
	if (hypervisor.xen_dom0)
		return 0; /* Xen's dom0 is domain 0 */
	return cpuid_domid();
}

const char *xen_vm_uuid(void)
{
	return self.uuid[0] ? self.uuid : NULL;
}

static bool uuid_well_formed(const char *s)
{
	for (int i = 0; i < UUID_LEN; i++) {
		char c = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F')))
			return false;
	}
	return s[UUID_LEN] == '\0';
}

/* A decimal domain id below the reserved ids, nothing else. */
static int parse_domid(const char *s)
{
	uint64_t v;
	size_t len = strnlen(s, 8);

	if (len == 0 || len > 5 || parse_u64(s, len, &v) != len || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	return v < DOMID_FIRST_RESERVED ? (int)v : -ERANGE;
}

/* What the other side wrote, fit to print: at most 48 characters, the
 * unprintable ones as '?'. */
static const char *printable(const char *s, char buf[49])
{
	size_t i;

	for (i = 0; i < 48 && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void read_domid(void)
{
	char shown[49];
	int err, id;
	char *v = xs_read(XBT_NIL, "domid", &err);

	if (!v) {
		pr_warn("xen: no domid in the store (%d)\n", err);
		return;
	}
	id = parse_domid(v);
	if (id < 0)
		pr_warn("xen: the store's domid \"%s\" is malformed; ignored\n",
			printable(v, shown));
	else
		self.domid = id;
	kfree(v);
}

static void read_uuid(void)
{
	char shown[49];
	int err;
	char *v = xs_read(XBT_NIL, "vm", &err);

	if (!v) {
		pr_warn("xen: no vm node in the store (%d)\n", err);
		return;
	}
	if (!strncmp(v, "/vm/", 4) && uuid_well_formed(v + 4))
		strlcpy(self.uuid, v + 4, sizeof(self.uuid));
	else
		pr_warn("xen: the store's vm path \"%s\" is not /vm/<uuid>; ignored\n",
			printable(v, shown));
	kfree(v);
}

void xen_hypervisor_info_init(void)
{
	if (!xs_available())
		return;
	read_domid();
	read_uuid();
	pr_info("xen: this is domain %d, uuid %s\n", self.domid,
		self.uuid[0] ? self.uuid : "unknown");
}

/* Xen's handle for this domain, which xl sets to the domain's uuid. */
static int guest_handle_uuid(char out[UUID_LEN + 1])
{
	xen_domain_handle_t h;
	long rc = hypercall_xen_version(XENVER_guest_handle, h);

	if (rc)
		return (int)rc;
	snprintf(out, UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
		 h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
		 h[15]);
	return 0;
}

static void show_version(void)
{
	long v = hypercall_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra = {0};
	xen_changeset_info_t changeset = {0};

	hypercall_xen_version(XENVER_extraversion, extra);
	hypercall_xen_version(XENVER_changeset, changeset);
	kprintf("type:           xen\n");
	kprintf("version:        %lu.%lu%.*s\n", (unsigned long)v >> 16, (unsigned long)v & 0xffff,
		(int)sizeof(extra), extra);
	kprintf("changeset:      %.*s\n", (int)sizeof(changeset),
		changeset[0] ? changeset : "(not recorded in this build)");
}

static void show_build(void)
{
	static xen_capabilities_info_t caps;
	xen_compile_info_t ci = {0};

	memset(caps, 0, sizeof(caps));
	hypercall_xen_version(XENVER_capabilities, caps);
	hypercall_xen_version(XENVER_compile_info, &ci);
	kprintf("capabilities:   %.*s\n", (int)sizeof(caps), caps);
	kprintf("compiler:       %.*s\n", (int)sizeof(ci.compiler), ci.compiler);
	kprintf("compiled by:    %.*s@%.*s\n", (int)sizeof(ci.compile_by), ci.compile_by,
		(int)sizeof(ci.compile_domain), ci.compile_domain);
	kprintf("compile date:   %.*s\n", (int)sizeof(ci.compile_date), ci.compile_date);
}

static void show_properties(void)
{
	xen_platform_parameters_t pp = {0};
	long page = hypercall_xen_version(XENVER_pagesize, NULL);

	kprintf("page size:      %ld\n", page);
	if (hypercall_xen_version(XENVER_platform_parameters, &pp) == 0)
		kprintf("virtual start:  %#lx\n", (unsigned long)pp.virt_start);
}

static void show_features(void)
{
	uint32_t map = features_submap0();

	kprintf("features:       %08x\n", map);
	for (unsigned i = 0; i < 32; i++)
		if (map & (1u << i))
			kprintf("  %2u %s\n", i,
				i < ARRAY_SIZE(feature_names) && feature_names[i] ? feature_names[i]
										  : "(unknown)");
}

static void show_domain(void)
{
	char handle[UUID_LEN + 1];
	int id = xen_domid();

	if (id >= 0)
		kprintf("domid:          %d\n", id);
	else
		kprintf("domid:          unknown (no store)\n");
	kprintf("uuid:           %s\n", self.uuid[0] ? self.uuid : "unknown (no store)");
	if (guest_handle_uuid(handle) == 0)
		kprintf("xen handle:     %s\n", handle);
}

SHELL_CMD(hypervisor, "the hypervisor, as Linux's /sys/hypervisor shows it")
{
	if (!hypervisor.is_xen) {
		if (hypervisor.cpuid_base)
			kprintf("type: %s (CPUID leaves at %#x), not Xen: nothing more to show\n",
				hypervisor.name, hypervisor.cpuid_base);
		else
			kprintf("type: none: no hypervisor (bare hardware, or one that does not "
				"say so)\n");
		return 0;
	}
	show_version();
	show_build();
	show_properties();
	show_features();
	show_domain();
	return 0;
}

static enum selftest_result check_version(struct selftest_ctx *ctx)
{
	long v = hypercall_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra = {0};
	char want[sizeof(hypervisor.xen_extra)];

	hypercall_xen_version(XENVER_extraversion, extra);
	boot_copy_string(want, sizeof(want), extra, sizeof(extra));
	if ((uint16_t)(v >> 16) != hypervisor.xen_major || (uint16_t)v != hypervisor.xen_minor ||
	    strcmp(want, hypervisor.xen_extra))
		return selftest_fail(ctx, "Xen says %lu.%lu%s, the boot recorded %u.%u%s",
				     (unsigned long)v >> 16, (unsigned long)v & 0xffff, want,
				     hypervisor.xen_major, hypervisor.xen_minor,
				     hypervisor.xen_extra);
	if (hypercall_xen_version(XENVER_pagesize, NULL) != (long)PAGE_SIZE)
		return selftest_fail(ctx, "Xen's page size is not %lu", PAGE_SIZE);
	return SELFTEST_SUCCESS;
}

/* A domU's id and uuid as the store gave them, against what Xen says. */
static enum selftest_result check_domu(struct selftest_ctx *ctx)
{
	char handle[UUID_LEN + 1];
	int cpuid_id = cpuid_domid();

	if (self.domid <= 0)
		return selftest_fail(ctx, "no valid domid was read from the store (%d)",
				     self.domid);
	if (cpuid_id >= 0 && cpuid_id != self.domid)
		return selftest_fail(ctx, "the store says domain %d, Xen's CPUID leaf %d",
				     self.domid, cpuid_id);
	if (!self.uuid[0])
		return selftest_fail(ctx, "no well-formed uuid was read from the store");
	if (guest_handle_uuid(handle) == 0 && strcmp(handle, self.uuid))
		return selftest_fail(ctx, "the store's uuid %s is not Xen's handle %s", self.uuid,
				     handle);
	return selftest_pass(ctx, "Xen %u.%u%s; domain %d (%s), uuid %s matches Xen's handle",
			     hypervisor.xen_major, hypervisor.xen_minor, hypervisor.xen_extra,
			     self.domid, cpuid_id >= 0 ? "the CPUID leaf agrees" : "from the store",
			     self.uuid);
}

SELFTEST(xen_hypervisor_info)
{
	enum selftest_result r;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen (hypervisor: %s)", hypervisor.name);
	if ((r = check_version(ctx)) != SELFTEST_SUCCESS)
		return r;
	if (hypervisor.xen_dom0)
		return selftest_pass(ctx, "Xen %u.%u%s as recorded at boot; dom0 is domain %d",
				     hypervisor.xen_major, hypervisor.xen_minor,
				     hypervisor.xen_extra, xen_domid());
	if (!xs_available())
		return selftest_skip(ctx,
				     "version %u.%u%s checked; no xenstore, so no domid or "
				     "uuid to check",
				     hypervisor.xen_major, hypervisor.xen_minor,
				     hypervisor.xen_extra);
	return check_domu(ctx);
}
