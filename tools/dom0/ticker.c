/*
 * ticker SECONDS: the Linux guest's side of make bench's migration
 * downtime (tools/bench-migrate.sh), the loop of Amphi's `ticker`
 * (kernel/ticker_shell.c) in user space: sleep 1 ms at a time
 * (clock_nanosleep) and keep the largest gap between two wake-ups, on
 * CLOCK_BOOTTIME and on CLOCK_MONOTONIC.  Linux's monotonic clock leaves
 * out what its timekeeping counts as suspended (it adds that to the boot
 * time only), as Amphi's sched_clock leaves out the time away; the boot
 * clocks of both count it.  Ends after SECONDS or at
 * SIGUSR1, SIGTERM or SIGINT, and prints Amphi's line in the same words.
 * Static: the guest it runs in has only busybox.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSEC_PER_MSEC UINT64_C(1000000)
#define NSEC_PER_SEC UINT64_C(1000000000)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int main(int argc, char **argv)
{
	const struct timespec tick = {0, NSEC_PER_MSEC};
	uint64_t limit, ticks = 0, gap = 0, gap_mono = 0, start, last, last_mono;
	struct sigaction sa;
	char *end;

	if (argc != 2 || !(limit = strtoull(argv[1], &end, 10)) || *end || limit > 86400) {
		fprintf(stderr, "usage: ticker SECONDS (1 to 86400)\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	start = last = read_ns(CLOCK_BOOTTIME);
	last_mono = read_ns(CLOCK_MONOTONIC);
	while (!stop && last - start < limit * NSEC_PER_SEC) {
		/* A signal cuts the sleep short (no SA_RESTART): that gap is
		 * as short as any and ends the loop. */
		clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
		uint64_t now = read_ns(CLOCK_BOOTTIME), mono = read_ns(CLOCK_MONOTONIC);

		gap = max_u64(gap, now - last);
		gap_mono = max_u64(gap_mono, mono - last_mono);
		ticks++;
		last = now;
		last_mono = mono;
	}
	limit = last - start;
	printf("ticker: %" PRIu64 " ticks in %" PRIu64 ".%03" PRIu64 " s; largest gap %" PRIu64
	       ".%03" PRIu64 " ms (boot clock), %" PRIu64 ".%03" PRIu64 " ms (monotonic clock)\n",
	       ticks, limit / NSEC_PER_SEC, limit % NSEC_PER_SEC / NSEC_PER_MSEC,
	       gap / NSEC_PER_MSEC, gap % NSEC_PER_MSEC / 1000, gap_mono / NSEC_PER_MSEC,
	       gap_mono % NSEC_PER_MSEC / 1000);
	return 0;
}
