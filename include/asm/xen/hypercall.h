/*
 * Xen hypercalls without a hypercall page.  Every hypercall goes through
 * one three-byte instruction slot, xen_hypercall_insn, which holds `syscall`
 * for a PV guest (a PV kernel's syscall enters Xen) or `vmcall`/`vmmcall`
 * for a PVH guest, by CPU vendor.  It is written once at boot by
 * hypercall_init(); until then it holds ud2, so a hypercall made too early
 * faults loudly instead of doing something undefined.  Arguments go in
 * rdi, rsi, rdx, r10, r8, the number in rax; rcx and r11 are clobbered.
 */
#ifndef ASM_XEN_HYPERCALL_H
#define ASM_XEN_HYPERCALL_H
#include <amphi/types.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_op.h>
#include <xen/grant_table.h>
#include <xen/physdev.h>

enum hypercall_kind { HYPERCALL_SYSCALL, HYPERCALL_VMCALL, HYPERCALL_VMMCALL };
void hypercall_init(enum hypercall_kind kind);
const char *hypercall_kind_name(void);

static inline long _hypercall5(unsigned long nr, unsigned long a1, unsigned long a2,
			       unsigned long a3, unsigned long a4, unsigned long a5)
{
	long ret;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	__asm__ __volatile__("call xen_hypercall_insn"
			     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			     : "a"(nr)
			     : "rcx", "r11", "memory");
	return ret;
}

#define HC(nr, a, b, c, d, e)                                                         \
	_hypercall5(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), \
		    (unsigned long)(d), (unsigned long)(e))

static inline long hypercall_console_io(int cmd, int count, char *buf)
{
	return HC(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long hypercall_xen_version(int cmd, void *arg)
{
	return HC(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long hypercall_sched_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_memory_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_event_channel_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_physdev_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_hvm_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_hvm_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_update_va_mapping(unsigned long va, uint64_t pte,
					       unsigned long flags)
{
	return HC(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

static inline long hypercall_mmu_update(const void *reqs, unsigned int count,
					unsigned int *done, uint16_t domid)
{
	return HC(__HYPERVISOR_mmu_update, reqs, count, done, domid, 0);
}

static inline long hypercall_mmuext_op(const void *ops, unsigned int count, unsigned int *done,
				       uint16_t domid)
{
	return HC(__HYPERVISOR_mmuext_op, ops, count, done, domid, 0);
}

static inline long hypercall_multicall(void *entries, unsigned int count)
{
	return HC(__HYPERVISOR_multicall, entries, count, 0, 0, 0);
}

static inline long hypercall_stack_switch(unsigned long ss, unsigned long sp)
{
	return HC(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

static inline long hypercall_set_gdt(const unsigned long *gdt_frames, unsigned int entries)
{
	return HC(__HYPERVISOR_set_gdt, gdt_frames, entries, 0, 0, 0);
}

static inline long hypercall_update_descriptor(uint64_t maddr, uint64_t desc)
{
	return HC(__HYPERVISOR_update_descriptor, maddr, desc, 0, 0, 0);
}

static inline long hypercall_fpu_taskswitch(int set)
{
	return HC(__HYPERVISOR_fpu_taskswitch, set, 0, 0, 0, 0);
}

static inline long hypercall_set_segment_base(unsigned int which, unsigned long base)
{
	return HC(__HYPERVISOR_set_segment_base, which, base, 0, 0, 0);
}

static inline long hypercall_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return HC(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline long hypercall_callback_op(int cmd, const void *arg)
{
	return HC(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_set_trap_table(const void *table)
{
	return HC(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0);
}

static inline long hypercall_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	return HC(__HYPERVISOR_grant_table_op, cmd, uop, count, 0, 0);
}

/* Helpers built on the above (arch/x86/xen/hypercall.c). */
void xen_shutdown(unsigned int reason) __noreturn;
int xen_evtchn_send(uint32_t port);
int xen_hvm_get_param(uint32_t index, uint64_t *value);
void xen_read_version(void);

#endif
