/*
 * The boot clock: sched_clock plus the time the domain was away, Linux's
 * CLOCK_BOOTTIME.  sched_clock leaves out the time a save or a
 * migration's last pass kept the domain stopped (arch/x86/xen/time.c:
 * every timeout running then would expire at once on resume), and the
 * platform measures it by its wallclock and reports it here once per
 * resume, as Linux injects its suspended time.  What wants to see a
 * suspend as the gap it was, like the `ticker` that make bench runs
 * across a migration (kernel/ticker_shell.c), reads this clock.
 */
#include <amphi/time.h>

static uint64_t time_away_total;

/* On resume, interrupts off, every other CPU offline. */
void time_note_away(uint64_t ns)
{
	WRITE_ONCE(time_away_total, READ_ONCE(time_away_total) + ns);
}

uint64_t time_boot_ns(uint64_t *mono)
{
	uint64_t away, now;

	/* A resume between the two reads would pair an old reading with a
	 * new total: read again. */
	do {
		away = READ_ONCE(time_away_total);
		now = sched_clock();
	} while (away != READ_ONCE(time_away_total));
	if (mono)
		*mono = now;
	return now + away;
}
