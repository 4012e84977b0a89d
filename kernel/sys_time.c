/*
 * The clocks as system calls: clock_gettime, clock_settime,
 * clock_getres, gettimeofday, settimeofday and time.  CLOCK_REALTIME (and
 * its COARSE twin) is the time of day (kernel/time_wall.c), the only
 * clock that can be set, as on Linux, and by root alone, which every
 * process here is.  MONOTONIC (RAW, COARSE) is sched_clock, without the
 * time a save or migration kept the domain stopped; BOOTTIME has it.  The
 * time zone settimeofday is given is kept and handed back by
 * gettimeofday, as Linux's sys_tz; the clocks stay UTC.
 */
#include <amphi/errno.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/uaccess.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
/* Minutes west of Greenwich: Linux's bound. */
#define TZ_MINUTES_MAX (15 * 60)

struct k_timezone {
	int32_t minuteswest, dsttime;
};

static struct k_timezone sys_tz;

/* Clock clk now, in ns: 0 or -EINVAL. */
static long clock_read(uint64_t clk, int64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_real_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
		*ns = (int64_t)sched_clock();
		return 0;
	case CLOCK_BOOTTIME:
		*ns = (int64_t)time_boot_ns(NULL);
		return 0;
	}
	return -EINVAL;
}

static long ns_to_user(int64_t ns, uint64_t uts, int64_t unit)
{
	int64_t t[2] = {ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC / unit};

	if (t[1] < 0) { /* before the epoch: the fraction stays positive */
		t[0]--;
		t[1] += (int64_t)NSEC_PER_SEC / unit;
	}
	return copy_to_user(uts, t, sizeof(t));
}

long sys_clock_gettime(const struct sysargs *a)
{
	int64_t ns;
	long r = clock_read(a->a[0], &ns);

	return r ? r : ns_to_user(ns, a->a[1], 1);
}

/* The clocks count nanoseconds, the COARSE ones too. */
long sys_clock_getres(const struct sysargs *a)
{
	int64_t ns;
	long r = clock_read(a->a[0], &ns);

	if (r || !a->a[1])
		return r;
	return ns_to_user(1, a->a[1], 1);
}

/* The time of day set to sec and sub (in units of unit ns): Linux's
 * checks of a new time (a negative time, a fraction out of range). */
static long real_set(int64_t sec, int64_t sub, int64_t unit)
{
	if (sec < 0 || sub < 0 || sub >= (int64_t)NSEC_PER_SEC / unit)
		return -EINVAL;
	if (sec > INT64_MAX / (int64_t)NSEC_PER_SEC / 2)
		return -EINVAL;
	time_real_set(sec * (int64_t)NSEC_PER_SEC + sub * unit);
	return 0;
}

long sys_clock_settime(const struct sysargs *a)
{
	int64_t t[2];

	if (a->a[0] != CLOCK_REALTIME)
		return -EINVAL;
	if (copy_from_user(t, a->a[1], sizeof(t)))
		return -EFAULT;
	return real_set(t[0], t[1], 1);
}

long sys_gettimeofday(const struct sysargs *a)
{
	struct k_timezone tz = sys_tz;

	if (a->a[0] && ns_to_user(time_real_ns(), a->a[0], NSEC_PER_USEC))
		return -EFAULT;
	if (a->a[1] && copy_to_user(a->a[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long sys_settimeofday(const struct sysargs *a)
{
	int64_t tv[2];
	struct k_timezone tz;
	long r;

	if (a->a[0] && copy_from_user(tv, a->a[0], sizeof(tv)))
		return -EFAULT;
	if (a->a[1] && copy_from_user(&tz, a->a[1], sizeof(tz)))
		return -EFAULT;
	if (a->a[1] && (tz.minuteswest < -TZ_MINUTES_MAX || tz.minuteswest > TZ_MINUTES_MAX))
		return -EINVAL;
	if (a->a[0] && (r = real_set(tv[0], tv[1], NSEC_PER_USEC)))
		return r;
	if (a->a[1])
		sys_tz = tz;
	return 0;
}

long sys_time(const struct sysargs *a)
{
	int64_t ns = time_real_ns(),
		t = ns / (int64_t)NSEC_PER_SEC - (ns < 0 && ns % (int64_t)NSEC_PER_SEC);

	if (a->a[0] && copy_to_user(a->a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}
