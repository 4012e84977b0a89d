/*
 * The CMOS real-time clock (an MC146818 or what imitates one: every PC,
 * QEMU, and Xen's dom0 through Xen's mediation) as a reference clock for
 * the selftests.  Nothing here sets it or reads the date: the only event
 * used is the change of its seconds register, once a second by its own
 * crystal (under QEMU, by the host's wall clock).
 *
 * The registers may be read only while no update is in progress: the chip
 * raises UIP in register A at least 244 us before it changes them, so a
 * read of the seconds right after a read of A that showed UIP clear is
 * valid.  The two reads run with interrupts off to stay inside that.
 *
 * An edge is seen between the last read that showed the old second (or an
 * update still in progress) and the first that showed the new one; the
 * clock under test is read between reads, so the edge is bracketed by it.
 * Edges are awaited until the span between two of them says for certain
 * whether the clock is within the tolerance or not: an edge seen late,
 * because the vCPU was descheduled or an interrupt ran long, only makes
 * a later one needed.
 */
#include <amphi/selftest.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/rtc.h>
#include <asm/x86.h>

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_D 0x0d
#define REG_A_UIP 0x80
#define REG_A_DIVIDER 0x70
#define REG_A_DIVIDER_32K 0x20 /* the normal time base, running */
#define REG_B_BINARY 0x04
#define REG_D_VALID 0x80 /* "valid RAM and time": the battery held */

/* A backstop should the clock under test stand still. */
#define RTC_MAX_READS (1UL << 24)

struct rtc_edge {
	uint64_t after, before; /* the clock: the edge lies between */
	unsigned int second;
};

uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static unsigned int rtc_decode(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

/* The seconds, or -1 while an update is in progress. */
static int rtc_seconds(bool binary)
{
	unsigned long flags = local_irq_save();
	int s = -1;

	if (!(cmos_read(RTC_REG_A) & REG_A_UIP))
		s = (int)rtc_decode(cmos_read(RTC_SECONDS), binary);
	local_irq_restore(flags);
	return s;
}

static enum rtc_status rtc_check(bool *binary)
{
	uint8_t a = cmos_read(RTC_REG_A), d = cmos_read(RTC_REG_D);

	if (a == 0xff && d == 0xff)
		return RTC_ABSENT;
	if ((a & REG_A_DIVIDER) != REG_A_DIVIDER_32K || !(d & REG_D_VALID))
		return RTC_STOPPED;
	*binary = cmos_read(RTC_REG_B) & REG_B_BINARY;
	return RTC_OK;
}

/* Waits for the seconds to change from `from` (-1: from whatever they
 * are at the first valid read).  The clock is read once between reads of
 * the RTC: the edge came after the reading before the last read that
 * showed the old second, and before the reading after the first read
 * that showed the new one. */
static bool rtc_next_edge(uint64_t (*clock)(void), bool binary, int from, struct rtc_edge *e)
{
	uint64_t start = clock(), t_prev = start;

	e->after = start;
	for (unsigned long i = 0; i < RTC_MAX_READS; i++) {
		int s = rtc_seconds(binary);
		uint64_t t = clock();

		if (s >= 0 && from >= 0 && s != from) {
			e->before = t;
			e->second = (unsigned int)s;
			return true;
		}
		if (s >= 0 && from < 0)
			from = s;
		e->after = t_prev;
		t_prev = t;
		if (t - start > RTC_EDGE_WAIT_NS)
			break;
	}
	return false;
}

static void rtc_span_of(const struct rtc_edge *from, const struct rtc_edge *to,
			unsigned int seconds, struct rtc_span *span)
{
	span->seconds = seconds;
	span->min_ns = to->after - from->before;
	span->max_ns = to->before - from->after;
}

/* Whether the span says for certain that the clock is within tol_ppm
 * (RTC_OK) or beyond it (RTC_OFF); RTC_TOO_BLURRED when it cannot tell. */
static enum rtc_status rtc_verdict(const struct rtc_span *span, int64_t tol_ppm)
{
	uint64_t want = span->seconds * NSEC_PER_SEC;
	uint64_t tol = span->seconds * (uint64_t)tol_ppm * 1000;

	if (span->min_ns >= want - tol && span->max_ns <= want + tol)
		return RTC_OK;
	if (span->min_ns > want + tol || span->max_ns < want - tol)
		return RTC_OFF;
	return RTC_TOO_BLURRED;
}

static int64_t rtc_blur_ppm(const struct rtc_span *s)
{
	int64_t lo, hi;

	rtc_span_ppm(s, &lo, &hi);
	return hi - lo;
}

/* A pair of edges that said "off", kept until a second pair confirms it. */
struct rtc_off {
	bool have;
	unsigned int from, to;
	bool fast;
};

/* An edge seen late (a busy host delays the RTC's update or our reads)
 * makes every span that ends or starts at it look off, one long and the
 * next short; a wrong clock makes every span off the same way.  So "off"
 * needs two pairs with no edge in common, off in the same direction. */
static bool rtc_off_confirmed(struct rtc_off *off, unsigned int from, unsigned int to,
			      const struct rtc_span *s)
{
	bool fast = s->min_ns > s->seconds * NSEC_PER_SEC;

	if (off->have && off->fast == fast && off->to != from && off->to != to &&
	    off->from != from && off->from != to)
		return true;
	if (!off->have)
		*off = (struct rtc_off){true, from, to, fast};
	return false;
}

/* The newest of n edges against each earlier one: the first pair that
 * tells, or else the sharpest. */
static enum rtc_status rtc_judge(const struct rtc_edge *edge, const unsigned int *second,
				 unsigned int n, int64_t tol_ppm, struct rtc_span *span,
				 struct rtc_off *off)
{
	struct rtc_span s;

	for (unsigned int i = 0; i + 1 < n; i++) {
		rtc_span_of(&edge[i], &edge[n - 1], second[n - 1] - second[i], &s);
		enum rtc_status v = rtc_verdict(&s, tol_ppm);

		if (v == RTC_OFF && !rtc_off_confirmed(off, i, n - 1, &s))
			v = RTC_TOO_BLURRED;
		if (v != RTC_TOO_BLURRED || i == 0 || rtc_blur_ppm(&s) < rtc_blur_ppm(span))
			*span = s;
		if (v != RTC_TOO_BLURRED)
			return v;
	}
	return RTC_TOO_BLURRED;
}

enum rtc_status rtc_compare(uint64_t (*clock)(void), int64_t tol_ppm, struct rtc_span *span)
{
	struct rtc_edge edge[RTC_EDGES_MAX];
	unsigned int second[RTC_EDGES_MAX]; /* since the first edge */
	struct rtc_off off = {0};
	bool binary = false;
	enum rtc_status st = rtc_check(&binary);

	span->edges = 0;
	if (st != RTC_OK)
		return st;
	if (!rtc_next_edge(clock, binary, -1, &edge[0]))
		return RTC_NO_EDGE;
	second[0] = 0;
	for (unsigned int n = 1; n < RTC_EDGES_MAX; n++) {
		if (!rtc_next_edge(clock, binary, (int)edge[n - 1].second, &edge[n]))
			return RTC_NO_EDGE;
		second[n] = second[n - 1] + (edge[n].second + 60 - edge[n - 1].second) % 60;
		st = rtc_judge(edge, second, n + 1, tol_ppm, span, &off);
		span->edges = n + 1;
		if (st != RTC_TOO_BLURRED)
			return st;
	}
	return RTC_TOO_BLURRED;
}

const char *rtc_status_name(enum rtc_status s)
{
	switch (s) {
	case RTC_OK:
		return "ok";
	case RTC_ABSENT:
		return "no RTC (its registers read all ones)";
	case RTC_STOPPED:
		return "the RTC's divider is stopped or its time invalid";
	case RTC_NO_EDGE:
		return "the RTC's seconds did not change within 1.5 s";
	case RTC_OFF:
		return "off by more than the tolerance";
	case RTC_TOO_BLURRED:
		return "RTC edges seen too blurred to tell";
	}
	return "?";
}

enum selftest_result rtc_selftest_verdict(struct selftest_ctx *ctx, const char *what,
					  enum rtc_status st, const struct rtc_span *span,
					  int64_t tol_ppm)
{
	int64_t lo = 0, hi = 0;

	if (st == RTC_ABSENT || st == RTC_STOPPED)
		return selftest_skip(ctx, "%s: nothing apart from the clock to compare with",
				     rtc_status_name(st));
	if (st == RTC_NO_EDGE)
		return selftest_fail(ctx, "%s by %s (%u edges seen before)", rtc_status_name(st),
				     what, span->edges);
	/* Only RTC_OK, RTC_OFF and RTC_TOO_BLURRED are left. */
	enum selftest_result r = st == RTC_OK	 ? SELFTEST_SUCCESS
				 : st == RTC_OFF ? SELFTEST_FAILURE
						 : SELFTEST_ERROR;

	rtc_span_ppm(span, &lo, &hi);
	return selftest_say(
	    ctx, r, "%u s of RTC took %lu..%lu us by %s: %ld..%ld ppm, %s %ld ppm (%u edges)",
	    span->seconds, span->min_ns / 1000, span->max_ns / 1000, what, lo, hi,
	    r == SELFTEST_SUCCESS   ? "within"
	    : r == SELFTEST_FAILURE ? "beyond"
				    : "unsure if within",
	    tol_ppm, span->edges);
}
