/*
 * User mode on Xen PV (x86-64).  The kernel and its programs both run in
 * ring 3, so Xen does what the CPU does natively:
 *   - a `syscall` from user mode reaches the syscall callback
 *     (xen_pv_syscall, entry_pv.S) with events masked, Xen having
 *     switched to the kernel's root and GS base; a 32-bit one reaches
 *     xen_pv_syscall32, which refuses it;
 *   - exceptions and events from user mode arrive through the trap table
 *     and the event callback on the stack given by stack_switch, their
 *     frame's cs that of user mode (RPL 3), which user_mode() tests;
 *   - the way back is HYPERVISOR_iret with a cs of RPL 3, on which Xen
 *     switches to the process's user-mode root (mmu_pv.c, which holds no
 *     kernel mapping) and to the user's GS base;
 *   - the GS bases are Xen's to swap (SEGBASE_GS_KERNEL, SEGBASE_GS_USER),
 *     the FS base is set with set_segment_base (the MSR ops);
 *   - there is no SMEP or SMAP for the guest: the user root is what keeps
 *     programs out of the kernel.
 * Programs run on Xen's flat selectors, FLAT_USER_CS64 and FLAT_USER_SS64,
 * which every PV guest's GDT has; the kernel loads no GDT of its own.
 * The callbacks are each vCPU's own: every vCPU registers them.
 */
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/user.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/callback.h>

#define CR0_TS (1UL << 3)
#define MSR_KERNEL_GS_BASE 0xc0000102

extern uint8_t xen_pv_syscall[], xen_pv_syscall32[];

static long register_syscall_callback(uint16_t type, void *entry)
{
	struct callback_register cb = {
	    .type = type,
	    .flags = CALLBACKF_mask_events,
	    .address = (xen_callback_t)(uintptr_t)entry,
	};

	return hypercall_callback_op(CALLBACKOP_register, &cb);
}

/* A saved vCPU's context keeps the 64-bit syscall callback but not the
 * 32-bit one, so a restored domain registers both again. */
void xen_pv_user_callbacks(void)
{
	long rc = register_syscall_callback(CALLBACKTYPE_syscall, xen_pv_syscall);

	if (rc)
		panic("xen-pv: the syscall callback was refused (%ld)", rc);
	rc = register_syscall_callback(CALLBACKTYPE_syscall32, xen_pv_syscall32);
	if (rc)
		pr_warn("xen-pv: the 32-bit syscall callback was refused (%ld): a 32-bit "
			"syscall would reach the 64-bit entry\n",
			rc);
}

void xen_pv_user_init_cpu(void)
{
	xen_pv_user_callbacks();
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* SEGBASE_GS_USER: programs start with 0 */
	/* Programs use SSE and x87; Xen owns cr4 (OSFXSR is on for PV
	 * guests), the guest only cr0.TS. */
	write_cr0(read_cr0() & ~CR0_TS);
	__asm__ __volatile__("fninit");
}

void xen_pv_user_init(void)
{
	user_cs = FLAT_USER_CS64;
	user_ss = FLAT_USER_SS64;
	xen_pv_user_init_cpu();
	pr_info("user: Xen PV syscall callback at %p, a user-mode root per process without "
		"kernel mappings, NX %s; SMEP and SMAP are Xen's\n",
		(void *)xen_pv_syscall, paging_nx ? "on" : "OFF (no NX on this CPU)");
}
