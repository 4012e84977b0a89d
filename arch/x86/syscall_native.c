/*
 * The CPU's side of user mode natively and on Xen PVH, set on every CPU as
 * it loads its GDT (arch/x86/traps.c): `syscall` enabled (EFER.SCE), its
 * entry (LSTAR) and 32-bit code's (CSTAR, refused), the selectors syscall
 * and sysret load (STAR, matching the
 * GDT in asm/desc.h) and the flags syscall clears (SFMASK: interrupts,
 * single-step, direction, alignment check and nested task, as Linux
 * clears them), and SMEP and SMAP where CPUID offers them.
 *
 * SMEP and SMAP wait for user_arch_init(): the boot's own page tables are
 * not to be judged by them, only the kernel's W^X ones.  From then on a
 * CPU that comes online turns them on with the rest.
 */
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/uaccess.h>
#include <asm/desc.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/user.h>

#define MSR_EFER 0xc0000080
#define EFER_SCE (1ULL << 0)
#define EFER_NXE (1ULL << 11)
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
/* TF, IF, DF, IOPL, NT, AC */
#define SYSCALL_MASK 0x47700ULL

void syscall_entry_native(void);
void syscall32_entry_native(void);

static bool smep_smap_on; /* user_arch_init ran: CPUs that start now enable them */
static bool cpu_smep, cpu_smap;

static void smep_smap_enable(void)
{
	unsigned long cr4 = read_cr4();

	if (cpu_smep)
		cr4 |= CR4_SMEP;
	if (cpu_smap)
		cr4 |= CR4_SMAP;
	if (cr4 != read_cr4())
		write_cr4(cr4);
}

/* Programs use SSE (the kernel does not): fxsave and fxrstor and the SSE
 * instructions on (CR4.OSFXSR, OSXMMEXCPT), x87 not emulated, and
 * wait/fwait honouring TS (CR0.MP, as Linux sets it). */
static void fpu_enable(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ __volatile__("fninit");
}

void native_syscall_init_cpu(void)
{
	fpu_enable();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)USER32_CS << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry_native);
	wrmsr(MSR_CSTAR, (uintptr_t)syscall32_entry_native); /* left 0, it entered at 0 */
	wrmsr(MSR_SYSCALL_MASK, SYSCALL_MASK);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user's GS base: programs start with 0 */
	if (smep_smap_on)
		smep_smap_enable();
}

/* On the boot CPU once the kernel's own page tables are in place. */
void native_user_arch_init(void)
{
	struct cpuid_regs r = pv_cpuid(0, 0);
	struct cpuid_regs l7 = r.eax >= 7 ? pv_cpuid(7, 0) : (struct cpuid_regs){0};

	cpu_smep = l7.ebx & CPUID7_EBX_SMEP;
	cpu_smap = l7.ebx & CPUID7_EBX_SMAP;
	uaccess_smap = cpu_smap;
	smep_smap_on = true;
	smep_smap_enable();
	pr_info("user: syscall/sysret, NX %s, SMEP %s, SMAP %s\n",
		paging_nx && (rdmsr(MSR_EFER) & EFER_NXE) ? "on" : "OFF (no NX on this CPU)",
		cpu_smep ? "on" : "not offered by this CPU",
		cpu_smap ? "on" : "not offered by this CPU");
}
