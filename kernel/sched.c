/*
 * The scheduler: kernel threads on every CPU, round-robin on each.
 *
 * Each CPU has its own run queue (in its struct cpu) under its own
 * rq_lock; a thread belongs to one CPU at a time (t->cpu), and its state
 * and queue place are guarded by that CPU's lock.  A thread gives way in
 * three ways: it blocks (sleep_ns, wait_event, thread_exit), it yields, or
 * the timer tick finds its slice used up and sets need_resched, which the
 * interrupt path honours in irq_exit() by switching from inside the
 * interrupt; the preempted thread later resumes there.
 *
 * The run-queue lock is held across the switch itself and released by
 * the thread switched to (after switch_stacks, or first thing in
 * thread_entry), so another CPU that takes the lock always finds a queued
 * thread's registers saved: a switched-out thread can be stolen, or woken
 * onto another CPU, the moment the lock is free.
 *
 * Threads move between CPUs in two ways, both within the CPUs a thread is
 * allowed on (its affinity): a waking thread goes to an idle CPU when its
 * own is busy, and a CPU with nothing to run steals a queued thread from
 * another (kicked by a reschedule IPI from a CPU whose queue is waiting).
 * A thread made with thread_create stays on the CPU that made it: most of
 * the kernel still guards its data by turning interrupts off, which only
 * holds on one CPU; thread_create_on names the CPUs a thread may use.
 *
 * The idle thread is never on the run queue: it runs when the queue is
 * empty, and halts with safe_halt(), which enables interrupts and waits in
 * one step so that a wake-up arriving in between cannot be lost.
 *
 * A thread cannot free the stack it runs on, so an exiting thread goes on
 * its CPU's dead list, and its memory is reclaimed later in thread context
 * on that CPU (by thread_create and by the idle thread), never from an
 * interrupt, because the heap is not an interrupt-safe allocator.
 */
#include <amphi/sched.h>
#include <amphi/cpu.h>
#include <amphi/irq.h>
#include <amphi/mutex.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/process.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>

#define STACK_SIZE (16 * 1024)
/* The last word of every thread stack; a switch checks it to turn a stack
 * overflow into a clear panic rather than silent corruption. */
#define STACK_CANARY 0x5ac4ca7a5ac4ca7aULL
/* What an unused stack word holds, so that ps can show how deep each
 * stack has been (its high-water mark). */
#define STACK_FILL 0x57ac57ac57ac57acULL
#define BOOT_STACK_SIZE 32768 /* arch/x86/boot/head32.S */
#define SLICE_NSEC TICK_NSEC

struct thread {
	char name[16];
	enum thread_state state;
	unsigned int id;
	unsigned int cpu;	 /* the CPU it runs or is queued on */
	cpumask_t allowed;	 /* the CPUs it may run on */
	uint64_t sp;		 /* saved by switch_stacks while switched out */
	uint64_t *stack;	 /* its lowest word is the canary; NULL for main */
	uintptr_t stack_top;	 /* for load_sp0 */
	uint64_t *stack_low;	 /* the lowest word of its stack, past the canary */
	struct thread *next;	 /* run queue or dead list */
	struct thread *wq_next;	 /* wait queue: a preempted waiter is on both */
	struct thread *all_next; /* every thread, for ps */
	struct timer sleep_timer;
	bool on_wq;		 /* on a wait queue (guarded by that queue's lock) */
	uint64_t switches;	 /* times switched to */
	uint64_t migrations;	 /* times it moved to another CPU */
	uint64_t runtime_ns;	 /* time run, up to its last switch out */
	uint64_t ran_since;	 /* sched_clock() at its last switch in */
	struct process *process; /* the program it runs in user mode, or NULL */
};

/* Where arch/x86/switch.S and its callers meet. */
void switch_stacks(uint64_t *prev_sp, uint64_t next_sp);
void thread_trampoline(void);
void thread_entry(void (*fn)(void *), void *arg) __noreturn;
/* The entry stubs (head32.S, head_pv.S) run kmain, so "main", on this. */
extern char boot_stack_top[];

static struct thread main_thread;
#define current_thread (this_cpu()->current)
#define idle_thread (this_cpu()->idle)
#define need_resched_here (this_cpu()->need_resched)
/* Every thread, for ps and the counts; guarded by threads_lock. */
static struct spinlock threads_lock = SPINLOCK_INIT;
static struct thread *all_threads;
static unsigned int next_id;
static unsigned int nr_live;

#define thread_of_timer(t) ((struct thread *)((char *)(t)-offsetof(struct thread, sleep_timer)))

static bool may_move(const struct thread *t)
{
	return t->allowed & (t->allowed - 1); /* more than one CPU */
}

/* Run queues: rq_lock held. */
static void runq_push(struct cpu *c, struct thread *t)
{
	t->next = NULL;
	if (c->runq_tail)
		c->runq_tail->next = t;
	else
		c->runq_head = t;
	c->runq_tail = t;
	c->nr_movable += may_move(t);
}

/* Takes the first queued thread that may run on CPU `to`. */
static struct thread *runq_take(struct cpu *c, unsigned int to)
{
	struct thread **p = &c->runq_head, *prev = NULL;

	while (*p && !((*p)->allowed & cpumask_of(to))) {
		prev = *p;
		p = &(*p)->next;
	}
	struct thread *t = *p;

	if (!t)
		return NULL;
	*p = t->next;
	if (c->runq_tail == t)
		c->runq_tail = prev;
	t->next = NULL;
	c->nr_movable -= may_move(t);
	return t;
}

/* The first queued thread, whichever CPUs it may use. */
static struct thread *runq_take_any(struct cpu *c)
{
	struct thread *t = c->runq_head;

	if (t) {
		c->runq_head = t->next;
		if (!c->runq_head)
			c->runq_tail = NULL;
		t->next = NULL;
		c->nr_movable -= may_move(t);
	}
	return t;
}

/* Locks the run queue of t's CPU, which may change until it is locked. */
static struct cpu *rq_lock_thread(struct thread *t)
{
	for (;;) {
		struct cpu *c = &cpus[READ_ONCE(t->cpu)];

		spin_lock(&c->rq_lock);
		if (c->id == t->cpu)
			return c;
		spin_unlock(&c->rq_lock);
	}
}

/* A guess, without the lock: nothing runs there and nothing is queued. */
static bool cpu_idle(const struct cpu *c)
{
	return READ_ONCE(c->online) && READ_ONCE(c->current) == c->idle && !READ_ONCE(c->runq_head);
}

static struct cpu *first_online_cpu(void)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (READ_ONCE(cpus[i].online))
			return &cpus[i];
	panic("sched: no CPU online");
}

/* For a thread whose CPU is going offline: an online CPU it may use, or
 * else, breaking its affinity, the first online CPU. */
static struct cpu *cpu_for_orphan(struct thread *t)
{
	unsigned int first = NR_CPUS;

	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		if (!READ_ONCE(cpus[i].online))
			continue;
		if (t->allowed & cpumask_of(i))
			return &cpus[i];
		if (first == NR_CPUS)
			first = i;
	}
	if (first == NR_CPUS)
		panic("sched: no CPU online for thread %s", t->name);
	pr_warn("sched: thread %s may only run on CPUs %#lx, all offline: moved to CPU %u\n",
		t->name, t->allowed, first);
	t->allowed |= cpumask_of(first);
	return &cpus[first];
}

/* Where a waking thread should run: its own CPU if idle, else an idle
 * CPU it may use, else its own (or, if its own is going offline, another). */
static struct cpu *select_cpu(struct thread *t, struct cpu *own)
{
	if (!own->online)
		return cpu_for_orphan(t);
	if (!may_move(t) || cpu_idle(own))
		return own;
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if ((t->allowed & cpumask_of(i)) && cpu_idle(&cpus[i]))
			return &cpus[i];
	return own;
}

/* CPU c has a thread queued; if that is news for an idle CPU, wake it. */
static void resched_cpu(struct cpu *c)
{
	if (c == this_cpu())
		need_resched_here = true;
	else
		smp_send_reschedule(c->id);
}

/* Interrupts off.  Makes a sleeping or waiting thread runnable: queued on
 * its CPU or an idle one, unless it is still running (on its way into
 * schedule), where it simply keeps the CPU. */
static void thread_wake_as(struct thread *t, bool sleeper_too)
{
	struct cpu *c = rq_lock_thread(t), *to;
	bool kick;

	if (t->state != THREAD_WAITING && (!sleeper_too || t->state != THREAD_SLEEPING)) {
		spin_unlock(&c->rq_lock);
		return;
	}
	t->state = THREAD_RUNNABLE;
	if (c->current == t) {
		spin_unlock(&c->rq_lock);
		return;
	}
	if ((to = select_cpu(t, c)) != c) {
		t->cpu = to->id;
		t->migrations++;
		spin_unlock(&c->rq_lock);
		spin_lock(&to->rq_lock);
	}
	runq_push(to, t);
	kick = to->current == to->idle;
	spin_unlock(&to->rq_lock);
	if (kick)
		resched_cpu(to);
}

static void thread_wake(struct thread *t)
{
	thread_wake_as(t, true);
}

/* A thread waiting on a queue wakes (its wait_event loop tests again,
 * and wq_finish takes it off the queue); one running on another CPU is
 * sent a reschedule IPI, whose way back to user mode delivers a signal.
 * A thread in sleep_ns is left to its timer. */
void thread_kick(struct thread *t)
{
	unsigned long flags = local_irq_save();
	struct cpu *c = rq_lock_thread(t);
	bool waiting = t->state == THREAD_WAITING;
	bool remote = c->current == t && c != this_cpu();
	unsigned int id = c->id;

	spin_unlock(&c->rq_lock);
	if (waiting)
		thread_wake_as(t, false);
	else if (remote)
		smp_send_reschedule(id);
	local_irq_restore(flags);
}

/* With c's lock held: a queued thread of another CPU that may run on c.
 * The other locks are only tried, so two CPUs stealing from each other
 * cannot deadlock. */
static struct thread *steal(struct cpu *c)
{
	for (unsigned int n = 1; n < nr_cpus_present; n++) {
		struct cpu *o = &cpus[(c->id + n) % nr_cpus_present];
		struct thread *t;

		if (!READ_ONCE(o->nr_movable) || !spin_trylock(&o->rq_lock))
			continue;
		if ((t = runq_take(o, c->id))) {
			t->cpu = c->id;
			t->migrations++;
		}
		spin_unlock(&o->rq_lock);
		if (t)
			return t;
	}
	return NULL;
}

static void check_stack(const struct thread *t)
{
	if (t->stack && t->stack[0] != STACK_CANARY)
		panic("sched: thread %u (%s) overflowed its %u KiB stack", t->id, t->name,
		      STACK_SIZE / 1024);
}

/* Out of line, so that a switch between kernel threads pays only the
 * test of the two pointers. */
static void __attribute__((noinline)) switch_process(struct thread *prev, struct thread *next)
{
	this_cpu()->process = next->process;
	process_switch(prev->process, next->process);
}

/* Interrupts off, c's rq_lock held; prev != next.  Returns when prev runs
 * again, perhaps on another CPU, with that CPU's rq_lock held. */
static void switch_to(struct cpu *c, struct thread *prev, struct thread *next)
{
	uint64_t now = sched_clock();

	check_stack(prev);
	prev->runtime_ns += now - prev->ran_since;
	next->ran_since = now;
	next->switches++;
	c->nr_switches++;
	c->current = next;
	load_sp0(next->stack_top);
	/* Three instructions when neither runs a program (what the compiler
	 * made of the C test took five: it loaded both into argument
	 * registers first). */
	__asm__ goto("mov %0, %%rax\n\tor %1, %%rax\n\tjnz %l[programs]"
		     :
		     : "m"(prev->process), "m"(next->process)
		     : "rax", "cc"
		     : programs);
switch_now:
	switch_stacks(&prev->sp, next->sp);
	return;
programs:
	switch_process(prev, next);
	goto switch_now;
}

/* The queue's decision, under c's lock: prev back on it if it may still
 * run, a dead prev on the dead list, then the next thread. */
static struct thread *pick_next(struct cpu *c, struct thread *prev)
{
	struct thread *next;

	if (prev->state == THREAD_RUNNABLE && prev != c->idle)
		runq_push(c, prev);
	else if (prev->state == THREAD_DEAD) {
		prev->next = c->dead;
		c->dead = prev;
	}
	if (!c->online) /* going offline: its idle thread hands the queue on */
		return c->idle;
	if (!(next = runq_take(c, c->id)) && !(next = steal(c)))
		next = c->idle;
	return next;
}

/* Before sched_init there is only the boot context: nothing to switch to.
 * A preempted thread stays runnable whatever it was about to do: one
 * caught in wait_event between queueing itself and testing its condition
 * (state WAITING) might have just taken what it waited for, and must not
 * sleep on it; for its loop this is a spurious wake-up. */
static void schedule_as(bool preempted)
{
	unsigned long flags;
	struct thread *prev = current_thread, *next;
	struct cpu *c;

	if (!prev)
		return;
	flags = local_irq_save();
	c = this_cpu();
	spin_lock(&c->rq_lock);
	c->need_resched = false;
	if (preempted && prev->state == THREAD_WAITING)
		prev->state = THREAD_RUNNABLE;
	next = pick_next(c, prev);
	if (next != prev)
		switch_to(c, prev, next);
	spin_unlock(&this_cpu()->rq_lock); /* prev may be back on another CPU */
	local_irq_restore(flags);
}

void schedule(void)
{
	schedule_as(false);
}

void yield(void)
{
	schedule();
}

/* Called by every interrupt path, interrupts off, after it has
 * acknowledged the interrupt and decremented irq_depth: the outermost
 * interrupt sees 0.  A nested one must not switch, or the outer handler
 * would be suspended halfway. */
void irq_exit(void)
{
	if (need_resched_here && irq_depth == 0 && current_thread) {
		preemptions++;
		schedule_as(true);
	}
}

/* An idle CPU that could take one of this CPU's waiting threads. */
static void kick_idle_cpu(struct cpu *c)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (i != c->id && cpu_idle(&cpus[i])) {
			smp_send_reschedule(i);
			return;
		}
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();

	if (!c->current || !READ_ONCE(c->runq_head))
		return;
	if (c->current == c->idle || sched_clock() - c->current->ran_since >= SLICE_NSEC)
		need_resched_here = true;
	if (READ_ONCE(c->nr_movable))
		kick_idle_cpu(c);
}

/* Blocking from an interrupt handler or from idle would leave nothing
 * that could ever wake us. */
static void check_may_block(const char *what)
{
	if (!current_thread)
		panic("sched: %s called before sched_init", what);
	if (irq_depth)
		panic("sched: %s called inside an interrupt handler", what);
	if (current_thread == idle_thread)
		panic("sched: %s called by the idle thread", what);
}

/* --- sleeping and wait queues --------------------------------------- */

static void sleep_timer_expired(struct timer *t)
{
	struct thread *th = thread_of_timer(t);

	if (th->state == THREAD_SLEEPING)
		thread_wake(th);
}

/* Without an event timer (or before the scheduler runs) nothing would ever
 * wake a sleeper; rather than hang, poll the clock, and say so once.  A
 * clock that does not move at all ends the wait with an error instead. */
static void sleep_polling(uint64_t deadline)
{
	static bool warned;
	uint64_t last = 0, now;
	unsigned long same = 0;

	if (!warned) {
		pr_warn("sched: sleep_ns without an event timer: polling the clock\n");
		warned = true;
	}
	while ((now = sched_clock()) < deadline) {
		if (now != last) {
			last = now;
			same = 0;
		} else if (++same == (1UL << 24)) {
			pr_err("sched: sleep_ns: sched_clock is stuck at %lu ns; not sleeping\n",
			       now);
			return;
		}
		yield();
	}
}

void sleep_ns(uint64_t ns)
{
	uint64_t now = sched_clock();
	uint64_t deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	unsigned long flags;

	if (!current_thread || !clock_event) {
		sleep_polling(deadline);
		return;
	}
	check_may_block("sleep_ns");
	flags = local_irq_save();
	current_thread->state = THREAD_SLEEPING;
	timer_add(&current_thread->sleep_timer, deadline, sleep_timer_expired);
	schedule();
	local_irq_restore(flags);
}

/* The waiting protocol behind wait_event (amphi/sched.h): the thread is
 * on the queue, and WAITING, before it tests its condition, so a waker
 * that makes the condition true afterwards finds it there; a wake that
 * comes between the test and schedule() only makes schedule() return. */
void wq_prepare(struct wait_queue *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct thread *t = current_thread, **p = &wq->head;

	check_may_block("wait_event");
	if (!t->on_wq) {
		while (*p)
			p = &(*p)->wq_next;
		t->wq_next = NULL;
		*p = t;
		t->on_wq = true;
	}
	t->state = THREAD_WAITING;
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* In wait_event a thread always tests its condition after queueing
 * itself, so a waker that took it off the queue since then (the test
 * having succeeded) spent a wq_wake_one on it that another waiter needed:
 * it is passed on, a spurious wake-up at worst.  After wq_wait's sleep the
 * wake-up was this thread's own. */
static void wq_finish_as(struct wait_queue *wq, bool pass_on)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct thread *t = current_thread, **p = &wq->head;
	bool woken = !t->on_wq;
	struct cpu *c;

	while (t->on_wq && *p) {
		if (*p == t) {
			*p = t->wq_next;
			t->on_wq = false;
			break;
		}
		p = &(*p)->wq_next;
	}
	spin_unlock(&wq->lock);
	c = rq_lock_thread(t);
	t->state = THREAD_RUNNABLE;
	spin_unlock(&c->rq_lock);
	local_irq_restore(flags);
	if (pass_on && woken && READ_ONCE(wq->head))
		wq_wake_one(wq);
}

void wq_finish(struct wait_queue *wq)
{
	wq_finish_as(wq, true);
}

void wq_wait(struct wait_queue *wq)
{
	wq_prepare(wq);
	schedule();
	wq_finish_as(wq, false);
}

static struct thread *wq_pop(struct wait_queue *wq)
{
	struct thread *t = wq->head;

	if (t) {
		wq->head = t->wq_next;
		t->on_wq = false;
	}
	return t;
}

void wq_wake_one(struct wait_queue *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct thread *t = wq_pop(wq);

	if (t)
		thread_wake(t);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void wq_wake_all(struct wait_queue *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct thread *t;

	while ((t = wq_pop(wq)))
		thread_wake(t);
	spin_unlock_irqrestore(&wq->lock, flags);
}

static void wq_deadline_fired(struct timer *t)
{
	struct wq_deadline *d =
	    (struct wq_deadline *)((char *)t - __builtin_offsetof(struct wq_deadline, timer));

	d->expired = true;
	wq_wake_all(d->wq);
}

void wq_deadline_start(struct wq_deadline *d, struct wait_queue *wq, uint64_t deadline_ns)
{
	d->wq = wq;
	d->expired = false;
	d->timer = (struct timer){0}; /* often on the caller's stack */
	timer_add(&d->timer, deadline_ns, wq_deadline_fired);
}

void wq_deadline_stop(struct wq_deadline *d)
{
	timer_cancel(&d->timer);
}

/* --- creating, running and reaping threads --------------------------- */

/* Marks the stack words [low, end) unused, for stack_high_water(). */
static void stack_fill(uint64_t *low, uintptr_t end)
{
	for (uint64_t *w = low; (uintptr_t)w < end; w++)
		*w = STACK_FILL;
}

static void threads_unlink(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	struct thread **p = &all_threads;

	while (*p != t)
		p = &(*p)->all_next;
	*p = t->all_next;
	spin_unlock_irqrestore(&threads_lock, flags);
}

/* Frees the threads that have exited on this CPU; thread context, never
 * the dead threads themselves.  Taking the list under the run-queue lock
 * means each one's last switch away has finished. */
static void reap_dead(void)
{
	unsigned long flags = spin_lock_irqsave(&this_cpu()->rq_lock);
	struct thread *t = this_cpu()->dead;

	this_cpu()->dead = NULL;
	spin_unlock_irqrestore(&this_cpu()->rq_lock, flags);
	while (t) {
		struct thread *next = t->next;

		threads_unlink(t);
		kfree(t->stack);
		kfree(t);
		t = next;
	}
}

/* The first switch to a thread "returns" into thread_trampoline with
 * r12 = fn and r13 = arg.  The frame sits 8 bytes off 16-byte alignment,
 * so that after the six pops and the ret the stack is aligned for the
 * trampoline's call. */
static void build_first_frame(struct thread *t, void (*fn)(void *), void *arg)
{
	uint64_t *frame = (uint64_t *)(t->stack_top - 72);

	memset(frame, 0, 72);
	frame[2] = (uint64_t)(uintptr_t)arg; /* r13 */
	frame[3] = (uint64_t)(uintptr_t)fn;  /* r12 */
	frame[6] = (uint64_t)(uintptr_t)thread_trampoline;
	t->sp = (uintptr_t)frame;
}

static void threads_add(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	t->id = next_id++;
	t->all_next = all_threads;
	all_threads = t;
	__atomic_fetch_add(&nr_live, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&threads_lock, flags);
}

/* Interrupts off, so that this thread cannot be preempted inside the heap.
 * The new thread is runnable (state 0) but on no queue yet. */
static struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = kmalloc(sizeof(*t));
	uint64_t *stack = t ? kmalloc_aligned(STACK_SIZE, PAGE_SIZE) : NULL;

	if (!stack) {
		kfree(t);
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	t->stack = stack;
	t->stack[0] = STACK_CANARY;
	t->stack_low = stack + 1;
	t->stack_top = (uintptr_t)stack + STACK_SIZE;
	stack_fill(t->stack_low, t->stack_top);
	build_first_frame(t, fn, arg);
	t->cpu = smp_processor_id();
	t->allowed = cpumask_of(t->cpu);
	threads_add(t);
	return t;
}

/* The online CPUs of a mask, or none. */
static cpumask_t cpumask_usable(cpumask_t allowed)
{
	cpumask_t online = cpumask_online_others() | cpumask_of(smp_processor_id());

	return allowed & online;
}

struct thread *thread_create_on(const char *name, void (*fn)(void *arg), void *arg,
				cpumask_t allowed)
{
	struct thread *t;
	unsigned long flags;

	if (!cpumask_usable(allowed))
		return NULL;
	reap_dead();
	flags = local_irq_save();
	if ((t = thread_alloc(name, fn, arg))) {
		t->allowed = allowed;
		t->cpu = __builtin_ctzll(cpumask_usable(allowed));
		if (allowed & cpumask_of(smp_processor_id()))
			t->cpu = smp_processor_id();
		t->state = THREAD_SLEEPING; /* born asleep; woken where it fits */
		thread_wake(t);
	}
	local_irq_restore(flags);
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg)
{
	return thread_create_on(name, fn, arg, cpumask_of(smp_processor_id()));
}

void thread_entry(void (*fn)(void *), void *arg)
{
	spin_unlock(&this_cpu()->rq_lock); /* held across the switch to us */
	local_irq_enable();
	fn(arg);
	thread_exit();
}

void thread_exit(void)
{
	local_irq_disable();
	if (current_thread == &main_thread || current_thread == idle_thread)
		panic("sched: thread %s may not exit", current_thread->name);
	__atomic_fetch_sub(&nr_live, 1, __ATOMIC_RELAXED);
	current_thread->state = THREAD_DEAD;
	schedule();
	panic("sched: dead thread %s was scheduled again", current_thread->name);
}

/* --- taking a CPU offline ------------------------------------------- */

/* Another CPU's lock is taken while holding c's only here, and only one
 * CPU goes offline at a time (kernel/smp_hotplug.c), so no CPU can be
 * waiting for c's lock while holding the one wanted here. */
static void thread_hand_on(struct thread *t)
{
	struct cpu *to = cpu_for_orphan(t);
	bool kick;

	t->cpu = to->id;
	t->migrations++;
	spin_lock(&to->rq_lock);
	runq_push(to, t);
	kick = to->current == to->idle;
	spin_unlock(&to->rq_lock);
	if (kick)
		smp_send_reschedule(to->id);
}

/* On the CPU going offline, from its idle thread: every switch away from
 * the threads on its queue has finished, so they can run elsewhere. */
static void runq_evacuate(struct cpu *c)
{
	struct thread *t, *dead;
	unsigned long flags = spin_lock_irqsave(&c->rq_lock);

	c->online = false;
	while ((t = runq_take_any(c)))
		thread_hand_on(t);
	dead = c->dead;
	c->dead = NULL;
	spin_unlock_irqrestore(&c->rq_lock, flags);
	while (dead) { /* freed by an online CPU's idle thread */
		t = dead;
		dead = t->next;
		struct cpu *to = cpu_for_orphan(t);

		flags = spin_lock_irqsave(&to->rq_lock);
		t->next = to->dead;
		to->dead = t;
		spin_unlock_irqrestore(&to->rq_lock, flags);
	}
}

/* Interrupts off, in this CPU's idle thread. */
void sched_cpu_die(void)
{
	struct cpu *c = this_cpu();

	runq_evacuate(c);
	/* No program's root stays here: its space may end while we are
	 * away, and its end would not ask an offline CPU to drop it. */
	if (c->active_vm)
		vm_deactivate(c->active_vm);
	timer_cpu_evacuate(c, first_online_cpu());
	smp_cpu_dying();
	__atomic_store_n(&c->down, true, __ATOMIC_RELEASE);
	platform_ops.cpu_die();
	/* Back (a Xen vCPU resumes here when it is brought up again). */
	c->down = false;
	c->going_down = false;
	clock_event_start_cpu();
	smp_cpu_alive();
	spin_lock(&c->rq_lock);
	c->online_since = sched_clock();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	spin_unlock(&c->rq_lock);
}

/* Interrupts are off at the top of each round, so that "nothing is
 * runnable" cannot change between the test and the halt: safe_halt()
 * enables them and waits in one step. */
static void idle_loop(void *unused)
{
	for (;;) {
		if (READ_ONCE(this_cpu()->dead))
			reap_dead();
		local_irq_disable();
		if (this_cpu()->going_down)
			sched_cpu_die();
		if (this_cpu()->runq_head || need_resched_here)
			schedule();
		else
			safe_halt();
		local_irq_enable();
	}
}

/* kmain calls this with interrupts still off, as thread_alloc needs. */
void sched_init(void)
{
	strlcpy(main_thread.name, "main", sizeof(main_thread.name));
	main_thread.stack_top = (uintptr_t)boot_stack_top;
	main_thread.allowed = cpumask_of(0);
	/* The boot stack below where we are now has not been used yet; the
	 * fill stops 256 bytes short of this frame, clear of stack_fill's. */
	main_thread.stack_low = (uint64_t *)((uintptr_t)boot_stack_top - BOOT_STACK_SIZE);
	stack_fill(main_thread.stack_low, (uintptr_t)__builtin_frame_address(0) - 256);
	main_thread.ran_since = sched_clock();
	threads_add(&main_thread);
	current_thread = &main_thread;
	idle_thread = thread_alloc("idle", idle_loop, NULL);
	if (!idle_thread)
		panic("sched: no memory for the idle thread");
	load_sp0(main_thread.stack_top);
	pr_info("sched: round robin per CPU, %lu ms slices, %u KiB thread stacks\n",
		SLICE_NSEC / NSEC_PER_MSEC, STACK_SIZE / 1024);
}

uintptr_t sched_prepare_cpu(unsigned int id)
{
	char name[16];
	struct thread *t;
	unsigned long flags;

	if ((t = cpus[id].idle)) { /* coming back online: it starts afresh */
		build_first_frame(t, idle_loop, NULL);
		return t->stack_top - 512;
	}
	snprintf(name, sizeof(name), "idle/%u", id);
	flags = local_irq_save();
	t = thread_alloc(name, idle_loop, NULL);
	if (t) {
		t->cpu = id;
		t->allowed = cpumask_of(id);
		cpus[id].idle = t;
	}
	local_irq_restore(flags);
	/* Well below the first frame build_first_frame() put at the top. */
	return t ? t->stack_top - 512 : 0;
}

/* The idle thread starts in thread_entry, which releases the run-queue
 * lock as after any switch. */
void sched_start_cpu(void)
{
	struct thread *idle = idle_thread;
	uint64_t abandoned_sp;

	spin_lock(&this_cpu()->rq_lock);
	current_thread = idle;
	this_cpu()->process = NULL;
	idle->ran_since = sched_clock();
	idle->switches++;
	load_sp0(idle->stack_top);
	switch_stacks(&abandoned_sp, idle->sp);
	panic("sched: CPU %u came back to its boot stack", smp_processor_id());
}

void thread_set_process(struct process *p)
{
	unsigned long flags = local_irq_save();

	current_thread->process = p;
	this_cpu()->process = p;
	if (p)
		process_switch(NULL, p);
	local_irq_restore(flags);
}

struct process *thread_process_of(const struct thread *t)
{
	return t->process;
}

uintptr_t thread_stack_top(void)
{
	return current_thread->stack_top;
}

struct thread *thread_current(void)
{
	return current_thread;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

unsigned int thread_cpu(const struct thread *t)
{
	return READ_ONCE(t->cpu);
}

uint64_t thread_migrations(const struct thread *t)
{
	return READ_ONCE(t->migrations);
}

unsigned int sched_nr_threads(void)
{
	return __atomic_load_n(&nr_live, __ATOMIC_RELAXED);
}

void sched_load_counts(unsigned int *runnable, unsigned int *live)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	*runnable = *live = 0;
	for (struct thread *t = all_threads; t; t = t->all_next) {
		if (t->state == THREAD_DEAD || t == cpus[READ_ONCE(t->cpu)].idle)
			continue;
		(*live)++;
		*runnable += READ_ONCE(t->state) == THREAD_RUNNABLE;
	}
	spin_unlock_irqrestore(&threads_lock, flags);
}

unsigned int sched_nr_threads_named(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	unsigned int n = 0;

	for (struct thread *t = all_threads; t; t = t->all_next)
		n += t->state != THREAD_DEAD && !strcmp(t->name, name);
	spin_unlock_irqrestore(&threads_lock, flags);
	return n;
}

/* This CPU's idle thread's run time, including the current stretch if it
 * is running now (it is not, when a thread asks). */
uint64_t sched_idle_ns(void)
{
	return sched_cpu_idle_ns(smp_processor_id());
}

uint64_t sched_cpu_idle_ns(unsigned int id)
{
	unsigned long flags = local_irq_save();
	struct thread *idle = cpus[id].idle;
	uint64_t ns = idle ? READ_ONCE(idle->runtime_ns) : 0;

	if (idle && READ_ONCE(cpus[id].current) == idle)
		ns += sched_clock() - READ_ONCE(idle->ran_since);
	local_irq_restore(flags);
	return ns;
}

void sched_cpu_current_name(unsigned int id, char *buf, size_t len)
{
	struct cpu *c = &cpus[id];
	unsigned long flags = spin_lock_irqsave(&c->rq_lock);

	strlcpy(buf, c->current ? c->current->name : "-", len);
	spin_unlock_irqrestore(&c->rq_lock, flags);
}

uint64_t sched_idle_switches(void)
{
	return idle_thread ? READ_ONCE(idle_thread->switches) : 0;
}

/* --- the thread listing (the shell's `ps`, sysrq 't') ------------------- */

struct thread_info {
	char name[16];
	unsigned int id, cpu;
	enum thread_state state;
	bool running, idle;
	uint64_t switches, migrations, runtime_ns;
	uint32_t stack_used, stack_size;
};

/* The deepest the thread's stack has been, in bytes: from its top down to
 * the lowest word no longer STACK_FILL. */
static uint32_t stack_high_water(const struct thread *t)
{
	const uint64_t *w = t->stack_low;

	while ((uintptr_t)w < t->stack_top && *w == STACK_FILL)
		w++;
	return (uint32_t)(t->stack_top - (uintptr_t)w);
}

static void thread_info_of(struct thread_info *ti, const struct thread *t, uint64_t now)
{
	const struct cpu *c = &cpus[t->cpu];
	bool running = READ_ONCE(c->current) == t;

	memcpy(ti->name, t->name, sizeof(ti->name));
	ti->id = t->id;
	ti->cpu = t->cpu;
	ti->state = t->state;
	ti->running = running;
	ti->idle = t == c->idle;
	ti->switches = t->switches;
	ti->migrations = t->migrations;
	ti->stack_used = stack_high_water(t);
	ti->stack_size = t->stack ? STACK_SIZE : BOOT_STACK_SIZE;
	ti->runtime_ns = t->runtime_ns + (running ? now - t->ran_since : 0);
}

/* A snapshot taken under the lock, printed without it: the console is
 * slow, and the scheduler must not stop while it prints.  Figures of
 * threads running elsewhere are as of the moment they are read. */
static unsigned int snapshot(struct thread_info *out, unsigned int max)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	uint64_t now = sched_clock();
	unsigned int n = 0;

	for (struct thread *t = all_threads; t && n < max; t = t->all_next, n++)
		thread_info_of(&out[n], t, now);
	spin_unlock_irqrestore(&threads_lock, flags);
	return n;
}

static const char *state_name(const struct thread_info *ti)
{
	static const char *const names[] = {"runnable", "sleeping", "waiting", "dead"};

	if (ti->running)
		return "running";
	if (ti->idle)
		return "idle";
	return ti->state < ARRAY_SIZE(names) ? names[ti->state] : "?";
}

/* One listing at a time: they share the snapshot buffer. */
static struct mutex show_lock = MUTEX_INIT;

void sched_show_threads(void)
{
	static struct thread_info ti[64];
	unsigned int n;

	mutex_lock(&show_lock);
	n = snapshot(ti, ARRAY_SIZE(ti));

	kprintf(
	    "  ID NAME             CPU STATE     SWITCHES MOVES  RUN(ms)  STACK(deepest/size)\n");
	for (unsigned int i = 0; i < n; i++)
		kprintf("%4u %-16s %3u %-9s %8lu %5lu %8lu  %u/%u KiB\n", ti[i].id, ti[i].name,
			ti[i].cpu, state_name(&ti[i]), ti[i].switches, ti[i].migrations,
			ti[i].runtime_ns / NSEC_PER_MSEC, (ti[i].stack_used + 1023) / 1024,
			ti[i].stack_size / 1024);
	if (n == ARRAY_SIZE(ti))
		kprintf("(only the first %u threads are shown)\n", n);
	uint64_t switches = 0, preempted = 0;

	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		switches += READ_ONCE(cpus[i].nr_switches);
		preempted += READ_ONCE(cpus[i].nr_preemptions);
	}
	kprintf("%u threads, %lu context switches, %lu of them preemptions\n", sched_nr_threads(),
		switches, preempted);
	mutex_unlock(&show_lock);
}
