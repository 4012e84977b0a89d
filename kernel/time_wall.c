/*
 * The time of day.  Read once at boot from the platform (the CMOS RTC
 * natively, Xen's shared wallclock on Xen: platform_ops.wallclock_ns) and
 * kept as an offset on the boot clock, as Linux keeps CLOCK_REALTIME as
 * the monotonic clock plus wall_to_monotonic with the suspended time
 * injected: the time away in a save or migration is in the boot clock
 * already, so the time of day needs no fixing on resume.  The offset is
 * one word, read and written whole; clock_settime and settimeofday move
 * it (every process is root).  Nothing keeps it in step with the RTC
 * afterwards: it drifts as the TSC or Xen's system time does.
 *
 * kmain reads it once interrupts are on.  Read (and said) between the
 * clock's start and sched_init, a Xen PV domU then answered events 100
 * to 400 ms late for the rest of its run (xen_pv_net: pings at 90-380
 * ms, TCP at 80-170 KiB/s instead of 4 MiB/s); moved after, every figure
 * was back.  Why that window does so is not yet understood.
 */
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/time.h>

static int64_t time_wall_offset;
static int64_t time_wall_boot_sec;

void time_wall_init(void)
{
	uint64_t wall = platform_ops.wallclock_ns ? platform_ops.wallclock_ns() : 0;
	uint64_t boot = time_boot_ns(NULL);

	if (!wall) {
		pr_info("time: no wall clock, the time of day counts from 1970 at boot\n");
		return;
	}
	WRITE_ONCE(time_wall_offset, (int64_t)(wall - boot));
	time_wall_boot_sec = (int64_t)(wall / NSEC_PER_SEC);
	pr_info("time: wall clock %ld s since the epoch at boot\n", time_wall_boot_sec);
}

int64_t time_real_ns(void)
{
	return (int64_t)time_boot_ns(NULL) + READ_ONCE(time_wall_offset);
}

void time_real_set(int64_t ns)
{
	WRITE_ONCE(time_wall_offset, ns - (int64_t)time_boot_ns(NULL));
}

int64_t time_wall_boot_seconds(void)
{
	return time_wall_boot_sec;
}
