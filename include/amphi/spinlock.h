/*
 * Spinlocks: a byte, taken with an atomic exchange.  The unlock is a
 * paravirt op (natively patched inline to `movb $0,(%rdi)`), where Xen's
 * PV spinlocks will kick a waiting vCPU.
 *
 * The lock order, the one place it is written down: a lock is only ever
 * taken while holding locks above it in this list, never below.  Sleeping
 * locks (struct mutex) come before every spinlock: nothing sleeps holding
 * a spinlock.
 *   gt_init_mutex (drivers/xen/grant_table.c: setting the table up)
 *   a blkfront queue's lock (drivers/xen/blkfront*.c: its ring, slots and
 *                 page pool; several in queue order; grants and frees
 *                 pages under it)
 *   gt_lock       (drivers/xen/grant_table.c: free list, states, deferred
 *                 list; grows the table, which on PVH tells the balloon)
 *   balloon_lock  (drivers/xen/balloon.c: counts, target, worker flags)
 *   blkdev_lock   (kernel/blkdev.c: the device list)
 *   a request's lock (kernel/blkdev.c's synchronous requests, the bench's;
 *                 the waiter is woken under it)
 *   evtchn_lock   (drivers/xen/events.c: the binding table; taken in
 *                 every event upcall, no other lock inside it)
 *   a wait queue's lock (kernel/sched.c, and the run queues' below it)
 *   heap_lock     (mm/mm.c: kmalloc, kfree; grows the heap from frames)
 *   frames_lock   (mm/mm.c: the frame allocator)
 *   log_lock      (kernel/printk.c: printk may be called holding any lock)
 * Every one is taken with interrupts off (spin_lock_irqsave), since
 * interrupt handlers take them too.
 */
#ifndef AMPHI_SPINLOCK_H
#define AMPHI_SPINLOCK_H
#include <amphi/types.h>
#include <asm/paravirt.h>

struct spinlock {
	volatile uint8_t locked;
};

#define SPINLOCK_INIT {0}

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(l->locked))
			cpu_relax();
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(struct spinlock *l)
{
	PV_CS_VOID1(lock.spin_unlock, NATIVE_SPIN_UNLOCK, l);
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = local_irq_save();
	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}

#endif
