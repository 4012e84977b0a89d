/*
 * The RTC's registers as a time (amphi/rtc_time.h).  Each field is
 * decoded by itself (BCD or binary; the hour with its PM bit in 12-hour
 * mode, where 12 AM is hour 0 and 12 PM hour 12), checked against its
 * range (a torn or junk read must not become a plausible date), and the
 * date turned into days by the civil-calendar arithmetic that needs no
 * table of month lengths.
 */
#include <amphi/rtc_time.h>

#define RTC_HOUR_PM 0x80

/* A BCD byte's value, or -1 if a digit is not 0-9. */
static int bcd_value(uint8_t v)
{
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0xf);
}

static int field(uint8_t v, bool binary)
{
	return binary ? v : bcd_value(v);
}

/* The hour 0..23, or -1. */
static int rtc_hour(uint8_t v, uint8_t reg_b)
{
	bool binary = reg_b & RTC_B_BINARY;
	int h;

	if (reg_b & RTC_B_24H)
		return field(v, binary);
	h = field(v & ~RTC_HOUR_PM, binary);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (v & RTC_HOUR_PM ? 12 : 0);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int month_days(int64_t y, unsigned int m)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return days[m - 1] + (m == 2 && leap(y));
}

int64_t rtc_days_from_civil(int64_t year, unsigned int mon, unsigned int mday)
{
	int64_t y = year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The full year from the two digits and the century byte. */
static int64_t rtc_year(int yy, const struct rtc_regs *r)
{
	int c = field(r->century, r->reg_b & RTC_B_BINARY);

	if (c >= 19 && c <= 29)
		return c * 100 + yy;
	return yy < 70 ? 2000 + yy : 1900 + yy;
}

int rtc_regs_to_epoch(const struct rtc_regs *r, int64_t *out)
{
	bool bin = r->reg_b & RTC_B_BINARY;
	int sec = field(r->sec, bin), min = field(r->min, bin), hour = rtc_hour(r->hour, r->reg_b);
	int mday = field(r->mday, bin), mon = field(r->mon, bin), yy = field(r->year, bin);
	int64_t year;

	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || hour > 23)
		return -1;
	if (yy < 0 || yy > 99 || mon < 1 || mon > 12)
		return -1;
	year = rtc_year(yy, r);
	if (mday < 1 || (unsigned int)mday > month_days(year, (unsigned int)mon))
		return -1;
	*out = rtc_days_from_civil(year, (unsigned int)mon, (unsigned int)mday) * 86400 +
	       hour * 3600 + min * 60 + sec;
	return 0;
}
