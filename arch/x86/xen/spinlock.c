/*
 * Xen's spinlock slow path (the seeds' PV spinlocks, Linux's PV ticket
 * locks for Xen): a vCPU that has spun SPIN_THRESHOLD turns on a lock
 * stops burning a physical CPU its lock holder may need, and blocks.
 *
 * Each vCPU has a kick port, an IPI event channel bound to it.  A waiter
 * records the lock and ticket it waits for in its CPU's slot, clears its
 * kick port's pending bit, flags the lock (spin_set_slowpath) and reads
 * the head once more; if its turn has still not come it blocks in
 * SCHEDOP_poll on the kick port.  The unlock that hands the lock to a
 * flagged ticket (arch/x86/spinlock.c) looks for the slot that waits for
 * it and sends that vCPU's kick port.  SCHEDOP_poll ends when the port is
 * pending whether or not it is masked, so the port stays masked: the kick
 * only ends the poll and never reaches the upcall (its handler is empty
 * all the same).  All of it runs with interrupts off, so no handler on
 * this CPU can take the slot meanwhile; other events end a poll early
 * (Xen wakes a blocked vCPU for them), and the waiter spins and polls
 * again.
 *
 * A poll is also bounded (XEN_SPIN_POLL_NS): a kick that never came would
 * then cost a second, not the machine, and is counted as lost when the
 * lock had been handed to the waiter meanwhile.
 */
#include <amphi/cpu.h>
#include <amphi/params.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/pvclock.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>

#define XEN_SPIN_POLL_NS NSEC_PER_SEC

/* What a CPU's waiter is blocked on.  Written by its CPU only; read by
 * every unlocker looking for a waiter to kick. */
struct xen_spin_slot {
	struct spinlock *lock; /* NULL when not blocked */
	unsigned int want;     /* the ticket it waits for */
	evtchn_port_t port;    /* its kick port, 0 (never a port) until bound */
} __aligned(64);

static struct xen_spin_slot xen_spin_slots[NR_CPUS];

static void xen_spin_kick_handler(evtchn_port_t port, void *arg)
{
	/* Never called while the port is masked: a kick only ends a poll. */
}

/* Blocks until the kick port is pending, another event wakes this vCPU,
 * or XEN_SPIN_POLL_NS pass; false on the last. */
static bool xen_spin_poll(evtchn_port_t port)
{
	uint64_t deadline = xen_system_time() + XEN_SPIN_POLL_NS;
	struct sched_poll poll = {.nr_ports = 1, .timeout = deadline};

	set_xen_guest_handle(poll.ports, &port);
	hypercall_sched_op(SCHEDOP_poll, &poll);
	return evtchn_is_pending(port) || xen_system_time() < deadline;
}

/* Called with interrupts off. */
static void xen_spin_block(struct xen_spin_slot *s, struct spinlock *l, unsigned int want)
{
	struct spinlock_stats *st = &spinlock_stats[smp_processor_id()];

	WRITE_ONCE(s->want, want);
	__atomic_store_n(&s->lock, l, __ATOMIC_SEQ_CST);
	evtchn_clear_pending(s->port);
	spin_set_slowpath(l);
	if (READ_ONCE(l->head) != want) {
		st->polls++;
		if (!xen_spin_poll(s->port) && READ_ONCE(l->head) == want)
			st->lost++;
	}
	__atomic_store_n(&s->lock, NULL, __ATOMIC_RELEASE);
}

static void xen_lock_spinning(struct spinlock *l, unsigned int want)
{
	struct xen_spin_slot *s = &xen_spin_slots[smp_processor_id()];
	unsigned long flags;

	if (!s->port)
		return; /* before the kick ports are bound: spin on */
	flags = local_irq_save();
	xen_spin_block(s, l, want);
	local_irq_restore(flags);
}

/* Every slot is looked at: a slot read while its CPU moves from one wait
 * to the next may match by accident, and a kick too many only ends a poll
 * early, where a missed one costs a second. */
static void xen_unlock_kick(struct spinlock *l, unsigned int next)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		const struct xen_spin_slot *s = &xen_spin_slots[i];

		if (__atomic_load_n(&s->lock, __ATOMIC_ACQUIRE) != l || READ_ONCE(s->want) != next)
			continue;
		spinlock_stats[smp_processor_id()].kicks++;
		evtchn_send(s->port);
	}
}

void xen_spinlock_ops_init(void)
{
	if (param_nopvspin)
		spinlock_describe("plain spinning (nopvspin)");
	else
		spinlock_pv_init(xen_lock_spinning, xen_unlock_kick, "Xen poll/kick slow path");
}

int xen_spinlock_prepare_cpu(struct cpu *c)
{
	int port;

	if (!spinlock_can_block())
		return 0;
	port = evtchn_bind_ipi_vcpu(c->xen_vcpu_id, xen_spin_kick_handler, NULL, "spinlock kick");
	if (port < 0) {
		pr_err("spinlock: no kick port for vCPU %u (%d): it will spin\n", c->xen_vcpu_id,
		       port);
		return port;
	}
	evtchn_mask((evtchn_port_t)port);
	evtchn_clear_pending((evtchn_port_t)port);
	WRITE_ONCE(xen_spin_slots[c->id].port, (evtchn_port_t)port);
	return 0;
}
