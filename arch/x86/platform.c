/*
 * Platform detection.  Each platform says how well it matches this boot;
 * the highest score wins and installs its operations.  The scores encode
 * what is certain: the Xen PV entry can only have been taken under Xen PV,
 * the PVH entry plus Xen's CPUID leaves means Xen PVH, KVM's leaves mean
 * KVM, and native matches everything weakly.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/x86.h>

static const struct platform platforms[] = {
    {"native", native_detect, native_setup},
    {"kvm", kvm_detect, kvm_setup},
    {"xen-pvh", xen_pvh_detect, xen_pvh_setup},
    {"xen-pv", xen_pv_detect, xen_pv_setup},
};

const struct platform *platform;
struct platform_ops platform_ops;
struct hypervisor_info hypervisor = {.name = "none"};

void cpu_vendor(char out[13])
{
	struct cpuid_regs r = cpuid(0, 0);

	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.edx, 4);
	memcpy(out + 8, &r.ecx, 4);
	out[12] = '\0';
}

void platform_detect(struct boot_info *bi)
{
	int best = -1;

	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++) {
		int score = platforms[i].detect(bi);

		if (score > best) {
			best = score;
			platform = &platforms[i];
		}
	}
	platform->setup(bi);
}

void power_off(enum power_status status)
{
	platform_ops.power_off(status);
}

void restart(void)
{
	platform_ops.restart();
}
