/* CPUID hypervisor-leaf scan (arch/x86/cpuid_hv.c). */
#ifndef ASM_CPUID_HV_H
#define ASM_CPUID_HV_H
#include <amphi/types.h>

#define CPUID_SIG_XEN "XenVMMXenVMM"
#define CPUID_SIG_KVM "KVMKVMKVM\0\0\0"

/* The leaf where `sig` answers, or 0.  pv: use Xen's forced emulation. */
uint32_t cpuid_hypervisor_base(const char sig[12], bool pv);
bool cpu_has_hypervisor_bit(void);
/* CPUID through Xen's forced-emulation prefix: what Xen offers a PV guest.
 * Only valid under Xen PV (elsewhere the prefix is an invalid opcode). */
struct cpuid_regs cpuid_xen_forced(uint32_t leaf, uint32_t subleaf);
/* A hypervisor leaf: through the forced-emulation prefix when pv. */
struct cpuid_regs cpuid_hv(uint32_t leaf, uint32_t subleaf, bool pv);

#endif
