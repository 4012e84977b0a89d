/*
 * KVM: for now a PC like any other, told apart by its CPUID leaves so that
 * the boot log names it.  KVM's paravirtual clock and friends will hang
 * their operations here.
 */
#include <amphi/platform.h>
#include <asm/cpuid_hv.h>

int kvm_detect(const struct boot_info *bi)
{
	if (bi->entry == BOOT_ENTRY_XEN_PV)
		return 0;
	return cpuid_hypervisor_base(CPUID_SIG_KVM, false) ? 2 : 0;
}

void kvm_setup(struct boot_info *bi)
{
	native_setup(bi);
	hypervisor.name = "KVM";
	hypervisor.cpuid_base = cpuid_hypervisor_base(CPUID_SIG_KVM, false);
}
