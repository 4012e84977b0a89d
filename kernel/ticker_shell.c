/*
 * The shell's `ticker SECONDS` (as a job: `ticker 300 &`) and `ticker
 * stop`: the guest's own view of a migration's downtime, for make bench
 * (tools/bench-migrate.sh).  A thread sleeps 1 ms at a time and keeps the
 * largest gap between two of its wake-ups, on the boot clock (sched_clock
 * plus the time the domain was away, which sched_clock leaves out:
 * kernel/boot_clock.c) and on sched_clock alone.  It ends after SECONDS or
 * at `ticker stop` and prints one line in the words of tools/dom0/ticker.c,
 * the same loop in the Linux guest on CLOCK_BOOTTIME and CLOCK_MONOTONIC,
 * so that the two compare.  A kernel command rather than that program run
 * as a process: Xen PV has no user mode yet, and one loop serves PV and
 * PVH alike.  One ticker at a time.
 */
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/shell.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>

struct ticker_gaps {
	uint64_t ticks, boot_ns, mono_ns;
};

static struct spinlock ticker_lock = SPINLOCK_INIT;
static bool ticker_running, ticker_stop;

static void ticker_loop(uint64_t limit_ns, struct ticker_gaps *g)
{
	uint64_t mono, last_mono, start = time_boot_ns(&last_mono), last = start;

	while (!READ_ONCE(ticker_stop) && last - start < limit_ns) {
		sleep_ns(NSEC_PER_MSEC);
		uint64_t now = time_boot_ns(&mono);

		g->boot_ns = MAX(g->boot_ns, now - last);
		g->mono_ns = MAX(g->mono_ns, mono - last_mono);
		g->ticks++;
		last = now;
		last_mono = mono;
	}
	limit_ns = last - start;
	kprintf("ticker: %lu ticks in %lu.%03lu s; largest gap %lu.%03lu ms (boot clock), "
		"%lu.%03lu ms (monotonic clock)\n",
		g->ticks, limit_ns / NSEC_PER_SEC, limit_ns % NSEC_PER_SEC / NSEC_PER_MSEC,
		g->boot_ns / NSEC_PER_MSEC, g->boot_ns % NSEC_PER_MSEC / NSEC_PER_USEC,
		g->mono_ns / NSEC_PER_MSEC, g->mono_ns % NSEC_PER_MSEC / NSEC_PER_USEC);
}

/* Claims the one ticker; false when one runs already. */
static bool ticker_claim(void)
{
	unsigned long flags = spin_lock_irqsave(&ticker_lock);
	bool free = !ticker_running;

	if (free)
		ticker_running = true, ticker_stop = false;
	spin_unlock_irqrestore(&ticker_lock, flags);
	return free;
}

SHELL_CMD(ticker,
	  "largest gap in a 1 ms sleep loop: ticker SECONDS (as a job: ticker S &), ticker stop")
{
	struct ticker_gaps g = {0};
	uint64_t seconds;

	if (argc == 2 && !strcmp(argv[1], "stop")) {
		WRITE_ONCE(ticker_stop, true);
		return 0;
	}
	if (argc != 2 || parse_u64(argv[1], strlen(argv[1]), &seconds) != strlen(argv[1]) ||
	    !seconds || seconds > 86400) {
		kprintf("usage: ticker SECONDS (1 to 86400) | ticker stop\n");
		return 1;
	}
	if (!ticker_claim()) {
		kprintf("ticker: one is running already\n");
		return 1;
	}
	ticker_loop(seconds * NSEC_PER_SEC, &g);
	WRITE_ONCE(ticker_running, false);
	return 0;
}
