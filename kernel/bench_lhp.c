/*
 * Lock-holder preemption, for make bench (`bench=lhp`, tools/bench-lhp.sh):
 * every online CPU takes one lock over and over for a fixed time, with a
 * little work inside and outside it, and the acquisitions are counted.
 *
 * In a guest with more vCPUs than the hypervisor has CPUs, the hypervisor
 * now and then preempts the vCPU holding the lock, or the one whose ticket
 * comes next, and the others can only wait until it runs again.  Waiters
 * that only spin burn the CPUs it would need meanwhile; waiters that block
 * (Xen's poll/kick slow path) hand them back.
 *
 * Both are measured in the same boot, in alternating windows of
 * LHP_WINDOW_NS: in odd windows waiters only spin, as with `nopvspin`
 * (spinlock_set_spin_only: the unlock stays the platform's).  Under
 * emulation on a shared host the speed of the whole machine drifts by
 * several times from one boot to the next, and even within one; windows
 * short against that and taken in turn meet the same conditions.  The
 * time is the platform's clock (on Xen its system time: wall time,
 * whoever runs), and every CPU works out the window from it.  The clock
 * starts when the last CPU has come (before, fewer CPUs contend), and the
 * first LHP_WARMUP_NS are not counted.
 *
 * Output, read by tools/bench-lhp.sh:
 *   bench: lhp threshold <SPIN_THRESHOLD> turns in <us>
 *   bench: lhp windows <acquisitions in each window, in turn>
 *   bench: lhp <cpus> <ns of each kind> <acquisitions blocking> <spinning>
 *              <polls> <kicks> <slow waits> <lost kicks>
 */
#include <amphi/bench.h>
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/smp.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>

#define LHP_WINDOWS 40
#define LHP_WINDOW_NS (150 * NSEC_PER_MSEC)
/* Not counted: a vCPU that has just come (woken by the call's IPI) runs
 * boosted for a while, and the hypervisor does not yet share the CPUs
 * out in time slices; here the first 150 ms took most acquisitions. */
#define LHP_WARMUP_NS (300 * NSEC_PER_MSEC)
/* Increments of the shared word inside the lock, and of a local one outside. */
#define LHP_HOLD 50
#define LHP_GAP 50
/* Rounds between two looks at the clock (a trap into Xen where it
 * emulates the TSC). */
#define LHP_BATCH 4

struct lhp {
	struct spinlock lock;
	volatile uint64_t shared;
	uint64_t start; /* set by the last CPU to come; 0 until then */
	unsigned int cpus;
	volatile unsigned int arrived;
	/* Even windows block, odd ones spin; the last slot is the warm-up. */
	uint64_t taken[NR_CPUS][LHP_WINDOWS + 1];
};

static struct lhp lhp;

/* The work outside the lock is no `pause`: under QEMU's TCG every pause
 * leaves the translated code and takes the emulator's global lock, which
 * would slow every CPU of the machine, the lock holder's too. */
static void lhp_round(struct lhp *b)
{
	volatile unsigned int gap = 0;

	spin_lock(&b->lock);
	for (int i = 0; i < LHP_HOLD; i++)
		b->shared++;
	spin_unlock(&b->lock);
	for (int i = 0; i < LHP_GAP; i++)
		gap++;
}

/* The window now: LHP_WINDOWS + 1 during the warm-up, LHP_WINDOWS once
 * past the last. */
static unsigned int lhp_window(const struct lhp *b)
{
	uint64_t now = sched_clock(), w;

	if (now < b->start + LHP_WARMUP_NS)
		return LHP_WINDOWS + 1;
	w = (now - b->start - LHP_WARMUP_NS) / LHP_WINDOW_NS;
	return w < LHP_WINDOWS ? (unsigned int)w : LHP_WINDOWS;
}

/* On every CPU, interrupts off: nothing but the hypervisor takes it away. */
static void lhp_cpu(void *arg)
{
	struct lhp *b = arg;
	uint64_t *taken = b->taken[smp_processor_id()];
	unsigned int w;

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_SEQ_CST) == b->cpus)
		__atomic_store_n(&b->start, sched_clock(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&b->start, __ATOMIC_ACQUIRE))
		cpu_relax();
	while ((w = lhp_window(b)) != LHP_WINDOWS) {
		spinlock_set_spin_only(w % 2);
		for (int i = 0; i < LHP_BATCH; i++)
			lhp_round(b);
		taken[MIN(w, LHP_WINDOWS)] += LHP_BATCH;
	}
}

/* How long a waiter spins before it may block: SPIN_THRESHOLD turns of
 * the slow path's loop, on a lock that never comes free. */
static uint64_t lhp_threshold_ns(void)
{
	struct spinlock l = {.head_tail = ticket_word(0, 2)};
	uint64_t t0 = sched_clock();

	for (unsigned int n = SPIN_THRESHOLD; n; n--) {
		if (ticket_served(__atomic_load_n(&l.head_tail, __ATOMIC_ACQUIRE), 2))
			break;
		cpu_relax();
	}
	return sched_clock() - t0;
}

bool bench_lhp(void)
{
	struct spinlock_stats before, after;
	uint64_t sum[2] = {0, 0}, warmup = 0;

	lhp = (struct lhp){.lock = SPINLOCK_INIT, .cpus = nr_cpus_online()};
	kprintf("bench: lock-holder preemption: %u CPUs on one lock, %u windows of %lu ms\n",
		lhp.cpus, LHP_WINDOWS, LHP_WINDOW_NS / NSEC_PER_MSEC);
	spinlock_report();
	kprintf("bench: lhp threshold %u turns in %lu us\n", SPIN_THRESHOLD,
		lhp_threshold_ns() / 1000);
	spinlock_stats_total(&before);
	on_each_cpu(lhp_cpu, &lhp);
	spinlock_set_spin_only(false);
	spinlock_stats_total(&after);
	kprintf("bench: lhp windows");
	for (unsigned int w = 0; w < LHP_WINDOWS; w++) {
		uint64_t n = 0;

		for (unsigned int i = 0; i < NR_CPUS; i++)
			n += lhp.taken[i][w];
		sum[w % 2] += n;
		kprintf(" %lu", n);
	}
	for (unsigned int i = 0; i < NR_CPUS; i++)
		warmup += lhp.taken[i][LHP_WINDOWS];
	kprintf(", and %lu in the %lu ms of warm-up\n", warmup, LHP_WARMUP_NS / NSEC_PER_MSEC);
	kprintf("bench: lhp %u %lu %lu %lu %lu %lu %lu %lu\n", lhp.cpus,
		LHP_WINDOWS / 2 * LHP_WINDOW_NS, sum[0], sum[1], after.polls - before.polls,
		after.kicks - before.kicks, after.slow - before.slow, after.lost - before.lost);
	if (lhp.shared != (sum[0] + sum[1] + warmup) * LHP_HOLD) {
		kprintf("bench: FAILED: the lock let increments be lost\n");
		return false;
	}
	kprintf("bench: done\n");
	return true;
}
