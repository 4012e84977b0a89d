/*
 * lwIP's operating-system layer on the Amphi scheduler: semaphores,
 * mailboxes, threads, the clock, SYS_ARCH_PROTECT, and the few services
 * lwIP expects from a C library (allocation, random numbers, assertions).
 *
 * Everything here is guarded by disabling interrupts, as the scheduler is:
 * one CPU, and a wake-up may come from a timer interrupt.  A bounded wait
 * puts a timer on its own stack whose handler wakes the whole wait queue;
 * the other waiters just find their condition still false and wait again,
 * which keeps the wait queues themselves free of timeouts.
 */
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <asm/paravirt.h>

#include "lwip/opt.h"
#include "lwip/sys.h"

/* Interrupts off.  Sleeps on wq once; false when `deadline` (sched_clock
 * ns, 0 for none) has already passed, so the caller should give up. */
static bool wait_until(struct wait_queue *wq, uint64_t deadline)
{
	struct wq_deadline d;

	if (!deadline) {
		wq_wait(wq);
		return true;
	}
	if (time_now_ns() >= deadline)
		return false;
	wq_deadline_start(&d, wq, deadline);
	wq_wait(wq);
	wq_deadline_stop(&d);
	return true;
}

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

sys_prot_t sys_arch_protect(void)
{
	return local_irq_save();
}

void sys_arch_unprotect(sys_prot_t flags)
{
	local_irq_restore(flags);
}

/* --- semaphores ------------------------------------------------------ */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	sem->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	sem->count = count;
	sem->valid = true;
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
	sem->valid = false;
}

void sys_sem_signal(sys_sem_t *sem)
{
	unsigned long flags = local_irq_save();

	sem->count++;
	wq_wake_one(&sem->wq);
	local_irq_restore(flags);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
	uint64_t start = time_now_ns(), deadline = deadline_of(timeout_ms);
	unsigned long flags = local_irq_save();

	while (!sem->count) {
		if (!wait_until(&sem->wq, deadline)) {
			local_irq_restore(flags);
			return SYS_ARCH_TIMEOUT;
		}
	}
	sem->count--;
	local_irq_restore(flags);
	return waited_ms(start);
}

/* --- mailboxes: a ring of pointers ----------------------------------- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	memset(mbox, 0, sizeof(*mbox));
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
 * messages is its bug, reported rather than ignored. */
void sys_mbox_free(sys_mbox_t *mbox)
{
	if (mbox->count)
		pr_warn("lwip: mailbox freed with %u messages in it\n", mbox->count);
	kfree(mbox->slot);
	mbox->slot = NULL;
	mbox->valid = false;
}

/* Interrupts off, room known. */
static void mbox_put(sys_mbox_t *mbox, void *msg)
{
	mbox->slot[(mbox->head + mbox->count) % mbox->size] = msg;
	mbox->count++;
	wq_wake_one(&mbox->readers);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	unsigned long flags = local_irq_save();

	while (mbox->count == mbox->size)
		wq_wait(&mbox->writers);
	mbox_put(mbox, msg);
	local_irq_restore(flags);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	unsigned long flags = local_irq_save();
	err_t rc = ERR_MEM;

	if (mbox->count < mbox->size) {
		mbox_put(mbox, msg);
		rc = ERR_OK;
	}
	local_irq_restore(flags);
	return rc;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

/* Interrupts off, a message known to be there. */
static void mbox_get(sys_mbox_t *mbox, void **msg)
{
	void *m = mbox->slot[mbox->head];

	mbox->head = (mbox->head + 1) % mbox->size;
	mbox->count--;
	if (msg)
		*msg = m;
	wq_wake_one(&mbox->writers);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms)
{
	uint64_t start = time_now_ns(), deadline = deadline_of(timeout_ms);
	unsigned long flags = local_irq_save();

	while (!mbox->count) {
		if (!wait_until(&mbox->readers, deadline)) {
			local_irq_restore(flags);
			return SYS_ARCH_TIMEOUT;
		}
	}
	mbox_get(mbox, msg);
	local_irq_restore(flags);
	return waited_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	unsigned long flags = local_irq_save();
	u32_t rc = SYS_MBOX_EMPTY;

	if (mbox->count) {
		mbox_get(mbox, msg);
		rc = 0;
	}
	local_irq_restore(flags);
	return rc;
}

/* --- threads --------------------------------------------------------- */

/* lwIP cannot handle a failure here (its documentation says a port must
 * not fail), and a stack without its thread is no stack at all. */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct thread *t = thread_create(name, fn, arg);

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
	static uint64_t state;
	unsigned long flags = local_irq_save();
	uint64_t x = state;

	if (!x)
		x = time_now_ns() ^ 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	state = x;
	local_irq_restore(flags);
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
