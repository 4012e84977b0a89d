/*
 * The load average (/proc/loadavg): every LOADAVG_PERIOD_NS a timer on
 * the boot CPU counts the threads running or queued to run, user
 * processes and kernel threads alike but not the idle threads (Linux
 * counts its kernel threads as well), and moves the three averages toward
 * that count (lib/loadavg.c).  Linux adds the tasks in uninterruptible
 * sleep; a thread here sleeps one way only, and those are not counted.
 * A sample the timer made late (a save or a migration stopped the domain,
 * or the CPU was offline) counts the periods it missed as periods of the
 * load it finds then, as Linux's NO_HZ catch-up does with the load of
 * the moment; beyond LOADAVG_CATCH_UP of them the rest add nothing.
 */
#include <amphi/loadavg.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <amphi/time.h>

#define LOADAVG_CATCH_UP 1000

static struct timer loadavg_timer;
static struct spinlock loadavg_lock = SPINLOCK_INIT;
static uint64_t loadavg_avg[3];
static uint64_t loadavg_next;

static void loadavg_sample(struct timer *t)
{
	unsigned int runnable, live, n = 0;
	uint64_t now = sched_clock();
	unsigned long flags;

	sched_load_counts(&runnable, &live);
	flags = spin_lock_irqsave(&loadavg_lock);
	while (loadavg_next <= now && n++ < LOADAVG_CATCH_UP) {
		loadavg_update(loadavg_avg, runnable);
		loadavg_next += LOADAVG_PERIOD_NS;
	}
	if (loadavg_next <= now)
		loadavg_next = now + LOADAVG_PERIOD_NS;
	spin_unlock_irqrestore(&loadavg_lock, flags);
	timer_add(t, loadavg_next, loadavg_sample);
}

void time_load_init(void)
{
	loadavg_next = sched_clock() + LOADAVG_PERIOD_NS;
	timer_add(&loadavg_timer, loadavg_next, loadavg_sample);
}

void loadavg_read(uint64_t avg[3])
{
	unsigned long flags = spin_lock_irqsave(&loadavg_lock);

	for (int i = 0; i < 3; i++)
		avg[i] = loadavg_avg[i];
	spin_unlock_irqrestore(&loadavg_lock, flags);
}
