/*
 * Xen PV interrupts.  A PV kernel runs in ring 3, where cli and sti fault:
 * its interrupt flag is its vCPU's evtchn_upcall_mask in its vcpu_info,
 * which Xen reads before it makes an event upcall.  Disabling is one
 * store; enabling is a store, then a look at evtchn_upcall_pending, since
 * an event that arrived while masked was flagged but not delivered.  The
 * three flag ops are callee-save (their call sites tell the compiler only
 * about rax), so their C bodies are wrapped in PV_CALLEE_SAVE_THUNK.
 *
 * Events arrive through the upcall in upcall_pv.S, which builds a trap
 * frame and calls xen_pv_upcall_dispatch() below.
 */
#include <amphi/cpu.h>
#include <amphi/irq.h>
#include <amphi/printk.h>
#include <asm/paravirt.h>
#include <asm/trap.h>
#include <asm/user.h>
#include <amphi/process.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/pvclock.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>
#include <xen/callback.h>

extern uint8_t xen_pv_upcall[], xen_pv_failsafe[];

#define HALT_MAX_NSEC NSEC_PER_SEC

/* The ops read and write this CPU's event mask at a fixed %gs offset,
 * in its struct cpu, where each vCPU's vcpu_info is registered
 * (xen_vcpu_info_register): one instruction, so a thread that the timer
 * moves to another CPU can never touch the CPU it left.  Until vCPU 0's
 * is registered the ops act on that area as a stand-in, which is
 * harmless: no event can arrive before the callbacks are registered. */
#define PV_MASK_OFF                                                                                \
	(offsetof(struct cpu, xen_vcpu_area) + offsetof(struct vcpu_info, evtchn_upcall_mask))
#define PV_PENDING_OFF                                                                             \
	(offsetof(struct cpu, xen_vcpu_area) + offsetof(struct vcpu_info, evtchn_upcall_pending))

static inline uint8_t pv_gs_byte(void)
{
	uint8_t v;

	__asm__ __volatile__("movb %%gs:%c1, %0" : "=q"(v) : "i"(PV_MASK_OFF) : "memory");
	return v;
}

static inline uint8_t pv_gs_pending(void)
{
	uint8_t v;

	__asm__ __volatile__("movb %%gs:%c1, %0" : "=q"(v) : "i"(PV_PENDING_OFF) : "memory");
	return v;
}

/* Referenced from assembly (the thunks, upcall_pv.S), so not static. */
unsigned long xen_pv_save_fl(void);
void xen_pv_irq_disable(void);
void xen_pv_irq_enable(void);
void xen_pv_upcall_dispatch(struct trap_frame *f);
void xen_pv_failsafe_report(const uint64_t *frame) __noreturn;

unsigned long xen_pv_save_fl(void)
{
	return pv_gs_byte() ? 0 : X86_EFLAGS_IF;
}
PV_CALLEE_SAVE_THUNK(xen_pv_save_fl);

void xen_pv_irq_disable(void)
{
	__asm__ __volatile__("movb $1, %%gs:%c0" : : "i"(PV_MASK_OFF) : "memory");
}
PV_CALLEE_SAVE_THUNK_VOID(xen_pv_irq_disable);

/* Only Xen on this vCPU's own CPU touches the mask, and an event raised
 * from elsewhere comes with a kick that makes Xen look again on its way
 * back to us: a compiler barrier between the store and the load is all
 * the ordering this needs.  Any hypercall returns through the upcall when
 * one is pending, so the cheapest one delivers it. */
void xen_pv_irq_enable(void)
{
	__asm__ __volatile__("movb $0, %%gs:%c0" : : "i"(PV_MASK_OFF) : "memory");
	if (pv_gs_pending())
		hypercall_xen_version(XENVER_version, NULL);
}
PV_CALLEE_SAVE_THUNK_VOID(xen_pv_irq_enable);

/* SCHEDOP_block unmasks events and checks for pending ones before it
 * blocks, in Xen, so an event cannot slip in between; on the way back
 * Xen delivers it through the upcall. */
static void xen_pv_safe_halt(void)
{
	hypercall_sched_op(SCHEDOP_block, NULL);
}

/* Waiting with the flag left as it is: a poll of no ports blocks until any
 * event is flagged, without touching the mask (SCHEDOP_block would clear
 * it).  With events masked nothing is delivered, only the wait ends.  An
 * event flagged before the poll does not end it, so the poll also times
 * out after a second: a halt may return early, never hang for good. */
static void xen_pv_halt(void)
{
	struct sched_poll poll = {.nr_ports = 0};

	set_xen_guest_handle(poll.ports, NULL);
	if (xen_shared_info)
		poll.timeout = xen_system_time() + HALT_MAX_NSEC;
	hypercall_sched_op(SCHEDOP_poll, &poll);
}

void xen_pv_irq_ops_init(void)
{
	/* Interrupts are off until kmain enables them, as on bare metal. */
	xen_pv_irq_disable();
	pv_ops.cpu.save_fl = (unsigned long (*)(void))(void *)xen_pv_save_fl_thunk;
	pv_ops.cpu.irq_disable = (void (*)(void))(void *)xen_pv_irq_disable_thunk;
	pv_ops.cpu.irq_enable = (void (*)(void))(void *)xen_pv_irq_enable_thunk;
	pv_ops.cpu.halt = xen_pv_halt;
	pv_ops.cpu.safe_halt = xen_pv_safe_halt;
}

void xen_pv_upcall_dispatch(struct trap_frame *f)
{
	irq_depth++;
	evtchn_do_upcall();
	irq_depth--;
	irq_exit();
	/* Back to a program: the signals it has to take, as irq_dispatch. */
	if (user_mode(f) && signal_pending(current_process()))
		user_return_work();
}

void xen_pv_failsafe_report(const uint64_t *frame)
{
	panic("xen-pv: failsafe callback: Xen could not load a segment returning to "
	      "rip %#lx cs %#lx rsp %#lx (ds %#lx es %#lx fs %#lx gs %#lx)",
	      frame[6], frame[7], frame[9], frame[2], frame[3], frame[4], frame[5]);
}

static void xen_pv_register_callback(uint16_t type, void *entry, uint16_t flags, const char *what)
{
	struct callback_register cb = {
	    .type = type,
	    .flags = flags,
	    .address = (xen_callback_t)(uintptr_t)entry,
	};
	long rc = hypercall_callback_op(CALLBACKOP_register, &cb);

	if (rc)
		panic("xen-pv: registering the %s callback failed (%ld)", what, rc);
}

void xen_pv_irq_init(void)
{
	if (!xen_shared_info)
		panic("xen-pv: the shared info page is not mapped: no events");
	xen_pv_vcpu_info_register(this_cpu()); /* the P2M is known by now */
	evtchn_init();
	xen_pv_register_callback(CALLBACKTYPE_event, xen_pv_upcall, 0, "event");
	xen_pv_register_callback(CALLBACKTYPE_failsafe, xen_pv_failsafe, CALLBACKF_mask_events,
				 "failsafe");
	pr_info("xen-pv: event upcall at %p, failsafe at %p\n", (void *)xen_pv_upcall,
		(void *)xen_pv_failsafe);
}
