/*
 * A domU's hvc0: the console page shared with xenconsoled in dom0 (struct
 * xencons_interface), an output ring we produce into and an input ring we
 * consume from, and one event channel for both directions.  The indexes
 * are written by the other side, so they are read once and checked
 * (console_ring_check.c, pure code the host tests and a fuzzer exercise):
 * an input index claiming more than the ring holds, or gone backwards, is
 * ignored; an output index beyond what we produced drops output, as a
 * full output ring that never drains does, instead of hanging the kernel.
 * Either is reported, once until the indexes make sense again, from the
 * next read of the console: never from inside a console write, which
 * holds the locks printk needs.
 *
 * Output is polled: it may be printed with interrupts off, from a handler
 * or before event channels exist, so it never waits for an event, only
 * spins for a bounded time, kicking the port as it goes.
 *
 * Input is interrupt-driven: xenconsoled kicks the port after it adds
 * input (and after it drains output), and the handler wakes the shell,
 * which otherwise sleeps.  The console comes up long before the event
 * channels do, so the port is bound on the first read made with interrupts
 * on, which kmain allows only once events work; until then a reader polls.
 *
 * Callers may be on any CPU, and the handler runs on the vCPU the port is
 * bound to.  Output is one writer at a time already (console_write's
 * lock, kernel/console.c), which covers the producer index and the count
 * of dropped bytes.  Input is taken under ring_in_lock, so that two
 * readers never take the same character; the handler only reads the
 * indexes (a stale look at worst wakes a reader for nothing, or not for
 * input a reader is taking anyway) and counts, and wakes the selftest
 * through ring_event_wq.  The port is bound once, by the first reader,
 * under a mutex (binding talks to Xen and may allocate); later readers
 * see it done without taking it.
 */
#include <amphi/console.h>
#include <amphi/mutex.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <amphi/selftest.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/x86.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <xen/io/console.h>
#include <drivers/xen/console.h>
#include <drivers/xen/console_ring_check.h>
#include <drivers/xen/events.h>

static struct xencons_interface *ring;
static uint32_t ring_evtchn;
static unsigned long dropped; /* under console_write's lock */

/* Nonsense seen in an index of the other side, to be said: what, the
 * index and ours; `said` once it was, until the indexes make sense again. */
struct ring_nonsense {
	const char *volatile why;
	uint32_t theirs, ours;
	bool said;
};
static struct ring_nonsense out_nonsense, in_nonsense;

static void ring_nonsense_seen(struct ring_nonsense *n, const char *why, uint32_t theirs,
			       uint32_t ours)
{
	if (!why) {
		n->said = false;
		return;
	}
	if (n->said || n->why)
		return;
	n->theirs = theirs;
	n->ours = ours;
	__atomic_store_n(&n->why, why, __ATOMIC_RELEASE);
}

/* From a console read, outside every console lock. */
static void ring_nonsense_say(struct ring_nonsense *n, const char *index, const char *then)
{
	const char *why = __atomic_exchange_n(&n->why, NULL, __ATOMIC_ACQUIRE);

	if (!why)
		return;
	n->said = true;
	pr_err("hvc0: the other side's %s %u is %s (ours %u): %s\n", index, n->theirs, why, n->ours,
	       then);
}

/* The input side: whether binding the port was tried (set, under
 * input_bind_lock, once it is done) and how it went (the port, or a
 * negative Xen error); the lock readers take the input under; and the
 * events the handler has seen, with the queue it wakes. */
static struct mutex input_bind_lock = MUTEX_INIT;
static bool input_bind_tried;
static int input_bind_rc;
static struct spinlock ring_in_lock = SPINLOCK_INIT;
static volatile uint64_t ring_events;
static struct wait_queue ring_event_wq = WAIT_QUEUE_INIT;

#define OUT_SIZE sizeof(ring->out)
#define IN_SIZE sizeof(ring->in)

/* Free space in the output ring if we produced up to `prod`: -1 for an
 * index of the other side that makes no sense, noted to be said. */
static long ring_out_space(XENCONS_RING_IDX prod)
{
	XENCONS_RING_IDX cons = READ_ONCE(ring->out_cons);
	const char *why;
	long space = console_ring_out_space(prod, cons, OUT_SIZE, &why);

	ring_nonsense_seen(&out_nonsense, why, cons, prod);
	return space;
}

static bool ring_wait_space(XENCONS_RING_IDX prod)
{
	for (long spins = 0; spins < 20000000; spins++) {
		long space = ring_out_space(prod);

		if (space > 0)
			return true;
		if (space < 0)
			return false;
		if ((spins & 0xfff) == 0)
			xen_evtchn_send(ring_evtchn);
		cpu_relax();
	}
	return false;
}

static void ring_publish(XENCONS_RING_IDX prod)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring->out_prod = prod;
	xen_evtchn_send(ring_evtchn);
}

static bool ring_put(XENCONS_RING_IDX *prod, char c)
{
	if (ring_out_space(*prod) <= 0) {
		ring_publish(*prod);
		if (!ring_wait_space(*prod))
			return false;
	}
	ring->out[MASK_XENCONS_IDX(*prod, ring->out)] = c;
	(*prod)++;
	return true;
}

/* A terminal on the other side (xl console) wants CR LF, as a tty's ONLCR
 * would give it. */
static void ring_write(const char *s, size_t n)
{
	XENCONS_RING_IDX prod = ring->out_prod;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] == '\n' && !ring_put(&prod, '\r')) || !ring_put(&prod, s[i])) {
			dropped += n - i;
			break;
		}
	}
	ring_publish(prod);
}

/* Characters waiting in the input ring of `r` if we have consumed up to
 * `cons`: 0 also when the other side's producer index claims more than the
 * ring holds or went backwards; *why says so. */
static XENCONS_RING_IDX ring_input_avail(const struct xencons_interface *r, XENCONS_RING_IDX cons,
					 const char **why)
{
	return console_ring_in_avail(READ_ONCE(r->in_prod), cons, sizeof(r->in), why);
}

/*
 * Takes one character from the input ring of `r`, or returns -1.  It works
 * on any interface, so the selftest can feed it a private one.  *emptied
 * says whether that was the last character in sight: xenconsoled stops
 * reading its pty only while the ring is full, so it needs a kick from us
 * only once we have emptied what we saw, not for every character.
 */
static int ring_take(struct xencons_interface *r, bool *emptied)
{
	XENCONS_RING_IDX cons = READ_ONCE(r->in_cons), prod = READ_ONCE(r->in_prod);
	const char *why;
	XENCONS_RING_IDX avail = console_ring_in_avail(prod, cons, sizeof(r->in), &why);
	int c;

	*emptied = false;
	if (r == ring)
		ring_nonsense_seen(&in_nonsense, why, prod, cons);
	if (avail == 0)
		return -1;
	/* The data was written before the index we read: read it after. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c = (unsigned char)r->in[MASK_XENCONS_IDX(cons, r->in)];
	/* And give the slot back only once it has been read. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(r->in_cons, cons + 1);
	*emptied = avail == 1;
	return c;
}

/* Interrupt context: count, and wake the readers when there is input.
 * The same port also says that output was drained, which wakes nobody. */
static void ring_event(evtchn_port_t port, void *arg)
{
	const char *why;

	ring_events++;
	wq_wake_all(&ring_event_wq);
	if (ring_input_avail(ring, READ_ONCE(ring->in_cons), &why))
		console_input_ready();
}

static int ring_getc(void);

static struct console hvc0_ring_console = {
    .name = "hvc0",
    .write = ring_write,
    .getc = ring_getc,
};

static void ring_input_bind(void)
{
	input_bind_rc = evtchn_bind_existing(ring_evtchn, ring_event, NULL, "hvc0");
	if (input_bind_rc < 0) {
		pr_err("hvc0: binding console port %u failed (%d): input stays polled\n",
		       ring_evtchn, input_bind_rc);
		return;
	}
	hvc0_ring_console.irq_input = true;
	/* Said quietly: this runs inside the shell's first read, after its prompt. */
	pr_debug("hvc0: input on event channel %u\n", ring_evtchn);
}

/* Binds the console port once, from a thread with interrupts on (so the
 * event channels are up); from then on readers sleep between events.
 * Returns once the port is bound, or binding it failed, whoever did it. */
static void ring_input_start(void)
{
	if (__atomic_load_n(&input_bind_tried, __ATOMIC_ACQUIRE) || irqs_disabled())
		return;
	mutex_lock(&input_bind_lock);
	if (!input_bind_tried) {
		ring_input_bind();
		__atomic_store_n(&input_bind_tried, true, __ATOMIC_RELEASE);
	}
	mutex_unlock(&input_bind_lock);
}

static int ring_getc(void)
{
	unsigned long flags;
	bool emptied;
	int c;

	ring_input_start();
	flags = spin_lock_irqsave(&ring_in_lock);
	c = ring_take(ring, &emptied);
	spin_unlock_irqrestore(&ring_in_lock, flags);
	if (emptied)
		xen_evtchn_send(ring_evtchn);
	ring_nonsense_say(&in_nonsense, "input producer index", "input ignored");
	ring_nonsense_say(&out_nonsense, "output consumer index", "output dropped");
	return c;
}

void xen_console_ring_register(void *page, uint32_t evtchn)
{
	ring = page;
	ring_evtchn = evtchn;
	console_register(&hvc0_ring_console);
}

/* In a domain restored from a save: the same page, a new port, chosen
 * by the restore.  Bound again if input was (interrupts on). */
void xen_console_ring_resume(void)
{
	mutex_lock(&input_bind_lock);
	ring_evtchn = xen_info.console_evtchn;
	if (ring && input_bind_rc >= 0 && __atomic_load_n(&input_bind_tried, __ATOMIC_ACQUIRE))
		ring_input_bind();
	mutex_unlock(&input_bind_lock);
}

/* --- selftest --- */

/* ring_take() over a private interface: in order, across the wrap of the
 * 32-bit indexes, and deaf to a producer index beyond the ring or gone
 * backwards. */
static const char *ring_take_check(void)
{
	static struct xencons_interface fake;
	const XENCONS_RING_IDX start = 0xfffffffeU;
	const char *msg = "ok\r";
	bool emptied;

	fake.in_cons = start;
	for (XENCONS_RING_IDX i = 0; i < 3; i++)
		fake.in[MASK_XENCONS_IDX(start + i, fake.in)] = msg[i];
	fake.in_prod = start + 3;
	for (XENCONS_RING_IDX i = 0; i < 3; i++) {
		if (ring_take(&fake, &emptied) != msg[i])
			return "characters came out wrong across the index wrap";
		if (emptied != (i == 2))
			return "the ring was reported emptied at the wrong character";
	}
	if (ring_take(&fake, &emptied) != -1 || fake.in_cons != start + 3)
		return "an empty ring gave a character";
	fake.in_prod = fake.in_cons + sizeof(fake.in) + 1;
	if (ring_take(&fake, &emptied) != -1 || fake.in_cons != start + 3)
		return "a producer index beyond the ring was believed";
	fake.in_prod = fake.in_cons - 1;
	if (ring_take(&fake, &emptied) != -1 || fake.in_cons != start + 3)
		return "a producer index gone backwards was believed";
	return NULL;
}

/* Waits, sleeping, for the handler's count to pass `before`; true if it did
 * within `ns`. */
static bool ring_wait_event(uint64_t before, uint64_t ns)
{
	return wait_event_deadline(&ring_event_wq, ring_events != before, sched_clock() + ns);
}

/*
 * On a domU: the console port is bound and open, and readers sleep.  An
 * event really reaches the handler: xenconsoled kicks the port after it
 * drains our output, so a line printed here must bring one.  Typed input
 * cannot be produced from inside the guest; the session scenarios
 * (tests/vm/xl-session.sh) type into the console through dom0's pty.
 */
SELFTEST(xen_console_ring)
{
	const char *bad;
	uint64_t before, t0;

	if (!ring)
		return selftest_skip(ctx, "no Xen console ring (not a Xen domU)");
	if (irqs_disabled())
		return selftest_error(ctx, "interrupts are off: the port cannot be bound");
	ring_input_start();
	if (input_bind_rc < 0)
		return selftest_fail(ctx, "binding console port %u failed (%d)", ring_evtchn,
				     input_bind_rc);
	if (evtchn_is_masked(ring_evtchn) || !hvc0_ring_console.irq_input)
		return selftest_fail(ctx, "console port %u bound but %s", ring_evtchn,
				     evtchn_is_masked(ring_evtchn)
					 ? "still masked"
					 : "input not marked interrupt-driven");
	if ((bad = ring_take_check()))
		return selftest_fail(ctx, "input ring: %s", bad);
	before = ring_events;
	t0 = sched_clock();
	kprintf("hvc0: waiting for xenconsoled to drain this line and kick port %u\n", ring_evtchn);
	if (!ring_wait_event(before, 2 * NSEC_PER_SEC)) {
		if (READ_ONCE(ring->out_cons) != ring->out_prod)
			return selftest_error(ctx, "nobody drained the output ring in 2 s");
		return selftest_fail(ctx, "output drained, but no event reached port %u in 2 s",
				     ring_evtchn);
	}
	return selftest_pass(ctx,
			     "port %u bound and open, readers sleep; xenconsoled's kick came "
			     "after %lu us; input ring checks pass; typing is tested by the "
			     "xl session scenarios",
			     ring_evtchn, (sched_clock() - t0) / NSEC_PER_USEC);
}
