/*
 * The scheduler: kernel threads on one CPU, in round-robin order.
 *
 * It is small on purpose.  All its state (the run queue, wait queues, the
 * current thread) changes only with interrupts off, which on one CPU is
 * the whole of its locking and is the same on every platform: cli natively,
 * the event mask on Xen PV.  A thread gives way in three ways: it blocks
 * (sleep_ns, wq_wait, thread_exit), it yields, or the timer tick finds its
 * slice used up and sets need_resched, which the interrupt path honours in
 * irq_exit() by switching from inside the interrupt; the preempted thread
 * later resumes there and returns through its own interrupt frame.
 *
 * The idle thread is never on the run queue: it runs when the queue is
 * empty, and halts with safe_halt(), which enables interrupts and waits in
 * one step so that a wake-up arriving in between cannot be lost.
 *
 * A thread cannot free the stack it runs on, so an exiting thread goes on
 * a dead list, and its memory is reclaimed later in thread context (by
 * thread_create and by the idle thread), never from an interrupt, because
 * the heap is not an interrupt-safe allocator.
 */
#include <amphi/sched.h>
#include <amphi/cpu.h>
#include <amphi/irq.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <amphi/time.h>
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
	unsigned int cpu;	 /* the CPU it runs on */
	uint64_t sp;		 /* saved by switch_stacks while switched out */
	uint64_t *stack;	 /* its lowest word is the canary; NULL for main */
	uintptr_t stack_top;	 /* for load_sp0 */
	uint64_t *stack_low;	 /* the lowest word of its stack, past the canary */
	struct thread *next;	 /* run queue, wait queue or dead list */
	struct thread *all_next; /* every thread, for ps */
	struct timer sleep_timer;
	uint64_t switches;   /* times switched to */
	uint64_t runtime_ns; /* time run, up to its last switch out */
	uint64_t ran_since;  /* sched_clock() at its last switch in */
};

/* Where arch/x86/switch.S and its callers meet. */
void switch_stacks(uint64_t *prev_sp, uint64_t next_sp);
void thread_trampoline(void);
void thread_entry(void (*fn)(void *), void *arg) __noreturn;
/* The entry stubs (head32.S, head_pv.S) run kmain, so "main", on this. */
extern char boot_stack_top[];


static struct thread main_thread;
/* Each CPU's running and idle threads, its run queue and its dead
 * threads live in its struct cpu.  A thread stays on the CPU it was made
 * on (t->cpu), and only that CPU touches its queues, with interrupts off:
 * that is still the whole of the locking.  Moving threads between CPUs,
 * with locks and wake-up IPIs, is the next step of SMP. */
#define current (this_cpu()->current)
#define idle_thread (this_cpu()->idle)
#define need_resched (this_cpu()->need_resched)
#define dead_threads (this_cpu()->dead)
static struct thread *all_threads;
static unsigned int next_id;
static unsigned int nr_live;

#define thread_of_timer(t) ((struct thread *)((char *)(t)-offsetof(struct thread, sleep_timer)))

static void runq_push(struct thread *t)
{
	struct cpu *c = &cpus[t->cpu];

	t->next = NULL;
	if (c->runq_tail)
		c->runq_tail->next = t;
	else
		c->runq_head = t;
	c->runq_tail = t;
}

static struct thread *runq_pop(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->runq_head;

	if (t) {
		c->runq_head = t->next;
		if (!c->runq_head)
			c->runq_tail = NULL;
		t->next = NULL;
	}
	return t;
}

/* Interrupts off.  Waking a thread while idle runs asks the interrupt we
 * are probably in to switch to it on the way out. */
static void thread_wake(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	runq_push(t);
	if (current == idle_thread)
		need_resched = true;
}

static void check_stack(const struct thread *t)
{
	if (t->stack && t->stack[0] != STACK_CANARY)
		panic("sched: thread %u (%s) overflowed its %u KiB stack", t->id, t->name,
		      STACK_SIZE / 1024);
}

/* Interrupts off; prev != next. */
static void switch_to(struct thread *prev, struct thread *next)
{
	uint64_t now = sched_clock();

	check_stack(prev);
	prev->runtime_ns += now - prev->ran_since;
	next->ran_since = now;
	next->switches++;
	context_switches++;
	current = next;
	load_sp0(next->stack_top);
	switch_stacks(&prev->sp, next->sp);
}

/* Before sched_init there is only the boot context: nothing to switch to. */
void schedule(void)
{
	unsigned long flags;
	struct thread *prev = current, *next;

	if (!prev)
		return;
	flags = local_irq_save();
	need_resched = false;
	if (prev->state == THREAD_RUNNABLE && prev != idle_thread)
		runq_push(prev);
	next = runq_pop();
	if (!next)
		next = idle_thread;
	if (next != prev)
		switch_to(prev, next);
	local_irq_restore(flags);
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
	if (need_resched && irq_depth == 0 && current) {
		preemptions++;
		schedule();
	}
}

void sched_tick(void)
{
	if (!current || !this_cpu()->runq_head)
		return;
	if (current == idle_thread || sched_clock() - current->ran_since >= SLICE_NSEC)
		need_resched = true;
}

/* Blocking from an interrupt handler or from idle would leave nothing
 * that could ever wake us. */
static void check_may_block(const char *what)
{
	if (!current)
		panic("sched: %s called before sched_init", what);
	if (irq_depth)
		panic("sched: %s called inside an interrupt handler", what);
	if (current == idle_thread)
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

	if (!current || !clock_event) {
		sleep_polling(deadline);
		return;
	}
	check_may_block("sleep_ns");
	flags = local_irq_save();
	current->state = THREAD_SLEEPING;
	timer_add(&current->sleep_timer, deadline, sleep_timer_expired);
	schedule();
	local_irq_restore(flags);
}

void wq_wait(struct wait_queue *wq)
{
	unsigned long flags = local_irq_save();
	struct thread **p = &wq->head;

	check_may_block("wq_wait");
	while (*p)
		p = &(*p)->next;
	current->next = NULL;
	*p = current;
	current->state = THREAD_WAITING;
	schedule();
	local_irq_restore(flags);
}

void wq_wake_one(struct wait_queue *wq)
{
	unsigned long flags = local_irq_save();
	struct thread *t = wq->head;

	if (t) {
		wq->head = t->next;
		thread_wake(t);
	}
	local_irq_restore(flags);
}

void wq_wake_all(struct wait_queue *wq)
{
	unsigned long flags = local_irq_save();
	struct thread *t;

	while ((t = wq->head)) {
		wq->head = t->next;
		thread_wake(t);
	}
	local_irq_restore(flags);
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

/* Frees the threads that have exited; thread context, never the dead
 * threads themselves.  Interrupts off, as for thread_alloc. */
static void reap_dead(void)
{
	unsigned long flags = local_irq_save();

	while (dead_threads) {
		struct thread *t = dead_threads, **p = &all_threads;

		dead_threads = t->next;
		while (*p != t)
			p = &(*p)->all_next;
		*p = t->all_next;
		kfree(t->stack);
		kfree(t);
	}
	local_irq_restore(flags);
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
	t->id = next_id++;
	t->cpu = smp_processor_id();
	t->all_next = all_threads;
	all_threads = t;
	nr_live++;
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg)
{
	struct thread *t;
	unsigned long flags;

	reap_dead();
	flags = local_irq_save();
	t = thread_alloc(name, fn, arg);
	if (t)
		runq_push(t);
	local_irq_restore(flags);
	return t;
}

void thread_entry(void (*fn)(void *), void *arg)
{
	local_irq_enable();
	fn(arg);
	thread_exit();
}

void thread_exit(void)
{
	local_irq_disable();
	if (current == &main_thread || current == idle_thread)
		panic("sched: thread %s may not exit", current->name);
	current->state = THREAD_DEAD;
	current->next = dead_threads;
	dead_threads = current;
	nr_live--;
	schedule();
	panic("sched: dead thread %s was scheduled again", current->name);
}

/* Interrupts are off at the top of each round, so that "nothing is
 * runnable" cannot change between the test and the halt: safe_halt()
 * enables them and waits in one step. */
static void idle_loop(void *unused)
{
	for (;;) {
		if (dead_threads)
			reap_dead();
		local_irq_disable();
		if (this_cpu()->runq_head)
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
	main_thread.id = next_id++;
	main_thread.stack_top = (uintptr_t)boot_stack_top;
	/* The boot stack below where we are now has not been used yet; the
	 * fill stops 256 bytes short of this frame, clear of stack_fill's. */
	main_thread.stack_low = (uint64_t *)((uintptr_t)boot_stack_top - BOOT_STACK_SIZE);
	stack_fill(main_thread.stack_low, (uintptr_t)__builtin_frame_address(0) - 256);
	main_thread.ran_since = sched_clock();
	all_threads = &main_thread;
	nr_live = 1;
	current = &main_thread;
	idle_thread = thread_alloc("idle", idle_loop, NULL);
	if (!idle_thread)
		panic("sched: no memory for the idle thread");
	load_sp0(main_thread.stack_top);
	pr_info("sched: round robin, %lu ms slices, %u KiB thread stacks\n",
		SLICE_NSEC / NSEC_PER_MSEC, STACK_SIZE / 1024);
}

uintptr_t sched_prepare_cpu(unsigned int id)
{
	char name[16];
	struct thread *t;
	unsigned long flags;

	snprintf(name, sizeof(name), "idle/%u", id);
	flags = local_irq_save();
	t = thread_alloc(name, idle_loop, NULL);
	if (t) {
		t->cpu = id;
		cpus[id].idle = t;
	}
	local_irq_restore(flags);
	/* Well below the first frame build_first_frame() put at the top. */
	return t ? t->stack_top - 512 : 0;
}

void sched_start_cpu(void)
{
	struct thread *idle = idle_thread;
	uint64_t abandoned_sp;

	current = idle;
	idle->ran_since = sched_clock();
	idle->switches++;
	load_sp0(idle->stack_top);
	switch_stacks(&abandoned_sp, idle->sp);
	panic("sched: CPU %u came back to its boot stack", smp_processor_id());
}

struct thread *thread_current(void)
{
	return current;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

unsigned int sched_nr_threads(void)
{
	return READ_ONCE(nr_live);
}

unsigned int sched_nr_threads_named(const char *name)
{
	unsigned long flags = local_irq_save();
	unsigned int n = 0;

	for (struct thread *t = all_threads; t; t = t->all_next)
		n += t->state != THREAD_DEAD && !strcmp(t->name, name);
	local_irq_restore(flags);
	return n;
}

/* The idle thread's run time, including the current stretch if it is
 * running now (it is not, when a thread asks). */
uint64_t sched_idle_ns(void)
{
	unsigned long flags = local_irq_save();
	uint64_t ns = idle_thread ? idle_thread->runtime_ns : 0;

	if (idle_thread && current == idle_thread)
		ns += sched_clock() - idle_thread->ran_since;
	local_irq_restore(flags);
	return ns;
}

uint64_t sched_idle_switches(void)
{
	return idle_thread ? READ_ONCE(idle_thread->switches) : 0;
}

/* --- the shell's view --------------------------------------------------- */

struct thread_info {
	char name[16];
	unsigned int id;
	enum thread_state state;
	bool running, idle;
	uint64_t switches, runtime_ns;
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

/* A snapshot taken with interrupts off, printed with them on: the console
 * is slow, and the scheduler must not stop while it prints. */
static unsigned int snapshot(struct thread_info *out, unsigned int max)
{
	unsigned long flags = local_irq_save();
	uint64_t now = sched_clock();
	unsigned int n = 0;

	for (struct thread *t = all_threads; t && n < max; t = t->all_next, n++) {
		memcpy(out[n].name, t->name, sizeof(out[n].name));
		out[n].id = t->id;
		out[n].state = t->state;
		out[n].running = t == current;
		out[n].idle = t == idle_thread;
		out[n].switches = t->switches;
		out[n].stack_used = stack_high_water(t);
		out[n].stack_size = t->stack ? STACK_SIZE : BOOT_STACK_SIZE;
		out[n].runtime_ns = t->runtime_ns + (t == current ? now - t->ran_since : 0);
	}
	local_irq_restore(flags);
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

SHELL_CMD(ps, "list the threads, their states and context switches")
{
	struct thread_info ti[32];
	unsigned int n = snapshot(ti, ARRAY_SIZE(ti));

	kprintf("  ID NAME             STATE     SWITCHES  RUN(ms)  STACK(deepest/size)\n");
	for (unsigned int i = 0; i < n; i++)
		kprintf("%4u %-16s %-9s %8lu %8lu  %u/%u KiB\n", ti[i].id, ti[i].name,
			state_name(&ti[i]), ti[i].switches, ti[i].runtime_ns / NSEC_PER_MSEC,
			(ti[i].stack_used + 1023) / 1024, ti[i].stack_size / 1024);
	if (n == ARRAY_SIZE(ti))
		kprintf("(only the first %u threads are shown)\n", n);
	uint64_t switches = 0, preempted = 0;

	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		switches += READ_ONCE(cpus[i].nr_switches);
		preempted += READ_ONCE(cpus[i].nr_preemptions);
	}
	kprintf("%u threads, %lu context switches, %lu of them preemptions\n", sched_nr_threads(),
		switches, preempted);
	return 0;
}
