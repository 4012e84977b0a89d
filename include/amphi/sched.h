/*
 * Kernel threads and the scheduler (kernel/sched.c): round-robin over the
 * runnable threads, preemptive (the timer tick asks for a switch, taken at
 * irq_exit), with sleeping, wait queues and an idle thread that halts
 * through the safe_halt paravirt op (SCHEDOP_block on Xen).
 *
 * Every CPU runs its own queue; threads move between CPUs within the set
 * each may use (see kernel/sched.c for how).
 */
#ifndef AMPHI_SCHED_H
#define AMPHI_SCHED_H
#include <amphi/cpu.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>
#include <amphi/types.h>

enum thread_state {
	THREAD_RUNNABLE, /* running, or on the run queue */
	THREAD_SLEEPING, /* in sleep_ns(), until its timer fires */
	THREAD_WAITING,	 /* on a wait queue, until wq_wake_*() */
	THREAD_DEAD,	 /* exited; its stack is freed later by another thread */
};

struct thread;

/* The boot context becomes the thread "main"; the idle thread is made. */
void sched_init(void);
/* On the boot CPU, before CPU `id` starts: its idle thread ("idle/N").
 * Returns the stack pointer that CPU may use until sched_start_cpu (on
 * the idle thread's stack, below what it will use), or 0 without memory. */
uintptr_t sched_prepare_cpu(unsigned int id);
/* On that CPU, interrupts off, its own state set up: becomes its idle
 * thread, which enables interrupts; never returns. */
void sched_start_cpu(void) __noreturn;
/* In the idle thread of a CPU going offline, interrupts off: hands its
 * threads, timers and calls to online CPUs and stops it through the
 * platform; returns if the platform resumes it in place when it comes
 * back (Xen), with the CPU online again. */
void sched_cpu_die(void);
/* A new runnable thread; NULL when out of memory.  The name is copied
 * (up to 15 characters).  fn runs with interrupts on; when it returns the
 * thread exits.  The pointer must not be used once the thread may have
 * exited: its memory is reclaimed. */
struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg);
/* The same, on any of the CPUs in `allowed` (thread_create: the caller's
 * own).  NULL when none of them is online. */
struct thread *thread_create_on(const char *name, void (*fn)(void *arg), void *arg,
				cpumask_t allowed);
void thread_exit(void) __noreturn;
struct thread *thread_current(void);
/* The running thread now runs `p` in user mode (NULL: no more): each
 * switch to it loads p's address space and user state
 * (process_switch). */
struct process;
void thread_set_process(struct process *p);
/* For a signal to t's process: wakes t if it waits on a queue, or sends
 * an IPI to the CPU it runs on (kernel/signal.c's signal_send). */
void thread_kick(struct thread *t);
struct process *thread_process_of(const struct thread *t);
/* The top of the running thread's kernel stack, where user mode's entries
 * build their frames. */
uintptr_t thread_stack_top(void);
const char *thread_name(const struct thread *t);
/* The CPU it runs or waits on, and how often it moved to another. */
unsigned int thread_cpu(const struct thread *t);
uint64_t thread_migrations(const struct thread *t);
/* Threads that have not exited, idle and main included. */
unsigned int sched_nr_threads(void);
/* For the load average (kernel/time_load.c): the threads running or
 * queued to run, and those that have not exited, idle threads left out
 * of both.  Any context. */
void sched_load_counts(unsigned int *runnable, unsigned int *live);
/* Of them, those called `name`. */
unsigned int sched_nr_threads_named(const char *name);

/* Give up the CPU to the next runnable thread, if any.  Callable with
 * interrupts on or off; returns with them as they were. */
void schedule(void);
void yield(void);
/* Sleeps at least ns nanoseconds of sched_clock(); not from interrupts. */
void sleep_ns(uint64_t ns);

/* From the timer tick, interrupts off: accounts the running thread's time
 * slice. */
void sched_tick(void);
/* This CPU's context switches since boot, and how many of them were
 * preemptions taken at irq_exit. */
#define context_switches (this_cpu()->nr_switches)
#define preemptions (this_cpu()->nr_preemptions)

/* For tests and reports: how long the idle thread has run, in ns, and
 * how often it was switched to. */
uint64_t sched_idle_ns(void);
uint64_t sched_cpu_idle_ns(unsigned int id);
/* The name of the thread running on CPU `id` now. */
void sched_cpu_current_name(unsigned int id, char *buf, size_t len);
/* Prints every thread: its CPU, state, switches, run time and stack. */
void sched_show_threads(void);
uint64_t sched_idle_switches(void);

/* Wait queues, the one way a thread waits for something to happen:
 *
 *	wait_event(&wq, cond);
 *
 * returns once cond holds, sleeping on wq until a waker, having made cond
 * true, calls wq_wake_one() or wq_wake_all() (safe from interrupt
 * handlers and from other CPUs).  Callable with interrupts on or off; the
 * thread is on the queue before it tests cond, so no wake-up is lost
 * between the test and the sleep.  wq_wait() is one sleep of that loop,
 * for callers that test their condition themselves in the same way. */
struct wait_queue {
	struct spinlock lock;
	struct thread *head;
};
#define WAIT_QUEUE_INIT                                                                            \
	{                                                                                          \
		SPINLOCK_INIT, NULL                                                                \
	}
void wq_prepare(struct wait_queue *wq);
void wq_finish(struct wait_queue *wq);
void wq_wait(struct wait_queue *wq);
void wq_wake_one(struct wait_queue *wq);
void wq_wake_all(struct wait_queue *wq);
#define wait_event(wq, cond)                                                                       \
	do {                                                                                       \
		for (;;) {                                                                         \
			wq_prepare(wq);                                                            \
			if (cond)                                                                  \
				break;                                                             \
			schedule();                                                                \
		}                                                                                  \
		wq_finish(wq);                                                                     \
	} while (0)

/* wait_event with a deadline (sched_clock ns; 0 for none): true when
 * cond held, false when the deadline passed first. */
#define wait_event_deadline(wq, cond, deadline_ns)                                                 \
	({                                                                                         \
		struct wq_deadline __d = {0};                                                      \
		uint64_t __dl = (deadline_ns);                                                     \
		bool __ok;                                                                         \
		if (__dl)                                                                          \
			wq_deadline_start(&__d, (wq), __dl);                                       \
		for (;;) {                                                                         \
			wq_prepare(wq);                                                            \
			if ((__ok = (cond)) || __d.expired)                                        \
				break;                                                             \
			schedule();                                                                \
		}                                                                                  \
		wq_finish(wq);                                                                     \
		if (__dl)                                                                          \
			wq_deadline_stop(&__d);                                                    \
		__ok;                                                                              \
	})

/* A deadline for a wait on a queue: once it passes, `expired` is set and
 * the queue woken, so the waiter's loop can give up.  Start it before the
 * loop and stop it after; stopping one that fired is harmless. */
struct wq_deadline {
	struct timer timer;
	struct wait_queue *wq;
	volatile bool expired;
};
void wq_deadline_start(struct wq_deadline *d, struct wait_queue *wq, uint64_t deadline_ns);
void wq_deadline_stop(struct wq_deadline *d);

#endif
