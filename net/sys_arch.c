/*
 * lwIP's operating-system layer on the Amphi scheduler: semaphores,
 * mailboxes, threads, the clock, SYS_ARCH_PROTECT, and the few services
 * lwIP expects from a C library (allocation, random numbers, assertions).
 *
 * lwIP's threads, the threads calling its netconn API and drivers'
 * receive threads run on any CPU, so each semaphore and mailbox has its
 * own spinlock, and a thread waits for one with wait_event, which queues
 * it before it tests, so a post from another CPU is never missed.  The
 * wake-up is made before the lock is released, and freeing takes the lock
 * once: a waiter that sees the count or the message (and may then free
 * the netconn holding them) cannot free them under a waker still at work.
 *
 * SYS_ARCH_PROTECT guards lwIP's short critical sections (its pools,
 * pbuf reference counts, the loopback queue).  lwIP may nest it, so it is
 * one lock taken recursively: held by one CPU, with a depth, interrupts
 * off throughout so that nothing preempts its holder.
 */
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#include "lwip/opt.h"
#include "lwip/sys.h"

static uint64_t deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? time_now_ns() + timeout_ms * NSEC_PER_MSEC : 0;
}

/* What lwIP wants back from a wait that did not time out: the ms waited. */
static u32_t waited_ms(uint64_t start)
{
	return (u32_t)((time_now_ns() - start) / NSEC_PER_MSEC);
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(time_now_ns() / NSEC_PER_MSEC);
}

/* --- SYS_ARCH_PROTECT ------------------------------------------------ */

static struct {
	struct spinlock lock;
	int owner;	/* the CPU holding it, -1 for none */
	unsigned depth; /* how deeply that CPU has nested it */
} protect = {SPINLOCK_INIT, -1, 0};

sys_prot_t sys_arch_protect(void)
{
	unsigned long flags = local_irq_save();
	int me = (int)smp_processor_id();

	/* Only this CPU ever writes its own id here, so a stale read can
	 * only be another CPU's or -1: either way, not ours. */
	if (READ_ONCE(protect.owner) != me) {
		spin_lock(&protect.lock);
		WRITE_ONCE(protect.owner, me);
	}
	protect.depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (READ_ONCE(protect.owner) != (int)smp_processor_id() || !protect.depth)
		panic("lwip: SYS_ARCH_UNPROTECT on CPU %u, which does not hold it",
		      smp_processor_id());
	if (!--protect.depth) {
		WRITE_ONCE(protect.owner, -1);
		spin_unlock(&protect.lock);
	}
	local_irq_restore(flags);
}

/* --- semaphores ------------------------------------------------------ */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	sem->lock = (struct spinlock)SPINLOCK_INIT;
	sem->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	sem->count = count;
	sem->valid = true;
	return ERR_OK;
}

/* A signaller may still be inside the lock: wait for it to be done. */
void sys_sem_free(sys_sem_t *sem)
{
	unsigned long flags = spin_lock_irqsave(&sem->lock);

	sem->valid = false;
	spin_unlock_irqrestore(&sem->lock, flags);
}

void sys_sem_signal(sys_sem_t *sem)
{
	unsigned long flags = spin_lock_irqsave(&sem->lock);

	sem->count++;
	wq_wake_one(&sem->wq);
	spin_unlock_irqrestore(&sem->lock, flags);
}

static bool sem_trytake(sys_sem_t *sem)
{
	unsigned long flags = spin_lock_irqsave(&sem->lock);
	bool taken = sem->count > 0;

	if (taken)
		sem->count--;
	spin_unlock_irqrestore(&sem->lock, flags);
	return taken;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
	uint64_t start = time_now_ns();

	if (!wait_event_deadline(&sem->wq, sem_trytake(sem), deadline_of(timeout_ms)))
		return SYS_ARCH_TIMEOUT;
	return waited_ms(start);
}

/* --- mailboxes: a ring of pointers ----------------------------------- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	memset(mbox, 0, sizeof(*mbox));
	mbox->lock = (struct spinlock)SPINLOCK_INIT;
	mbox->readers = (struct wait_queue)WAIT_QUEUE_INIT;
	mbox->writers = (struct wait_queue)WAIT_QUEUE_INIT;
	if (size <= 0)
		size = 16;
	mbox->slot = kmalloc((size_t)size * sizeof(void *));
	if (!mbox->slot)
		return ERR_MEM;
	mbox->size = (unsigned)size;
	mbox->valid = true;
	return ERR_OK;
}

/* lwIP frees a mailbox only once nobody uses it; one still holding
 * messages is its bug, reported rather than ignored.  The lock is taken
 * once so that a poster still waking a reader is done with it. */
void sys_mbox_free(sys_mbox_t *mbox)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);
	unsigned left = mbox->count;
	void **slot = mbox->slot;

	mbox->slot = NULL;
	mbox->valid = false;
	spin_unlock_irqrestore(&mbox->lock, flags);
	if (left)
		pr_warn("lwip: mailbox freed with %u messages in it\n", left);
	kfree(slot);
}

static bool mbox_tryput(sys_mbox_t *mbox, void *msg)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);
	bool room = mbox->count < mbox->size;

	if (room) {
		mbox->slot[(mbox->head + mbox->count) % mbox->size] = msg;
		mbox->count++;
		wq_wake_one(&mbox->readers);
	}
	spin_unlock_irqrestore(&mbox->lock, flags);
	return room;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	wait_event(&mbox->writers, mbox_tryput(mbox, msg));
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	return mbox_tryput(mbox, msg) ? ERR_OK : ERR_MEM;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

static bool mbox_tryget(sys_mbox_t *mbox, void **msg)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);
	bool got = mbox->count > 0;

	if (got) {
		void *m = mbox->slot[mbox->head];

		mbox->head = (mbox->head + 1) % mbox->size;
		mbox->count--;
		if (msg)
			*msg = m;
		wq_wake_one(&mbox->writers);
	}
	spin_unlock_irqrestore(&mbox->lock, flags);
	return got;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms)
{
	uint64_t start = time_now_ns();

	if (!wait_event_deadline(&mbox->readers, mbox_tryget(mbox, msg), deadline_of(timeout_ms)))
		return SYS_ARCH_TIMEOUT;
	return waited_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	return mbox_tryget(mbox, msg) ? 0 : SYS_MBOX_EMPTY;
}

/* --- threads --------------------------------------------------------- */

/* lwIP's threads (tcpip, the UDP echo service) may run on any CPU.  lwIP
 * cannot handle a failure here (its documentation says a port must not
 * fail), and a stack without its thread is no stack at all. */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct thread *t = thread_create_on(name, fn, arg, CPUMASK_ALL);

	if (!t)
		panic("lwip: cannot create thread %s: out of memory", name);
	return t;
}

/* --- what a C library would give lwIP -------------------------------- */

void *lwip_port_malloc(size_t size)
{
	return kmalloc(size);
}

void *lwip_port_calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	p = kmalloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void lwip_port_free(void *p)
{
	kfree(p);
}

/* TCP initial sequence numbers and local ports: xorshift64, seeded from
 * the clock on first use so that two boots do not repeat each other's
 * connections.  Not cryptographic, and not meant to be. */
uint32_t lwip_port_rand(void)
{
	static struct spinlock rand_lock = SPINLOCK_INIT;
	static uint64_t state;
	unsigned long flags = spin_lock_irqsave(&rand_lock);
	uint64_t x = state;

	if (!x)
		x = time_now_ns() ^ 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	state = x;
	spin_unlock_irqrestore(&rand_lock, flags);
	return (uint32_t)(x >> 32);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}
