/*
 * The CPUID hypervisor leaves: a hypervisor announces itself at 0x40000000,
 * and Xen may sit at a later multiple of 0x100 when it also offers another
 * hypervisor's interface (Viridian) at the first.  A PV guest must ask Xen
 * through the forced-emulation prefix, since its plain CPUID may reach the
 * real CPU.
 */
#include <amphi/types.h>
#include <amphi/string.h>
#include <asm/x86.h>
#include <asm/cpuid_hv.h>

struct cpuid_regs cpuid_xen_forced(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ __volatile__("ud2a; .ascii \"xen\"; cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}

struct cpuid_regs cpuid_hv(uint32_t leaf, uint32_t subleaf, bool pv)
{
	return pv ? cpuid_xen_forced(leaf, subleaf) : cpuid(leaf, subleaf);
}

/*
 * Hypervisors put their blocks one after another from 0x40000000 (Xen after
 * Viridian, KVM after Hyper-V's), each starting with its highest leaf, so
 * the search ends at the first block that has none (eax below the block).
 * Scanning all 256 blocks instead costs a VM exit each in an HVM guest,
 * 256 before the IDT exists on every PVH boot; a PVH domU on the emulated
 * test host once triple-faulted in the middle of that scan.
 */
uint32_t cpuid_hypervisor_base(const char sig[12], bool pv)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid_hv(base, 0, pv);
		char got[12];

		if (r.eax < base)
			break;
		memcpy(got, &r.ebx, 4);
		memcpy(got + 4, &r.ecx, 4);
		memcpy(got + 8, &r.edx, 4);
		if (!memcmp(got, sig, 12) && r.eax >= base + 2)
			return base;
	}
	return 0;
}

bool cpu_has_hypervisor_bit(void)
{
	return cpuid(1, 0).ecx & (1u << 31);
}
