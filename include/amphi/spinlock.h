/*
 * Spinlocks: a byte, taken with an atomic exchange.  The unlock is a
 * paravirt op (natively patched inline to `movb $0,(%rdi)`), where Xen's
 * PV spinlocks will kick a waiting vCPU.
 *
 * The lock order, the one place it is written down: a lock is only ever
 * taken while holding locks above it in this list, never below.  The
 * sleeping locks come first: none is taken under a spinlock.
 *   netdev_mutex  (kernel/netdev.c, a mutex: devices coming and going;
 *                 the stack's listener takes lwIP's core lock under it)
 *   lwIP's core lock (LOCK_TCPIP_CORE, a sys_sem of net/sys_arch.c:
 *                 sleeps; a netfront queue's lock and the ones below are
 *                 taken under it)
 *   netfront q->lock (drivers/xen/netfront*.c: a queue's tx ring; the
 *                 grant table's lock and the allocators' under it)
 *   lwIP sem and mbox locks, netfront rx_lock (net/sys_arch.c,
 *                 drivers/xen/netfront.c: a wait queue's lock, and the
 *                 run-queue locks, are taken under them to wake a waiter)
 *   lwip protect  (net/sys_arch.c: SYS_ARCH_PROTECT, recursive on its
 *                 CPU) and lwIP's rand_lock: nothing but printk under them
 *   heap_lock     (mm/mm.c: kmalloc, kfree; grows the heap from frames)
 *   frames_lock   (mm/mm.c: the frame allocator)
 *   log_lock      (kernel/printk.c: printk may be called holding any lock)
 * Every spinlock is taken with interrupts off (spin_lock_irqsave), since
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
