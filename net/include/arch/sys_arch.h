/*
 * lwIP's operating-system types on the Amphi scheduler (net/sys_arch.c).
 *
 * Semaphores and mailboxes are counters and rings, each under its own
 * spinlock, since lwIP's threads, the threads using its netconn API and a
 * driver's receive thread may run on different CPUs at once; threads block
 * on kernel wait queues.  They are plain structs, since lwIP embeds them by
 * value in its own (netconns hold their semaphores and mailboxes).
 */
#ifndef AMPHI_LWIP_ARCH_SYS_ARCH_H
#define AMPHI_LWIP_ARCH_SYS_ARCH_H
#include <amphi/sched.h>
#include <amphi/spinlock.h>

struct sys_sem {
	struct spinlock lock; /* count, and the wake-up that goes with it */
	struct wait_queue wq;
	unsigned count;
	bool valid;
};
typedef struct sys_sem sys_sem_t;

struct sys_mbox {
	struct spinlock lock; /* the ring, and the wake-ups that go with it */
	void **slot;
	unsigned size, head, count;
	struct wait_queue readers, writers;
	bool valid;
};
typedef struct sys_mbox sys_mbox_t;

typedef struct thread *sys_thread_t;
/* The interrupt flag SYS_ARCH_PROTECT saved, to restore on the way out. */
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = false)
#define sys_mbox_valid(m) ((m)->valid)
#define sys_mbox_set_invalid(m) ((m)->valid = false)
#endif
