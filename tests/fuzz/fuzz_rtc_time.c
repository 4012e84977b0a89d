/* Fuzz target: the CMOS RTC's registers (lib/rtc_time.c), firmware data
 * the boot reads once and trusts for the time of day: a torn read while
 * the chip updates, a chip in an encoding it does not say, junk in the
 * century byte.
 *
 * The input is the eight bytes of struct rtc_regs.  A decoded time must
 * lie between 1900 and 3000, its seconds must be the register's (in the
 * encoding register B names), and its date must be the day after the
 * previous day's: the same registers with the day of the month one less
 * decode to exactly 86400 seconds before, or refuse when that day is 0. */
#include "fuzz.h"
#include <amphi/rtc_time.h>

static int reg_value(uint8_t v, uint8_t reg_b)
{
	return reg_b & RTC_B_BINARY ? v : (v >> 4) * 10 + (v & 0xf);
}

static void check_day_before(const struct rtc_regs *r, int64_t t)
{
	struct rtc_regs prev = *r;
	int64_t before;
	int mday = reg_value(r->mday, r->reg_b);

	if (mday <= 1)
		return;
	mday--;
	prev.mday = r->reg_b & RTC_B_BINARY ? (uint8_t)mday : (uint8_t)((mday / 10) << 4 | mday % 10);
	FUZZ_CHECK(rtc_regs_to_epoch(&prev, &before) == 0 && before == t - 86400);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_regs r;
	int64_t t;

	if (size != sizeof(r))
		return 0;
	memcpy(&r, data, sizeof(r));
	if (rtc_regs_to_epoch(&r, &t))
		return 0;
	FUZZ_CHECK(t >= rtc_days_from_civil(1900, 1, 1) * 86400);
	FUZZ_CHECK(t < rtc_days_from_civil(3000, 1, 1) * 86400);
	FUZZ_CHECK(((t % 60) + 60) % 60 == reg_value(r.sec, r.reg_b));
	check_day_before(&r, t);
	return 0;
}
