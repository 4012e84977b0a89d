/*
 * Sleeping locks (include/amphi/mutex.h).  A waiter sleeps on the mutex's
 * wait queue with wait_event until it takes the lock; an unlock wakes one
 * waiter, which tries again (another thread may have taken it first: the
 * lock is not handed over, which keeps the unlock short).
 */
#include <amphi/mutex.h>
#include <amphi/printk.h>

bool mutex_trylock(struct mutex *m)
{
	struct thread *me = thread_current();
	unsigned long flags = spin_lock_irqsave(&m->lock);
	bool taken = !m->owner;

	if (m->owner == me)
		panic("mutex: %s locks a mutex it already holds", thread_name(me));
	if (taken)
		m->owner = me;
	spin_unlock_irqrestore(&m->lock, flags);
	return taken;
}

void mutex_lock(struct mutex *m)
{
	wait_event(&m->wq, mutex_trylock(m));
}

void mutex_unlock(struct mutex *m)
{
	struct thread *me = thread_current();
	unsigned long flags = spin_lock_irqsave(&m->lock);

	if (m->owner != me)
		panic("mutex: %s unlocks a mutex held by %s", thread_name(me),
		      m->owner ? thread_name(m->owner) : "nobody");
	m->owner = NULL;
	spin_unlock_irqrestore(&m->lock, flags);
	wq_wake_one(&m->wq);
}

bool mutex_held(const struct mutex *m)
{
	return READ_ONCE(m->owner) == thread_current();
}
