/*
 * The native implementations of the C-ABI paravirt ops: what the kernel
 * does on bare hardware, and what the compiled-out build calls directly.
 * The callee-save ones are single instructions in paravirt_native.S.
 */
#include <asm/entry.h>
#include <asm/paravirt.h>
#include <asm/x86.h>

unsigned long native_read_cr0(void)
{
	unsigned long v;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

void native_write_cr0(unsigned long val)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(val) : "memory");
}

unsigned long native_read_cr4(void)
{
	unsigned long v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

void native_write_cr4(unsigned long val)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(val) : "memory");
}

uint64_t native_read_msr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void native_write_msr(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

void native_cpuid(struct cpuid_regs *r)
{
	*r = cpuid(r->eax, r->ecx);
}

void native_load_gdt(const struct desc_ptr *p)
{
	__asm__ __volatile__("lgdt %0" : : "m"(*p));
}

void native_load_idt(const struct desc_ptr *p)
{
	__asm__ __volatile__("lidt %0" : : "m"(*p));
}

void native_load_tr(unsigned int sel)
{
	__asm__ __volatile__("ltr %w0" : : "r"(sel));
}

void native_write_gdt_entry(uint64_t *gdt, int index, uint64_t desc)
{
	gdt[index] = desc;
}

void native_write_idt_entry(struct idt_gate *idt, int vector, const struct idt_gate *gate)
{
	idt[vector] = *gate;
}

/* The TSS lives in arch/x86/traps.c. */
extern void tss_set_rsp0(unsigned long sp0);

/* Every switch calls this: one load through %gs of where this CPU's TSS
 * keeps rsp0 (struct cpu's entry_sp0, set with the GDT), one store. */
void native_load_sp0(unsigned long sp0)
{
	uint64_t *rsp0;

	__asm__("mov %%gs:%c1, %0" : "=r"(rsp0) : "i"(CPU_ENTRY_SP0));
	*rsp0 = sp0;
}

void native_wbinvd(void)
{
	__asm__ __volatile__("wbinvd" ::: "memory");
}

void native_halt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

/* sti's one-instruction shadow makes "sti; hlt" atomic: an interrupt that
 * arrives in between is taken after hlt has started waiting. */
void native_safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

void native_set_pxd(pteval_t *p, pteval_t val)
{
	WRITE_ONCE(*p, val);
}

void native_flush_tlb_local(void)
{
	unsigned long cr3;
	__asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

#define CR4_PGE (1UL << 7)

void native_flush_tlb_global(void)
{
	unsigned long cr4 = native_read_cr4();

	if (cr4 & CR4_PGE) {
		native_write_cr4(cr4 & ~CR4_PGE);
		native_write_cr4(cr4);
	} else {
		native_flush_tlb_local();
	}
}

uint64_t native_steal_clock(int cpu)
{
	return 0;
}
