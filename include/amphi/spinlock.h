/*
 * Spinlocks: fair ticket locks (the arithmetic in amphi/ticket.h), whose
 * waiters are served in the order they came.
 *
 * The fast path is the same on every platform and costs what the old
 * test-and-set byte did: spin_lock is `lock xadd` of a ticket and one byte
 * compare, spin_unlock one instruction.  The unlock is a paravirt op,
 * patched inline natively to `addb $2, (%rdi)` (the head moves to the next
 * ticket).  A locker that finds the lock held goes out of line
 * (spin_lock_slow, arch/x86/spinlock.c): it spins, and every SPIN_THRESHOLD
 * turns calls the lock_spinning op, in the manner of Linux's PV ticket
 * locks.  Natively that op is a no-op, its site patched to a NOP: plain
 * spinning.  On Xen (arch/x86/xen/spinlock.c) it records the lock and
 * ticket it waits for, sets the lock's TICKET_SLOWPATH flag and blocks in
 * SCHEDOP_poll on its vCPU's kick port, and the unlock op becomes one that
 * checks the flag and, when set, calls unlock_kick for the waiter next in
 * line.  `nopvspin` on the command line keeps plain spinning on Xen.
 *
 * The lock order, the one place it is written down: a lock is only ever
 * taken while holding locks above it in this list, never below.  The
 * sleeping locks (struct mutex, amphi/mutex.h) come first: a thread may
 * take a spinlock holding one, never the other way round.
 *   hotplug_lock    (mutex, kernel/smp_hotplug.c: one CPU going offline or
 *                    coming back at a time)
 *   fs_mutex        (mutex, fs/fs_glue.c: the file system's namespace and
 *                    data; page allocations and kmalloc under it)
 *   bus->lock       (mutex, drivers/xen/xenbus/xenbus.c: a bus's devices;
 *                    held across probes, removes and store requests)
 *   balloon_batch_lock (mutex, drivers/xen/balloon.c: one batch of frames
 *                    moved; held by a suspend across its hypercall)
 *   xs_req_lock     (mutex, xenbus/xs.c: the xenstore request ring; held
 *                    while waiting for room in it)
 *   input_bind_lock (mutex, drivers/xen/console_ring.c: hvc0's port bound
 *                    once)
 *   netdev_mutex    (mutex, kernel/netdev.c: devices coming and going; the
 *                    stack's listener takes lwIP's core lock under it)
 *   gt_init_mutex   (mutex, drivers/xen/grant_table.c: setting the table up)
 *   vm->lock        (mutex, mm/vm.c: a process's regions and user page
 *                    tables; the frames, the heap and a TLB shootdown's
 *                    call under it.  A page fault on user memory takes
 *                    it, so copy_from_user and friends are called
 *                    holding no lock at all)
 *   lwIP's core lock (LOCK_TCPIP_CORE, a sys_sem of net/sys_arch.c: sleeps;
 *                    a netfront queue's lock and the ones below under it)
 *   netfront q->lock (drivers/xen/netfront*.c: a queue's tx ring; the grant
 *                    table's lock and the allocators' under it)
 *   a blkfront device's held_lock (drivers/xen/blkfront*.c: requests
 *                    waiting aside while a restored domain reconnects;
 *                    the queues' locks under it)
 *   a blkfront queue's lock (drivers/xen/blkfront*.c: its ring, slots and
 *                    page pool; several in queue order; grants and frees
 *                    pages under it)
 *   gt_lock         (drivers/xen/grant_table.c: free list, states, deferred
 *                    list; grows the table, which on PVH tells the balloon)
 *   balloon_lock    (drivers/xen/balloon.c: counts, target, worker flags)
 *   lwIP sem and mbox locks, netfront rx_lock (net/sys_arch.c,
 *                    drivers/xen/netfront.c: a wait queue's lock, and the
 *                    run-queue locks, are taken under them to wake a waiter)
 *   lwip protect    (net/sys_arch.c: SYS_ARCH_PROTECT, recursive on its CPU)
 *                    and lwIP's rand_lock: nothing but printk under them
 *   xen_suspend_run.lock (arch/x86/xen/suspend.c: the suspend thread's
 *                    result; its waiter is woken under it)
 *   xs_lock         (xenbus/xs.c: pending requests, request ids; a reply's
 *                    waiter is woken under it, so the wait queues' and run
 *                    queues' locks come after it)
 *   xs_watch_lock   (xenbus/xs_watch.c: watches, queued events)
 *   ring_in_lock    (console_ring.c: the hvc0 ring's input side)
 *   console_io_lock (drivers/xen/console_io.c: dom0's hvc0 input)
 *   blkdev_lock     (kernel/blkdev.c: the device list)
 *   a request's lock (kernel/blkdev.c's synchronous requests, the bench's:
 *                    the waiter is woken under it)
 *   evtchn_lock     (drivers/xen/events.c: the binding table; taken in
 *                    every event upcall, no other lock inside it)
 *   a wait queue's lock (kernel/sched.c: waking a thread takes the run-queue
 *                    lock of its CPU under it)
 *   rq_lock         (struct cpu, kernel/sched.c: a CPU's run queue; held
 *                    across a switch.  Another CPU's is only tried under it,
 *                    when stealing, or taken by a CPU going offline, one at
 *                    a time under hotplug_lock)
 *   timer_lock      (struct cpu, kernel/timer.c: a CPU's timers; two only
 *                    when a CPU going offline hands its timers on, in CPU
 *                    order; timer functions run without it)
 *   pgtable_lock    (arch/x86/mm/pgtable.c: the kernel's page tables; a
 *                    walk and the tables it allocates.  The TLB shootdown
 *                    after a change is made once it is released)
 *   call_lock, threads_lock, a mutex's own lock (kernel/smp_call.c,
 *                    kernel/sched.c, kernel/mutex.c): only printk under them
 *   p2m_lock        (arch/x86/xen/mmu_pv.c: Xen PV's P2M list, changed by
 *                    the balloon and grown; nothing under it, and readers
 *                    go without it)
 *   heap_lock       (mm/mm.c: kmalloc, kfree; grows the heap from frames)
 *   frames_lock     (mm/mm.c: the frame allocator)
 *   log_lock        (kernel/printk.c: printk may be called holding any lock)
 *   console_lock    (kernel/console.c: one console writer at a time;
 *                    printk writes holding log_lock)
 * Every spinlock is taken with interrupts off (spin_lock_irqsave), since
 * interrupt handlers take them too, and so that a thread holding one is
 * never preempted while other CPUs spin for it.  The slow path may not
 * printk: it may be waiting for log_lock itself.
 */
#ifndef AMPHI_SPINLOCK_H
#define AMPHI_SPINLOCK_H
#include <amphi/ticket.h>
#include <amphi/types.h>
#include <asm/paravirt.h>

struct spinlock {
	union {
		volatile uint16_t head_tail;
		struct {
			volatile uint8_t head; /* the ticket being served */
			volatile uint8_t tail; /* the next ticket, and TICKET_SLOWPATH */
		};
	};
};

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* A locker's turns of spinning between two calls of lock_spinning (Linux's
 * SPIN_THRESHOLD). */
#define SPIN_THRESHOLD (1u << 15)

/* The wait of a locker that found the lock held; `old` is the word its
 * xadd found (arch/x86/spinlock.c).  Reached through a thunk that saves
 * every register, so that the fast path around it keeps its registers
 * (the uncontended lock and unlock stay five instructions). */
void spin_lock_slow(struct spinlock *l, unsigned long old);

static inline void spin_lock(struct spinlock *l)
{
	uint16_t t = TICKET_INC << TICKET_TAIL_SHIFT;
	bool held;

	/* The ticket is the old tail (%ah), served when it equals the old
	 * head (%al): ticket_take and ticket_fast in two instructions. */
	__asm__ __volatile__("lock xaddw %w[t], %[w]\n\tcmpb %h[t], %b[t]"
			     : [t] "+Q"(t), [w] "+m"(l->head_tail), "=@ccne"(held)
			     :
			     : "memory");
	if (__builtin_expect(held, 0))
		__asm__ __volatile__("call spin_lock_slow_thunk"
				     :
				     : "D"(l), "S"((unsigned long)t)
				     : "memory", "cc");
}

static inline bool spin_trylock(struct spinlock *l)
{
	uint16_t old = l->head_tail;

	return ticket_free(old) &&
	       __atomic_compare_exchange_n(&l->head_tail, &old, ticket_take(old), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
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

/* What each CPU's slow path did, for the `spinlock` command and the
 * selftest.  Each CPU writes only its own. */
struct spinlock_stats {
	uint64_t slow;	/* locks that found the lock held and waited */
	uint64_t polls; /* waits that blocked until kicked (Xen: SCHEDOP_poll) */
	uint64_t kicks; /* kicks sent to a blocked waiter on being handed the lock */
	uint64_t lost;	/* blocked waits that timed out with the lock handed over */
} __aligned(64);
extern struct spinlock_stats spinlock_stats[]; /* NR_CPUS of them */
/* The sum over every CPU. */
void spinlock_stats_total(struct spinlock_stats *sum);

/* For a platform, before the call sites are patched: its lock_spinning and
 * unlock_kick ops, the unlock that calls the kick, and how the boot log
 * names them.  Without it the slow path is plain spinning. */
void spinlock_pv_init(void (*lock_spinning)(struct spinlock *l, unsigned int want),
		      void (*unlock_kick)(struct spinlock *l, unsigned int next), const char *name);
/* How the boot log names the slow path, when it is plain spinning. */
void spinlock_describe(const char *name);
/* A waiter may block (a platform installed its slow path). */
bool spinlock_can_block(void);
/* For the lock-holder preemption bench: while on, waiters only spin, as
 * with nopvspin (the unlock stays the platform's). */
void spinlock_set_spin_only(bool on);
/* The boot-log line "spinlock: ticket, <slow path>". */
void spinlock_report(void);

/* For a platform's lock_spinning: flags the lock so that unlocks look for
 * a waiter to kick.  A full barrier. */
static inline void spin_set_slowpath(struct spinlock *l)
{
	__atomic_fetch_or(&l->tail, TICKET_SLOWPATH, __ATOMIC_SEQ_CST);
}

#endif
