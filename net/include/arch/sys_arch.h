/*
 * lwIP's operating-system types on the Amphi scheduler (net/sys_arch.c).
 *
 * Semaphores and mailboxes are counters and rings guarded by disabling
 * interrupts, which on our one CPU is the scheduler's own locking; threads
 * block on kernel wait queues.  They are plain structs, since lwIP embeds
 * them by value in its own (netconns hold their semaphores and mailboxes).
 */
#ifndef AMPHI_LWIP_ARCH_SYS_ARCH_H
#define AMPHI_LWIP_ARCH_SYS_ARCH_H
#include <amphi/sched.h>

struct sys_sem {
	struct wait_queue wq;
	unsigned count;
	bool valid;
};
typedef struct sys_sem sys_sem_t;

struct sys_mbox {
	void **slot;
	unsigned size, head, count;
	struct wait_queue readers, writers;
	bool valid;
};
typedef struct sys_mbox sys_mbox_t;

typedef struct thread *sys_thread_t;
/* The saved interrupt flag of SYS_ARCH_PROTECT. */
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = false)
#define sys_mbox_valid(m) ((m)->valid)
#define sys_mbox_set_invalid(m) ((m)->valid = false)
#endif
