/*
 * Starting the other vCPUs of a Xen PVH guest.  Xen starts an HVM vCPU in
 * whatever state VCPUOP_initialise gives it, long mode included
 * (VCPU_HVM_MODE_64B), so no real-mode trampoline is needed: the new vCPU
 * begins at xen_pvh_ap_start with the boot CPU's control registers (so
 * the kernel's own page tables), a stack on its idle thread and its
 * struct cpu in %rbx.  There it loads its GDT, TSS and the shared IDT as
 * a native CPU does, takes its vcpu_info from the shared info page and
 * its timer from Xen, says it is online and becomes its idle thread.
 * Events reach it through the same callback vector as the boot vCPU.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <asm/paravirt.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/errno.h>
#include <xen/vcpu.h>

#define MSR_EFER 0xc0000080
#define RFLAGS_RESERVED 0x2
void xen_pvh_ap_start(void);
void xen_pvh_ap_main(void) __noreturn;

void xen_pvh_ap_main(void)
{
	native_traps_init_cpu();
	xen_time_init_cpu();
	cpu_set_online();
	sched_start_cpu();
}

static int xen_pvh_cpu_up(struct cpu *c)
{
	uintptr_t stack;
	long rc;

	if ((rc = xen_pvh_vcpu_info_register(c)))
		return (int)rc;
	if (!(stack = sched_prepare_cpu(c->id)) || native_traps_prepare_cpu(c->id))
		return -ENOMEM;
	if ((rc = xen_time_prepare_cpu(c)))
		return (int)rc;
	struct vcpu_hvm_context ctx = {.mode = VCPU_HVM_MODE_64B};

	ctx.cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
	    .rip = (uintptr_t)xen_pvh_ap_start,
	    .rsp = stack,
	    .rbx = (uintptr_t)c,
	    .rflags = RFLAGS_RESERVED,
	    .cr0 = read_cr0(),
	    .cr3 = read_cr3(),
	    .cr4 = read_cr4(),
	    .efer = rdmsr(MSR_EFER),
	};
	rc = hypercall_vcpu_op(VCPUOP_initialise, c->xen_vcpu_id, &ctx);
	/* A restored domain may have kept the vCPU as it was when it went
	 * down, in xen_cpu_die: it starts afresh from there. */
	if (rc == -XEN_EEXIST && c->xen_fresh)
		c->xen_restart_in_die = true;
	else if (rc)
		return (int)rc;
	return (int)hypercall_vcpu_op(VCPUOP_up, c->xen_vcpu_id, NULL);
}

void xen_pvh_smp_init(void)
{
	xen_ap_main = xen_pvh_ap_main;
	xen_smp_init_with(xen_pvh_cpu_up);
}
