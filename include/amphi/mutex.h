/*
 * A sleeping lock for thread context (kernel/mutex.c): what a thread holds
 * while it may block (a xenstore round trip, a device's setup), where a
 * spinlock would keep a CPU spinning.  Built on a spinlock and a wait
 * queue; the holder is recorded, so an unlock by another thread or a
 * second lock by the holder is a clear panic, not a silent hang.
 */
#ifndef AMPHI_MUTEX_H
#define AMPHI_MUTEX_H
#include <amphi/sched.h>
#include <amphi/spinlock.h>

struct mutex {
	struct spinlock lock;
	struct thread *owner;
	struct wait_queue wq;
};

#define MUTEX_INIT                                                                                 \
	{                                                                                          \
		SPINLOCK_INIT, NULL, WAIT_QUEUE_INIT                                               \
	}

/* Thread context only (not from interrupts or the idle thread). */
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);

#endif
