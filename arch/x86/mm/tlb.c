/*
 * TLB shootdown: a kernel mapping changed or removed on one CPU must not
 * survive in another CPU's TLB.  The kernel's page tables are shared by
 * every CPU, so each change to a mapping that was present flushes it here
 * and on every other online CPU: natively (and on PVH) by asking each to
 * invlpg through a call-function IPI, on Xen PV with one MMUEXT_*_MULTI
 * that Xen carries out (the flush_tlb_others paravirt op).
 */
#include <amphi/smp.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

static void tlb_flush_here(void *addr)
{
	unsigned long va = *(unsigned long *)addr;

	if (va == TLB_FLUSH_ALL)
		flush_tlb_local();
	else
		flush_tlb_one(va);
}

void native_flush_tlb_others(uint64_t mask, unsigned long addr)
{
	smp_call_function_many(mask, tlb_flush_here, &addr);
}

void tlb_shootdown(unsigned long addr)
{
	cpumask_t others = cpumask_online_others();

	tlb_flush_here(&addr);
	if (others)
		flush_tlb_others(others, addr);
}
