/*
 * The CMOS real-time clock, as a reference to check other clocks against
 * (arch/x86/rtc.c).  It keeps time from its own 32.768 kHz crystal, apart
 * from the PIT the TSC is calibrated from, so it can tell a calibration
 * wrong; the price is its resolution: only the moment its seconds change
 * can be seen, so a comparison takes one to two seconds.
 */
#ifndef ASM_RTC_H
#define ASM_RTC_H
#include <amphi/selftest.h>
#include <amphi/types.h>

/* How long whole RTC seconds took by some clock: at least min_ns, at
 * most max_ns (each edge is seen between two reads of the clock). */
struct rtc_span {
	uint64_t min_ns, max_ns;
	unsigned int seconds;
	unsigned int edges; /* seen in all */
};

enum rtc_status {
	RTC_OK,		/* within the tolerance */
	RTC_OFF,	/* beyond it */
	RTC_ABSENT,	/* its registers read all ones */
	RTC_STOPPED,	/* its divider is not running at 32.768 kHz */
	RTC_NO_EDGE,	/* the seconds did not change within RTC_EDGE_WAIT_NS */
	RTC_TOO_BLURRED /* no two edges seen sharply enough to tell */
};

/* Longer than a second by any clock not badly wrong: waits for an edge
 * end after this much of the clock under test. */
#define RTC_EDGE_WAIT_NS 1500000000ULL

/* At most this many edges, so about as many seconds, on the busiest host. */
#define RTC_EDGES_MAX 6

/* Measures, by `clock` (nanoseconds), whole RTC seconds between its
 * edges until the span says for certain whether the clock is within
 * tol_ppm of the RTC (RTC_OK) or not (RTC_OFF), from at most RTC_EDGES_MAX
 * edges; *span is the pair that told, or else the sharpest.  Natively an
 * edge is seen within microseconds and it takes one to two seconds; where
 * edges blur (a busy host, port reads that exit to Xen) it takes longer.
 * Call with interrupts on; only a few port reads at a time run with them
 * off. */
enum rtc_status rtc_compare(uint64_t (*clock)(void), int64_t tol_ppm, struct rtc_span *span);

/* A CMOS register (port 0x70 index, 0x71 data), NMIs left enabled. */
uint8_t cmos_read(uint8_t reg);

/* platform_ops.wallclock_ns natively (arch/x86/rtc_clock.c): the RTC's
 * date and time in ns since the epoch, whole seconds; 0 without an RTC
 * or with a date that does not decode. */
uint64_t native_rtc_wallclock_ns(void);

/* What a status means, in a few words. */
const char *rtc_status_name(enum rtc_status s);

/* A selftest's result line for a comparison: `what` names the clock.
 * No RTC is a skip; a comparison that could not tell is an error. */
enum selftest_result rtc_selftest_verdict(struct selftest_ctx *ctx, const char *what,
					  enum rtc_status st, const struct rtc_span *span,
					  int64_t tol_ppm);

/* How far the clock is off, in ppm, over a span: the lowest and the
 * highest the bracket allows (positive: the clock runs fast). */
static inline void rtc_span_ppm(const struct rtc_span *s, int64_t *lo, int64_t *hi)
{
	int64_t want = (int64_t)s->seconds * 1000000000;

	*lo = ((int64_t)s->min_ns - want) / ((int64_t)s->seconds * 1000);
	*hi = ((int64_t)s->max_ns - want) / ((int64_t)s->seconds * 1000);
}

#endif
