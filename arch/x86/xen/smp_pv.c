/*
 * Starting the other vCPUs of a Xen PV guest.  A PV vCPU starts in the
 * state VCPUOP_initialise gives it (a vcpu_guest_context): already in the
 * kernel, on the kernel's pinned page tables (cr3 as a machine frame),
 * with the boot vCPU's trap table and event, failsafe and syscall
 * callbacks (its own 32-bit syscall one it registers itself), no
 * GDT of its own (Xen's flat selectors need none), its stack on its idle
 * thread and the kernel GS base naming its struct cpu.  At xen_pv_ap_start
 * it masks events in its vcpu_info, takes its timer from Xen, says it is
 * online and becomes its idle thread.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/sched.h>
#include <amphi/string.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>

void xen_pv_ap_start(void);
void xen_pv_ap_main(void) __noreturn;
extern uint8_t xen_pv_upcall[], xen_pv_failsafe[], xen_pv_syscall[];

/* Too big for a stack; vCPUs are started one at a time. */
static struct vcpu_guest_context xen_pv_ap_ctxt;

void xen_pv_ap_main(void)
{
	local_irq_disable();
	xen_pv_user_init_cpu();
	xen_time_init_cpu();
	cpu_set_online();
	sched_start_cpu();
}

static void xen_pv_ap_traps(struct vcpu_guest_context *ctx)
{
	for (const struct trap_info *t = xen_pv_trap_table(); t->address; t++)
		ctx->trap_ctxt[t->vector] = *t;
}

static int xen_pv_cpu_up(struct cpu *c)
{
	struct vcpu_guest_context *ctx = &xen_pv_ap_ctxt;
	uint64_t root_mfn = xen_pv_pfn_to_mfn(xen_pv_kernel_cr3() >> PAGE_SHIFT);
	uintptr_t stack;
	long rc;

	if ((rc = xen_pv_vcpu_info_register(c)))
		return (int)rc;
	if (!(stack = sched_prepare_cpu(c->id)))
		return -ENOMEM;
	if ((rc = xen_time_prepare_cpu(c)))
		return (int)rc;
	memset(ctx, 0, sizeof(*ctx));
	ctx->flags = VGCF_in_kernel | VGCF_failsafe_disables_events | VGCF_syscall_disables_events;
	ctx->user_regs.rip = (uintptr_t)xen_pv_ap_start;
	ctx->user_regs.rsp = stack;
	ctx->user_regs.cs = FLAT_KERNEL_CS;
	ctx->user_regs.ss = FLAT_KERNEL_SS;
	ctx->kernel_ss = FLAT_KERNEL_SS;
	ctx->kernel_sp = stack;
	ctx->ctrlreg[3] = root_mfn << PAGE_SHIFT; /* xen_pfn_to_cr3 on x86-64 */
	ctx->event_callback_eip = (uintptr_t)xen_pv_upcall;
	ctx->failsafe_callback_eip = (uintptr_t)xen_pv_failsafe;
	ctx->syscall_callback_eip = (uintptr_t)xen_pv_syscall;
	ctx->gs_base_kernel = (uintptr_t)c;
	ctx->gs_base_user = 0; /* programs start with 0 */
	c->xen_pv_cr3 = xen_pv_kernel_cr3();
	xen_pv_ap_traps(ctx);
	rc = hypercall_vcpu_op(VCPUOP_initialise, c->xen_vcpu_id, ctx);
	/* A restored domain may have kept the vCPU as it was when it went
	 * down, in xen_cpu_die: it starts afresh from there. */
	if (rc == -XEN_EEXIST && c->xen_fresh)
		c->xen_restart_in_die = true;
	else if (rc)
		return (int)rc;
	return (int)hypercall_vcpu_op(VCPUOP_up, c->xen_vcpu_id, NULL);
}

void xen_pv_smp_init(void)
{
	xen_ap_main = xen_pv_ap_main;
	xen_smp_init_with(xen_pv_cpu_up);
}
